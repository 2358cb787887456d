// What the loader must find in the real scanner data under ../shared/dicom (see its README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/real_data.hpp"
#include "mpmri/dicom.hpp"

using namespace mpmri;
using mpmri::test::all_volumes;
using mpmri::test::shared_dicom;

namespace {

ScanResult scan(const std::string& sub) { return scan_folders({(shared_dicom() / sub).string()}); }

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

std::set<double> b_values(const ScanResult& r) {
  std::set<double> out;
  for (const auto* v : all_volumes(r))
    if (v->header.b_value) out.insert(std::round(*v->header.b_value * 100) / 100);
  return out;
}

const SkippedFile* skipped_with(const ScanResult& r, const std::string& name_part) {
  for (const auto& s : r.skipped)
    if (s.path.find(name_part) != std::string::npos) return &s;
  return nullptr;
}

// Scans and decodes one file on its own.
VolumeImage load_single(const std::string& rel) {
  auto r = scan_files({(shared_dicom() / rel).string()});
  auto vols = all_volumes(r);
  if (vols.size() != 1) {
    ADD_FAILURE() << rel << ": expected one volume, got " << vols.size()
                  << (r.skipped.empty() ? "" : " (skipped: " + r.skipped[0].reason + ")");
    return {};
  }
  return load_volume(*vols[0]);
}

}  // namespace

TEST(dicomRealData, ChaosInAndOpposedPhaseSplitByEcho) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("chaos-liver-t1dual/dataset sample");
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 2u) << "one SeriesInstanceUID holds both echoes";
  EXPECT_EQ(vols[0]->header.series_uid, vols[1]->header.series_uid);
  ASSERT_TRUE(vols[0]->key.echo_time_ms && vols[1]->key.echo_time_ms);
  EXPECT_NEAR(*vols[0]->header.echo_time_ms, 2.30, 0.01);
  EXPECT_NEAR(*vols[1]->header.echo_time_ms, 4.6, 0.05);
  EXPECT_EQ(vols[0]->key.echo_number, 1);
  EXPECT_EQ(vols[1]->key.echo_number, 2);
  for (const auto* v : vols) {
    EXPECT_EQ(v->slices.size(), 26u);
    EXPECT_EQ(v->plane, "axial");
    EXPECT_EQ(v->matrix[0], 256);
    EXPECT_TRUE(has(v->header.image_type, "M_FFE"));
    VolumeImage img = load_volume(*v);
    EXPECT_EQ(img.size[2], 26);
    EXPECT_GT(*std::max_element(img.voxels.begin(), img.voxels.end()), 100.0f);
  }
  EXPECT_EQ(vols[0]->header.protocol_name, "T1DUAL_OutPhase");
  EXPECT_EQ(vols[1]->header.protocol_name, "T1DUAL_InPhase");
}

TEST(dicomRealData, PhilipsDwiBValuesAndNonImagesSkipped) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("dcm_qa_philips_dwi");
  auto bs = b_values(r);
  EXPECT_TRUE(bs.count(0));
  EXPECT_TRUE(bs.count(1000));
  for (const auto* v : all_volumes(r)) {
    EXPECT_EQ(v->header.b_value_source, "(0018,9087)");
    EXPECT_EQ(v->slices.size(), 32u) << v->key.describe();  // one image per position after the direction split
  }
  auto* dicomdir = skipped_with(r, "DICOMDIR");
  ASSERT_NE(dicomdir, nullptr);
  EXPECT_NE(dicomdir->reason.find("DICOMDIR"), std::string::npos);
  auto* ps = skipped_with(r, "PS_0545");
  ASSERT_NE(ps, nullptr);
  EXPECT_NE(ps->reason.find("no pixel data"), std::string::npos);
}

TEST(dicomRealData, GeDwiBValueFromPrivateTag) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("dcm_qa_ge");
  EXPECT_EQ(b_values(r), (std::set<double>{0, 1000}));
  bool private_source = false;
  for (const auto* v : all_volumes(r)) private_source |= v->header.b_value_source == "(0043,1039)";
  EXPECT_TRUE(private_source) << "b=0 images carry their b-value only in GE (0043,1039)";
}

