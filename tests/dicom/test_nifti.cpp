// NIfTI input: geometry and voxels as written, 4D files split by their .bval, sidecar header facts,
// bad files as failed series with the rest going on, and the real CHAOS T2-SPIR volume.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/nifti_fixtures.hpp"
#include "dicom/nifti_source.hpp"
#include "dicom/real_data.hpp"
#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"

namespace fs = std::filesystem;
using namespace mpmri;
using mpmri::test::all_volumes;
using mpmri::test::NiftiSpec;
using mpmri::test::TempDir;
using mpmri::test::write_nifti;
using mpmri::test::write_text;

namespace {

std::array<double, 3> voxel_position(const std::array<double, 3>& origin, const std::array<double, 9>& direction,
                                     const std::array<double, 3>& spacing, const std::array<double, 3>& index) {
  std::array<double, 3> p = origin;
  for (int r = 0; r < 3; ++r)
    for (int k = 0; k < 3; ++k) p[r] += direction[r * 3 + k] * spacing[k] * index[k];
  return p;
}

// The image a NiftiSpec describes, as the loader would return it for a right-handed file.
VolumeImage spec_image(const NiftiSpec& spec, int volume) {
  VolumeImage img;
  img.size = spec.size;
  img.spacing = spec.spacing;
  img.origin = spec.origin;
  img.direction = spec.direction;
  img.voxels.resize(img.voxel_count());
  for (size_t i = 0; i < img.voxels.size(); ++i) img.voxels[i] = spec.value(i, volume);
  return img;
}

// Every voxel of `loaded` sits where `expected` has a voxel of the same value (physical LPS space, 1 micron):
// the same image whatever the order in which each stores its axes.
void expect_same_image(const VolumeImage& loaded, const VolumeImage& expected) {
  ASSERT_EQ(loaded.voxels.size(), loaded.voxel_count());
  ASSERT_EQ(loaded.voxel_count(), expected.voxel_count());
  size_t off_grid = 0, mismatches = 0;
  for (int z = 0; z < loaded.size[2]; ++z)
    for (int y = 0; y < loaded.size[1]; ++y)
      for (int x = 0; x < loaded.size[0]; ++x) {
        auto p = voxel_position(loaded.origin, loaded.direction, loaded.spacing, {double(x), double(y), double(z)});
        std::array<long, 3> i{};
        bool on_grid = true;
        for (int k = 0; k < 3; ++k) {  // directions are orthonormal: the inverse is the transpose
          double along = 0;
          for (int r = 0; r < 3; ++r) along += expected.direction[r * 3 + k] * (p[r] - expected.origin[r]);
          double idx = along / expected.spacing[k];
          i[k] = std::lround(idx);
          on_grid = on_grid && std::fabs(idx - i[k]) * expected.spacing[k] < 1e-3 && i[k] >= 0 && i[k] < expected.size[k];
        }
        if (!on_grid) {
          ++off_grid;
          continue;
        }
        size_t e = size_t(i[0]) + size_t(expected.size[0]) * (size_t(i[1]) + size_t(expected.size[1]) * size_t(i[2]));
        size_t l = size_t(x) + size_t(loaded.size[0]) * (size_t(y) + size_t(loaded.size[1]) * size_t(z));
        if (loaded.voxels[l] != expected.voxels[e]) ++mismatches;
      }
  EXPECT_EQ(off_grid, 0u) << "voxels of the loaded image that are not voxels of the expected one";
  EXPECT_EQ(mismatches, 0u);
}

void expect_same_image(const VolumeImage& loaded, const NiftiSpec& spec, int volume) {
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(loaded.size[k], spec.size[k]);
    EXPECT_NEAR(loaded.spacing[k], spec.spacing[k], 1e-5);
  }
  expect_same_image(loaded, spec_image(spec, volume));
}

std::array<double, 3> column(const std::array<double, 9>& m, int c) { return {m[c], m[3 + c], m[6 + c]}; }

std::array<double, 3> cross(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

const SkippedFile* skipped_entry(const ScanResult& r, const std::string& name) {
  for (const auto& s : r.skipped)
    if (fs::path(s.path).filename() == name) return &s;
  return nullptr;
}

fs::path shared_real() { return mpmri::test::shared_dicom().parent_path() / "real"; }

}  // namespace

TEST(niftiInput, ThreeDFileLoadsWithItsGeometryAndVoxels) {
  TempDir t;
  NiftiSpec spec;
  // An oblique, right-handed orientation (rotation of 20 degrees about x).
  const double c = std::cos(0.349066), s = std::sin(0.349066);
  spec.direction = {1, 0, 0, 0, c, -s, 0, s, c};
  write_nifti(t.path / "t2.nii.gz", spec);
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 1u);
  const VolumeInfo& v = *vols[0];
  ASSERT_TRUE(v.nifti);
  const std::string abs = fs::absolute(t.path / "t2.nii.gz").lexically_normal().string();
  EXPECT_EQ(v.nifti->path, abs);
  EXPECT_EQ(v.header.series_uid, abs) << "no sidecar: the file path names the series";
  EXPECT_EQ(v.header.study_uid, nifti::folder_study_uid(t.path.string()));
  EXPECT_EQ(v.header.study_uid.rfind("2.25.", 0), 0u);
  EXPECT_EQ(v.header.study_uid, nifti::folder_study_uid(t.path.string() + "/")) << "one folder, one UID";
  EXPECT_TRUE(v.header.modality.empty() && !v.header.echo_time_ms && v.header.image_type.empty())
      << "no sidecar: no header facts";
  EXPECT_EQ(v.slices.size(), 4u);
  EXPECT_EQ(v.matrix[0], 6);
  EXPECT_EQ(v.matrix[1], 5);
  EXPECT_EQ(v.plane, "axial");
  EXPECT_TRUE(r.skipped.empty());
  VolumeImage img = load_volume(v);
  for (int k = 0; k < 9; ++k) EXPECT_NEAR(img.direction[k], spec.direction[k], 1e-5) << k;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(img.origin[k], spec.origin[k], 1e-4) << k;
  expect_same_image(img, spec, 0);
  // The slice positions the scan reports are the loaded geometry's.
  for (size_t z = 0; z < v.slices.size(); ++z) {
    auto p = voxel_position(img.origin, img.direction, img.spacing, {0, 0, double(z)});
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(v.slices[z].position[k], p[k], 1e-4);
  }
}

TEST(niftiInput, LeftHandedFileHasItsRowsReversedLikeTheDicomItCameFrom) {
  TempDir t;
  NiftiSpec spec;
  spec.direction = {1, 0, 0, 0, -1, 0, 0, 0, 1};  // rows flipped, as dcm2niix stores an axial DICOM series
  write_nifti(t.path / "flipped.nii", spec);
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 1u);
  VolumeImage img = load_volume(*vols[0]);
  const std::array<double, 9> dicom_like{1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (int k = 0; k < 9; ++k) EXPECT_NEAR(img.direction[k], dicom_like[k], 1e-6) << k;
  const std::array<double, 3> top_row{spec.origin[0], spec.origin[1] - spec.spacing[1] * (spec.size[1] - 1), spec.origin[2]};
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(img.origin[k], top_row[k], 1e-4) << k;
    EXPECT_NEAR(vols[0]->slices.front().position[k], top_row[k], 1e-4) << k;
  }
  expect_same_image(img, spec, 0);
}