TEST(dicomRealData, UihDwiBValueAndMosaic) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("dcm_qa_uih");
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 17u) << "one b~0 and sixteen diffusion directions, one mosaic each";
  for (const auto* v : vols) {
    EXPECT_EQ(v->header.b_value_source, "(0065,1009)");
    EXPECT_TRUE(v->header.mosaic);
  }
  auto bs = b_values(r);
  EXPECT_TRUE(bs.count(929.75));
  EXPECT_NEAR(*bs.begin(), 1.25, 0.01);
}

TEST(dicomRealData, SiemensXa30EnhancedDiffusionSeries) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("dcm_qa_xa30");
  bool dwi = false, adc = false, trace = false;
  for (const auto* v : all_volumes(r)) {
    const auto& h = v->header;
    EXPECT_TRUE(h.enhanced) << h.series_description;
    if (h.series_description == "DWI_dir80_PA" && h.b_value == 2500.0) dwi = true;
    if (has(h.image_type, "ADC")) adc = true;
    if (has(h.image_type, "TRACEW") && h.b_value == 2500.0) trace = true;
    if (h.series_description == "DWI_dir80_PA") {
      EXPECT_EQ(v->slices.size(), 39u);
    }
  }
  EXPECT_TRUE(dwi);
  EXPECT_TRUE(adc);
  EXPECT_TRUE(trace);
  for (const auto* v : all_volumes(r)) {
    if (v->header.series_description == "DWI_dir80_PA_TRACEW") {
      EXPECT_NO_THROW(load_volume(*v));
    }
  }
}

TEST(dicomRealData, EnhancedPhilipsFieldMapSplitsEchoes) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("dcm_qa_enh/In/Philips");
  auto vols = all_volumes(r);
  ASSERT_EQ(vols.size(), 2u);
  EXPECT_TRUE(vols[0]->key.echo_time_ms.has_value());
  EXPECT_NE(vols[0]->key.echo_time_ms, vols[1]->key.echo_time_ms);
  for (const auto* v : vols) EXPECT_EQ(v->slices.size(), 32u);
}

TEST(dicomRealData, ThreePlaneLocalizerSplitsByOrientation) {
  REQUIRE_SHARED_DICOM();
  auto r = scan("debian-python3-pydicom/test_files/dicomdirtests/98892003/MR2");
  std::set<std::string> planes;
  for (const auto* v : all_volumes(r))
    if (v->header.series_description == "T/S/C RF FAST PILOT") planes.insert(v->key.orientation);
  EXPECT_EQ(planes, (std::set<std::string>{"axial", "coronal", "sagittal"}));
}

// Every transfer syntax of one image decodes to the same voxels (all are lossless).
TEST(dicomRealData, ToshibaEveryTransferSyntaxDecodesIdentically) {
  REQUIRE_SHARED_DICOM();
  const std::string dir = "debian-python3-pydicom/test_files/";
  VolumeImage ref = load_single(dir + "MR_small.dcm");
  ASSERT_EQ(ref.voxel_count(), 64u * 64u);
  for (const char* f : {"MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_implicit.dcm", "MR_small_padded.dcm",
                        "MR_small_RLE.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm"}) {
    VolumeImage img = load_single(dir + f);
    EXPECT_EQ(img.voxels, ref.voxels) << f;
  }
}

TEST(dicomRealData, SiemensMosaicInNineTransferSyntaxes) {
  REQUIRE_SHARED_DICOM();
  VolumeImage ref = load_single("dcm_qa_ts/In/1.dcm");
  ASSERT_GT(ref.voxel_count(), 0u);
  for (int i = 2; i <= 9; ++i) {
    VolumeImage img = load_single("dcm_qa_ts/In/" + std::to_string(i) + ".dcm");
    EXPECT_EQ(img.voxels, ref.voxels) << i << ".dcm";
  }
}