TEST(niftiInput, FourDFileSplitsByItsBvalFile) {
  TempDir t;
  NiftiSpec spec;
  spec.volumes = 4;
  write_nifti(t.path / "dwi.nii.gz", spec);
  write_text(t.path / "dwi.bval", "0 500 1000\t1000\n");
  write_text(t.path / "dwi.bvec", "0 1 0 0\n0 0 1 0\n0 0 0 1\n");
  auto r = scan_folders({t.path.string()});
  EXPECT_TRUE(r.skipped.empty()) << "the sidecars are read with the image, not skipped: " << r.skipped.front().path;
  ASSERT_EQ(r.studies.size(), 1u);
  ASSERT_EQ(r.studies[0].series.size(), 1u);
  const auto& vols = r.studies[0].series[0].volumes;
  ASSERT_EQ(vols.size(), 4u);
  const double b[] = {0, 500, 1000, 1000};
  const std::optional<int> repetition[] = {std::nullopt, std::nullopt, 1, 2};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(vols[i].volume_index, i);
    EXPECT_EQ(vols[i].volumes_in_series, 4);
    ASSERT_TRUE(vols[i].key.b_value);
    EXPECT_DOUBLE_EQ(*vols[i].key.b_value, b[i]);
    EXPECT_DOUBLE_EQ(*vols[i].header.b_value, b[i]);
    EXPECT_EQ(vols[i].header.b_value_source, "dwi.bval");
    EXPECT_EQ(vols[i].key.temporal_index, repetition[i]) << "two directions at b=1000, as the DICOM splitter numbers them";
    EXPECT_EQ(vols[i].nifti->index, i);
    expect_same_image(load_volume(vols[i]), spec, i);
  }
}

TEST(niftiInput, FourDFileWithoutBvalIsATimeSeries) {
  TempDir t;
  NiftiSpec spec;
  spec.volumes = 3;
  write_nifti(t.path / "dyn.nii.gz", spec);
  write_text(t.path / "other.bval", "0 800 800\n");  // another stem: not this file's
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(vols[i]->header.b_value);
    EXPECT_EQ(vols[i]->key.temporal_index, i + 1);
  }
  EXPECT_NE(skipped_entry(r, "other.bval"), nullptr) << "a .bval without its image is an ordinary non-DICOM file";
}

TEST(niftiInput, BvalThatDoesNotFitIsReportedAndIgnored) {
  TempDir t;
  NiftiSpec spec;
  spec.volumes = 3;
  write_nifti(t.path / "dwi.nii.gz", spec);
  write_text(t.path / "dwi.bval", "0 1000\n");
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 3u) << "the image is still read";
  EXPECT_FALSE(vols[0]->header.b_value);
  auto* s = skipped_entry(r, "dwi.bval");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->is_error);
  EXPECT_NE(s->reason.find("2 b-values for 3 volumes"), std::string::npos) << s->reason;
}

TEST(niftiInput, SidecarFillsTheHeader) {
  TempDir t;
  NiftiSpec spec;
  write_nifti(t.path / "opp.nii.gz", spec);
  write_text(t.path / "opp.json", R"({
    "Modality": "MR", "MagneticFieldStrength": 1.5, "ImagingFrequency": 63.8971, "Manufacturer": "Philips",
    "ManufacturersModelName": "Achieva", "SeriesInstanceUID": "1.2.3.77.1", "StudyInstanceUID": "1.2.3.77",
    "SeriesDescription": "T1 dual", "ProtocolName": "T1DUAL_OutPhase", "SeriesNumber": 601,
    "ScanningSequence": "GR", "SequenceVariant": "SS", "ScanOptions": "SP", "SequenceName": "*fl2d1",
    "MRAcquisitionType": "2D", "ImageType": ["ORIGINAL", "PRIMARY", "M", "FFE"], "EchoNumber": 1,
    "EchoTime": 0.002302, "RepetitionTime": 0.186698, "InversionTime": 0.9, "FlipAngle": 80,
    "AcquisitionTime": "10:11:12.500000", "BodyPartExamined": "ABDOMEN"})");
  // The image alone on the command line: its sidecar is still found beside it.
  auto r = scan_files({(t.path / "opp.nii.gz").string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 1u);
  const HeaderInfo& h = vols[0]->header;
  EXPECT_EQ(h.study_uid, "1.2.3.77");
  EXPECT_EQ(h.series_uid, "1.2.3.77.1");
  EXPECT_EQ(h.modality, "MR");
  ASSERT_TRUE(h.echo_time_ms && h.repetition_time_ms && h.inversion_time_ms && h.flip_angle_deg);
  EXPECT_DOUBLE_EQ(*h.echo_time_ms, 2.302) << "seconds in the sidecar, ms in HeaderInfo";
  EXPECT_DOUBLE_EQ(*h.repetition_time_ms, 186.698);
  EXPECT_DOUBLE_EQ(*h.inversion_time_ms, 900);
  EXPECT_DOUBLE_EQ(*h.flip_angle_deg, 80);
  EXPECT_DOUBLE_EQ(h.field_strength_t.value_or(0), 1.5);
  EXPECT_DOUBLE_EQ(h.imaging_frequency_mhz.value_or(0), 63.8971);
  EXPECT_EQ(h.manufacturer, "Philips");
  EXPECT_EQ(h.manufacturer_model, "Achieva");
  EXPECT_EQ(h.image_type, (std::vector<std::string>{"ORIGINAL", "PRIMARY", "M", "FFE"}));
  EXPECT_EQ(h.series_description, "T1 dual");
  EXPECT_EQ(h.protocol_name, "T1DUAL_OutPhase");
  EXPECT_EQ(h.series_number, 601);
  EXPECT_EQ(h.scanning_sequence, "GR");
  EXPECT_EQ(h.sequence_variant, "SS");
  EXPECT_EQ(h.scan_options, "SP");
  EXPECT_EQ(h.sequence_name, "*fl2d1");
  EXPECT_EQ(h.mr_acquisition_type, "2D");
  EXPECT_EQ(h.echo_number, 1);
  EXPECT_EQ(h.body_part, "ABDOMEN");
  EXPECT_DOUBLE_EQ(h.acquisition_time_s.value_or(0), 10 * 3600 + 11 * 60 + 12.5);
}

TEST(niftiInput, EchoFilesOfOneSeriesBecomeOneSeriesKeyedByEcho) {
  TempDir t;
  NiftiSpec spec;
  // dcm2niix writes the echoes of one series as _e1 and _e2 files sharing its SeriesInstanceUID.
  for (int echo : {2, 1}) {
    std::string stem = "t1dual_e" + std::to_string(echo);
    write_nifti(t.path / (stem + ".nii.gz"), spec);
    write_text(t.path / (stem + ".json"), R"({"SeriesInstanceUID": "1.2.3.9", "EchoNumber": )" + std::to_string(echo) +
                                              R"(, "EchoTime": )" + (echo == 1 ? "0.0023" : "0.0046") + "}");
  }
  auto r = scan_folders({t.path.string()});
  ASSERT_EQ(r.studies.size(), 1u);
  ASSERT_EQ(r.studies[0].series.size(), 1u);
  const auto& vols = r.studies[0].series[0].volumes;
  ASSERT_EQ(vols.size(), 2u);
  EXPECT_EQ(vols[0].key.echo_number, 1);
  EXPECT_DOUBLE_EQ(vols[0].key.echo_time_ms.value_or(0), 2.3);
  EXPECT_DOUBLE_EQ(vols[1].key.echo_time_ms.value_or(0), 4.6);
  EXPECT_EQ(vols[0].id(), "1.2.3.9#0");
  EXPECT_EQ(vols[1].id(), "1.2.3.9#1");
  EXPECT_EQ(fs::path(vols[0].nifti->path).filename(), "t1dual_e1.nii.gz");
}