TEST(dicomRealData, PydicomEnhancedAndJpeg2000Variants) {
  REQUIRE_SHARED_DICOM();
  const std::string dir = "pydicom-data/data_store/data/";
  VolumeImage ref = load_single(dir + "emri_small.dcm");
  ASSERT_EQ(ref.size[2], 10);
  for (const char* f : {"emri_small_big_endian.dcm", "emri_small_RLE.dcm", "emri_small_jpeg_ls_lossless.dcm",
                        "emri_small_jpeg_2k_lossless.dcm"}) {
    VolumeImage img = load_single(dir + f);
    EXPECT_EQ(img.voxels, ref.voxels) << f;
  }
  VolumeImage unc = load_single(dir + "MR2_UNCR.dcm");
  VolumeImage j2kr = load_single(dir + "MR2_J2KR.dcm");
  EXPECT_EQ(j2kr.voxels, unc.voxels) << "reversible JPEG 2000 is lossless";
  // MR2_J2KI is the irreversible encoding of MR2_UNCI (they share one SOPInstanceUID).
  VolumeImage unci = load_single(dir + "MR2_UNCI.dcm");
  VolumeImage j2ki = load_single(dir + "MR2_J2KI.dcm");
  ASSERT_EQ(j2ki.voxels.size(), unci.voxels.size());
  double diff = 0, mean = 0;
  for (size_t i = 0; i < unci.voxels.size(); ++i) {
    diff += std::fabs(j2ki.voxels[i] - unci.voxels[i]);
    mean += unci.voxels[i];
  }
  EXPECT_LT(diff, 0.05 * mean) << "irreversible JPEG 2000 stays close to the original";
  VolumeImage overlays = load_single(dir + "MR-SIEMENS-DICOM-WithOverlays.dcm");
  EXPECT_GT(overlays.voxel_count(), 0u);
}

TEST(dicomRealData, WholeTreeScanIsCompleteAndDeterministic) {
  REQUIRE_SHARED_DICOM();
  auto a = scan("");
  auto b = scan("");
  auto va = all_volumes(a), vb = all_volumes(b);
  ASSERT_EQ(va.size(), vb.size());
  for (size_t i = 0; i < va.size(); ++i) {
    EXPECT_EQ(va[i]->id(), vb[i]->id());
    EXPECT_TRUE(va[i]->key == vb[i]->key);
    ASSERT_EQ(va[i]->slices.size(), vb[i]->slices.size());
    for (size_t k = 0; k < va[i]->slices.size(); ++k) EXPECT_EQ(va[i]->slices[k].path, vb[i]->slices[k].path);
  }
  EXPECT_TRUE(a.failed.empty()) << a.failed.front().reason;
  for (const auto* v : va) {
    std::set<std::array<long, 3>> positions;
    for (const auto& s : v->slices)
      positions.insert({std::lround(s.position[0] * 100), std::lround(s.position[1] * 100), std::lround(s.position[2] * 100)});
    EXPECT_EQ(positions.size(), v->slices.size()) << v->id() << " has two images at one position";
  }
}

// The direct read (offset learnt at scan) and DCMTK's decoder agree; touching a file forces the latter.
TEST(dicomRealData, DirectPixelReadMatchesDcmtk) {
  REQUIRE_SHARED_DICOM();
  mpmri::test::TempDir t;
  for (const char* rel : {"debian-python3-pydicom/test_files/MR_small_bigendian.dcm", "dcm_qa_philips_dwi/In/cl/DICOM/IM_0326",
                          "dcm_qa_ge/In/01_Ax_DWI_TENSOR_R2/i25.MRDC.4"}) {
    auto copy = t.path / std::filesystem::path(rel).filename();
    std::filesystem::copy_file(shared_dicom() / rel, copy);
    auto scanned = scan_files({copy.string()});
    auto vols = all_volumes(scanned);
    ASSERT_EQ(vols.size(), 1u) << rel;
    VolumeImage direct = load_volume(*vols[0]);
    std::filesystem::last_write_time(copy, std::filesystem::last_write_time(copy) + std::chrono::hours(1));
    VolumeImage dcmtk = load_volume(*vols[0]);
    EXPECT_EQ(direct.voxels, dcmtk.voxels) << rel;
    EXPECT_GT(*std::max_element(direct.voxels.begin(), direct.voxels.end()), 0.0f) << rel;
  }
}