TEST(niftiInput, BadSidecarIsReportedAndTheImageGoesOnWithoutHeaderFacts) {
  TempDir t;
  write_nifti(t.path / "a.nii.gz", NiftiSpec{});
  write_text(t.path / "a.json", "{\"EchoTime\": 0.002,");
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 1u);
  EXPECT_FALSE(vols[0]->header.echo_time_ms);
  ASSERT_FALSE(vols[0]->warnings.empty());
  auto* s = skipped_entry(r, "a.json");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->is_error);
  EXPECT_NE(s->reason.find("not valid JSON"), std::string::npos) << s->reason;
}

TEST(niftiInput, CorruptFilesAreFailedSeriesAndTheRestGoesOn) {
  TempDir t;
  mpmri::test::write_good_series(t.path);  // DICOM witness "1.2.3.4.99"
  write_nifti(t.path / "good.nii.gz", NiftiSpec{});
  std::mt19937 rng(3);
  std::string junk(4000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng() & 0xFF);
  write_text(t.path / "junk.nii.gz", junk);
  write_text(t.path / "empty.nii", "");
  // A .nii.gz cut in half: the header reads, the voxels do not.
  NiftiSpec big;
  big.size = {64, 64, 16};
  big.value = [](size_t i, int) { return float((i * 2654435761u) % 4093); };  // incompressible enough
  write_nifti(t.path / "cut.nii.gz", big);
  auto full = fs::file_size(t.path / "cut.nii.gz");
  fs::resize_file(t.path / "cut.nii.gz", full / 2);

  auto r = scan_folders({t.path.string()});
  for (const auto& s : r.skipped) EXPECT_EQ(s.reason.find("not DICOM"), std::string::npos) << s.path;
  std::map<std::string, std::string> failed;
  for (const auto& f : r.failed) failed[fs::path(f.series_uid).filename().string()] = f.reason;
  ASSERT_EQ(failed.count("junk.nii.gz"), 1u);
  ASSERT_EQ(failed.count("empty.nii"), 1u);
  EXPECT_NE(failed["junk.nii.gz"].find("junk.nii.gz"), std::string::npos) << "the reason names the file";
  EXPECT_FALSE(failed["empty.nii"].empty());

  bool dicom_ok = false, good_ok = false, cut_failed = false;
  for (const auto* v : all_volumes(r)) {
    if (v->header.series_uid == "1.2.3.4.99") dicom_ok = load_volume(*v).voxel_count() == 8u * 8u * 3u;
    if (!v->nifti) continue;
    const std::string name = fs::path(v->nifti->path).filename().string();
    if (name == "good.nii.gz") good_ok = load_volume(*v).voxel_count() == 6u * 5u * 4u;
    if (name == "cut.nii.gz") {
      try {
        load_volume(*v);
      } catch (const Error& e) {
        cut_failed = e.kind() == ErrorKind::Input && std::string(e.what()).find("cut.nii.gz") != std::string::npos;
      }
    }
  }
  EXPECT_TRUE(dicom_ok) << "the DICOM series beside the bad files is still read";
  EXPECT_TRUE(good_ok) << "the good NIfTI beside the bad files is still read";
  EXPECT_TRUE(cut_failed) << "a truncated .nii.gz fails at load with an Input error naming the file";
}

TEST(niftiInput, TruncatedFourDFileLosesOnlyTheVolumesItLacks) {
  TempDir t;
  NiftiSpec spec;
  spec.volumes = 3;
  write_nifti(t.path / "dyn.nii", spec);
  const auto volume_bytes = sizeof(float) * spec.size[0] * spec.size[1] * spec.size[2];
  fs::resize_file(t.path / "dyn.nii", fs::file_size(t.path / "dyn.nii") - volume_bytes - volume_bytes / 2);
  auto r = scan_folders({t.path.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 3u) << "the header still describes three volumes";
  expect_same_image(load_volume(*vols[0]), spec, 0);
  for (int i : {1, 2}) {
    try {
      load_volume(*vols[i]);
      ADD_FAILURE() << "volume " << i << " is not (wholly) in the file but loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    }
  }
}

TEST(niftiRealData, ChaosT2SpirLoads) {
  const fs::path file = shared_real() / "chaos-t2spir" / "image_1.nii.gz";
  if (!fs::exists(file)) GTEST_SKIP() << "real NIfTI not found at " << file << " (../shared beside the checkout)";
  auto r = scan_files({file.string()});
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 1u) << (r.failed.empty() ? "" : r.failed[0].reason);
  EXPECT_EQ(vols[0]->plane, "axial");
  EXPECT_EQ(vols[0]->slices.size(), 37u);
  VolumeImage img = load_volume(*vols[0]);
  EXPECT_EQ(img.size, (std::array<int, 3>{256, 256, 37}));
  EXPECT_NEAR(img.spacing[0], 1.25, 1e-3);
  EXPECT_NEAR(img.spacing[2], 7.7, 1e-3);
  auto normal = cross(column(img.direction, 0), column(img.direction, 1));
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(column(img.direction, 2)[k], normal[k], 1e-6);
  float lo = img.voxels[0], hi = img.voxels[0];
  for (float v : img.voxels) {
    ASSERT_TRUE(std::isfinite(v));
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_LT(lo, hi) << "an image, not a constant";
}

// dcm2niix's conversion of the real CHAOS dual-echo series, with its sidecars, is the same series as the DICOM:
// one series UID, one volume per echo, the same header facts and the same voxels in the same places.
TEST(niftiRealData, Dcm2niixConversionMatchesTheDicomSeries) {
  REQUIRE_SHARED_DICOM();
  if (std::system("dcm2niix -h > /dev/null 2>&1") != 0) GTEST_SKIP() << "dcm2niix is not installed";
  TempDir t;
  const fs::path dicom = mpmri::test::shared_dicom() / "chaos-liver-t1dual" / "dataset sample" / "outphase";
  std::string cmd = "dcm2niix -ba n -z y -o '" + t.path.string() + "' '" + dicom.string() + "' > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto from_dicom = scan_folders({dicom.string()});
  auto from_nifti = scan_folders({t.path.string()});
  EXPECT_TRUE(from_nifti.skipped.empty() && from_nifti.failed.empty());
  auto d = all_volumes(from_dicom), n = all_volumes(from_nifti);
  ASSERT_EQ(d.size(), 1u);
  ASSERT_EQ(n.size(), 1u);
  const HeaderInfo &hd = d[0]->header, &hn = n[0]->header;
  EXPECT_EQ(hn.series_uid, hd.series_uid);
  EXPECT_EQ(hn.study_uid, hd.study_uid);
  EXPECT_EQ(hn.protocol_name, hd.protocol_name);
  EXPECT_EQ(hn.series_number, hd.series_number);
  EXPECT_EQ(hn.scanning_sequence, hd.scanning_sequence);
  EXPECT_NEAR(hn.echo_time_ms.value_or(0), hd.echo_time_ms.value_or(-1), 1e-6);
  EXPECT_NEAR(hn.repetition_time_ms.value_or(0), hd.repetition_time_ms.value_or(-1), 1e-3);
  EXPECT_NEAR(hn.field_strength_t.value_or(0), hd.field_strength_t.value_or(-1), 1e-6);
  EXPECT_EQ(n[0]->plane, d[0]->plane);
  EXPECT_EQ(n[0]->slices.size(), d[0]->slices.size());
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(n[0]->slices.front().position[k], d[0]->slices.front().position[k], 1e-3) << k;
  VolumeImage ni = load_volume(*n[0]), di = load_volume(*d[0]);
  expect_same_image(ni, di);
  // dcm2niix's row flip undone: not only the same places but the same voxel order as the DICOM loader's.
  for (int k = 0; k < 9; ++k) EXPECT_NEAR(ni.direction[k], di.direction[k], 1e-4) << k;
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(ni.origin[k], di.origin[k], 1e-3) << k;
  EXPECT_TRUE(ni.voxels == di.voxels);
}
