// The routing outputs (src/report/{nifti,sort,sr}_export.cpp) on small made-up series and on the real scanner
// DICOM of ../shared/dicom: NIfTI against dcm2niix and read back by our own NIfTI reader, sorted files as links
// that never overwrite, and SRs that dciodvfy and dsr2html accept.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dicom/dcm2niix_reference.hpp"
#include "dicom/dicom_fixtures.hpp"
#include "dicom/real_data.hpp"
#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"
#include "mpmri/routing.hpp"

namespace fs = std::filesystem;
using namespace mpmri;
using namespace mpmri::test;

namespace {

// Classified studies made from a scan without a classifier: labels cycle through all ten, so every code is used.
std::vector<StudyResult> studies_of(const ScanResult& scan) {
  std::vector<StudyResult> out;
  int n = 0;
  for (const auto& st : scan.studies) {
    StudyResult study;
    study.study_uid = st.study_uid;
    for (const auto& se : st.series) {
      SeriesResult series;
      series.study_uid = st.study_uid;
      series.series_uid = se.series_uid;
      series.series_number = se.volumes.front().header.series_number;
      series.series_description = se.volumes.front().header.series_description;
      series.label = label_from_index(n % kNumLabels);
      series.confidence = 0.5 + 0.01 * (n % 40);
      series.volumes = int(se.volumes.size());
      for (const auto& v : se.volumes) {
        VolumeResult r;
        r.info = v;
        r.label = label_from_index(n++ % kNumLabels);
        r.confidence = series.confidence;
        r.evidence = "test evidence for " + v.id() + " (" + v.key.describe() + ")";
        study.volumes.push_back(r);
      }
      study.series.push_back(series);
    }
    out.push_back(study);
  }
  return out;
}

std::set<Label> all_labels() {
  std::set<Label> labels;
  for (int i = 0; i < kNumLabels; ++i) labels.insert(label_from_index(i));
  return labels;
}

std::string run_output(const std::string& cmd, int& status) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) out += buf;
  status = p ? ::pclose(p) : -1;
  return out;
}

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::vector<fs::path> files_below(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

bool any_temporary(const fs::path& dir) {
  for (const auto& f : files_below(dir))
    if (f.filename().string().find(".tmp") != std::string::npos) return true;
  return false;
}

// Same grid (every voxel centre within 1e-3 mm of dcm2niix's: checked at the 8 corners, the grid being affine)
// and, at one 4th-dimension index, the same voxel array: the file dcm2niix would have written, voxel for voxel.
std::string same_as_dcm2niix(const Nifti* ours, const Nifti* theirs) {
  auto so = ours->GetLargestPossibleRegion().GetSize(), st = theirs->GetLargestPossibleRegion().GetSize();
  std::ostringstream why;
  if (so[0] != st[0] || so[1] != st[1] || so[2] != st[2]) {
    why << "size " << so[0] << "x" << so[1] << "x" << so[2] << ", dcm2niix " << st[0] << "x" << st[1] << "x" << st[2];
    return why.str();
  }
  double worst = 0;
  for (int corner = 0; corner < 8; ++corner) {
    Nifti::IndexType index{{corner & 1 ? long(so[0]) - 1 : 0, corner & 2 ? long(so[1]) - 1 : 0, corner & 4 ? long(so[2]) - 1 : 0, 0}};
    Nifti::PointType a, b;
    ours->TransformIndexToPhysicalPoint(index, a);
    theirs->TransformIndexToPhysicalPoint(index, b);
    for (unsigned r = 0; r < 3; ++r) worst = std::max(worst, std::fabs(a[r] - b[r]));
  }
  if (worst > 1e-3) {
    why << "voxel centres up to " << worst << " mm apart";
    return why.str();
  }
  const size_t n = size_t(so[0]) * so[1] * so[2];
  for (size_t t = 0; t < st[3]; ++t) {
    const float* a = ours->GetBufferPointer();
    const float* b = theirs->GetBufferPointer() + t * n;
    size_t i = 0;
    while (i < n && std::fabs(a[i] - b[i]) <= 1e-4f * std::max(1.0f, std::fabs(a[i]))) ++i;
    if (i == n) return "";
  }
  return "same grid, different voxel values";
}

// A NIfTI file's first volume as the loader's VolumeImage (ITK's geometry in LPS, no reordering), for compare().
VolumeImage as_volume_image(const Nifti* n) {
  VolumeImage img;
  auto size = n->GetLargestPossibleRegion().GetSize();
  for (unsigned a = 0; a < 3; ++a) {
    img.size[a] = int(size[a]);
    img.spacing[a] = n->GetSpacing()[a];
    img.origin[a] = n->GetOrigin()[a];
    for (unsigned c = 0; c < 3; ++c) img.direction[a * 3 + c] = n->GetDirection()[a][c];
  }
  img.voxels.assign(n->GetBufferPointer(), n->GetBufferPointer() + img.voxel_count());
  return img;
}

const char* kNameTemplate = "%i/%u_%v";

}  // namespace

TEST(routingNames, TemplateFieldsFallbacksAndSafety) {
  StudyResult study;
  study.study_uid = "1.2.3";
  VolumeResult v;
  v.label = Label::DCE_Portal;
  v.info.volume_index = 2;
  v.info.header.series_uid = "1.2.3.4";
  v.info.header.series_number = 7;
  v.info.header.series_description = "t1 vibe/portal ..";
  EXPECT_EQ(nifti_file_stem("%p/%d/%l", study, v), "1.2.3/1.2.3/DCE_Portal");  // no PatientID, no StudyDate
  v.info.header.patient_id = "PAT 01";
  v.info.header.study_date = "20240131";
  EXPECT_EQ(nifti_file_stem("%p/%d/%l", study, v), "PAT_01/20240131/DCE_Portal");
  EXPECT_EQ(nifti_file_stem("%p/%d/%l_%s", study, v), "PAT_01/20240131/DCE_Portal_7");
  EXPECT_EQ(nifti_file_stem("x/%t_%v%%", study, v), "x/t1_vibe_portal_.._2_");
  EXPECT_EQ(nifti_file_stem("%u//%i", study, v), "1.2.3.4/1.2.3");
  v.info.header.patient_id = "..";
  EXPECT_EQ(nifti_file_stem("%p/../%l", study, v), "_/_/DCE_Portal");  // never climbs out of the folder
  EXPECT_THROW(nifti_file_stem("%p/%q", study, v), Error);
  EXPECT_THROW(nifti_file_stem("%l%", study, v), Error);
  EXPECT_THROW(nifti_file_stem("//", study, v), Error);
}

TEST(routingNifti, NamesUsedTwiceGetNumbers) {
  TempDir dir;
  FakeSlice s;
  s.series_uid = "1.2.3.4.5";
  for (int i = 1; i <= 3; ++i) {
    s.instance = i;
    s.position = std::array<double, 3>{0, 0, double(i)};
    fs::create_directories(dir.path / "in");
    write_slice(dir.path / "in" / ("IM" + std::to_string(i)), s);
  }
  StudyResult study = studies_of(scan_folders({(dir.path / "in").string()})).at(0);
  ASSERT_EQ(study.volumes.size(), 1u);
  study.volumes[0].label = Label::T2WI_Fs;
  study.volumes.push_back(study.volumes[0]);  // a second volume with the same name
  RoutingOptions options;
  options.nifti_dir = (dir.path / "nifti").string();
  options.nifti_name = "%l";
  auto router = make_nifti_router(options);
  router->add_study(study);
  EXPECT_EQ(router->failures(), 0);
  EXPECT_TRUE(fs::exists(dir.path / "nifti" / "T2WI_Fs.nii.gz"));
  EXPECT_TRUE(fs::exists(dir.path / "nifti" / "T2WI_Fs_2.nii.gz"));
  EXPECT_TRUE(fs::exists(dir.path / "nifti" / "T2WI_Fs_2.json"));
  EXPECT_FALSE(fs::exists(dir.path / "nifti" / "T2WI_Fs.bval"));  // no b-value: not diffusion
  EXPECT_FALSE(any_temporary(dir.path / "nifti"));
  // Other is written only when asked for.
  study.volumes.resize(1);
  study.volumes[0].label = Label::Other;
  options.nifti_dir = (dir.path / "nifti-other").string();
  make_nifti_router(options)->add_study(study);
  EXPECT_TRUE(files_below(dir.path / "nifti-other").empty());
  options.nifti_labels = {Label::Other};
  make_nifti_router(options)->add_study(study);
  EXPECT_TRUE(fs::exists(dir.path / "nifti-other" / "Other.nii.gz"));
}

TEST(routingNifti, AFailedWriteLeavesNothingAndCountsAFailure) {
  TempDir dir;
  FakeSlice s;
  fs::create_directories(dir.path / "in");
  for (int i = 1; i <= 2; ++i) {
    s.instance = i;
    s.position = std::array<double, 3>{0, 0, double(i)};
    write_slice(dir.path / "in" / ("IM" + std::to_string(i)), s);
  }
  StudyResult study = studies_of(scan_folders({(dir.path / "in").string()})).at(0);
  study.volumes[0].label = Label::ADC;
  fs::create_directories(dir.path / "nifti" / "ADC.nii.gz");  // the final name is taken by a folder: rename fails
  RoutingOptions options;
  options.nifti_dir = (dir.path / "nifti").string();
  options.nifti_name = "%l";
  auto router = make_nifti_router(options);
  router->add_study(study);
  EXPECT_EQ(router->failures(), 1);
  EXPECT_FALSE(any_temporary(dir.path / "nifti"));
  EXPECT_FALSE(fs::exists(dir.path / "nifti" / "ADC.json")) << "no sidecar for a volume that was not written";
}

TEST(routingNifti, DiffusionVolumesGetBvalBvecAndSidecarsReadBack) {
  TempDir dir;
  FakeSlice s;
  s.series_uid = "1.2.3.4.6";
  int instance = 0;
  for (double b : {0.0, 800.0})
    for (int z = 0; z < 2; ++z) {
      s.instance = ++instance;
      s.b_value = b;
      s.echo_time = 62.5;
      s.position = std::array<double, 3>{0, 0, double(z)};
      fs::create_directories(dir.path / "in");
      write_slice(dir.path / "in" / ("IM" + std::to_string(instance)), s);
    }
  StudyResult study = studies_of(scan_folders({(dir.path / "in").string()})).at(0);
  ASSERT_EQ(study.volumes.size(), 2u);
  RoutingOptions options;
  options.nifti_dir = (dir.path / "nifti").string();
  options.nifti_name = "dwi_%v";
  options.nifti_labels = all_labels();
  auto router = make_nifti_router(options);
  router->add_study(study);
  ASSERT_EQ(router->failures(), 0);
  std::ifstream bval(dir.path / "nifti" / "dwi_1.bval");
  double b = -1;
  bval >> b;
  EXPECT_EQ(b, 800);
  EXPECT_TRUE(fs::exists(dir.path / "nifti" / "dwi_1.bvec"));
  auto sidecar = nlohmann::json::parse(std::ifstream(dir.path / "nifti" / "dwi_1.json"));
  EXPECT_DOUBLE_EQ(sidecar.at("EchoTime").get<double>(), 0.0625);  // seconds, as dcm2niix writes it
  EXPECT_EQ(sidecar.at("SeriesInstanceUID"), "1.2.3.4.6");
  EXPECT_EQ(sidecar.at("MpmriClassify").at("Label"), std::string(to_string(study.volumes[1].label)));
  EXPECT_EQ(sidecar.at("MpmriClassify").at("SplitKey").at("BValue"), 800);
  // Our NIfTI reader groups the two files into one series split by b-value again, voxels as the DICOM's.
  ScanResult back = scan_folders({(dir.path / "nifti").string()});
  ASSERT_EQ(back.studies.size(), 1u);
  ASSERT_EQ(back.studies[0].series.size(), 1u);
  const auto& volumes = back.studies[0].series[0].volumes;
  ASSERT_EQ(volumes.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(volumes[i].b_value(), study.volumes[i].info.b_value());
    EXPECT_EQ(volumes[i].echo_time_ms(), 62.5);
    EXPECT_EQ(load_volume(volumes[i]).voxels, load_volume(study.volumes[i].info).voxels);
  }
}

TEST(routingSort, LinksNeverOverwriteAndRerunAddsNothing) {
  TempDir dir;
  FakeSlice s;
  s.series_uid = "1.2.3.4.7";
  s.sop_uid.clear();
  for (int i = 1; i <= 2; ++i) {  // two files of one series with the same name in different folders
    s.instance = i;
    s.fill = static_cast<unsigned short>(i * 100);
    s.position = std::array<double, 3>{0, 0, double(i)};
    fs::create_directories(dir.path / "in" / ("d" + std::to_string(i)));
    write_slice(dir.path / "in" / ("d" + std::to_string(i)) / "IM.dcm", s);
  }
  StudyResult study = studies_of(scan_folders({(dir.path / "in").string()})).at(0);
  ASSERT_EQ(study.series.size(), 1u);
  study.series[0].series_number = 5;
  study.series[0].label = Label::ADC;
  const fs::path target = dir.path / "sorted" / "1.2.3.4" / "5_ADC";
  fs::create_directories(target);
  {
    std::ofstream(target / "IM_2.dcm") << "someone else's file";
  }
  RoutingOptions options;
  options.sort_dir = (dir.path / "sorted").string();
  auto router = make_sort_router(options);
  router->add_study(study);
  router->add_study(study);  // a rerun finds its own links and adds nothing
  EXPECT_EQ(router->failures(), 0);
  auto sorted = files_below(target);
  ASSERT_EQ(sorted.size(), 3u) << "IM.dcm, IM_3.dcm and the untouched IM_2.dcm";
  EXPECT_EQ(sorted[0].filename(), "IM.dcm");
  EXPECT_EQ(sorted[1].filename(), "IM_2.dcm");
  EXPECT_EQ(sorted[2].filename(), "IM_3.dcm");
  std::ifstream untouched(target / "IM_2.dcm");
  std::string text((std::istreambuf_iterator<char>(untouched)), {});
  EXPECT_EQ(text, "someone else's file");
  std::set<ino_t> sources = {inode_of(dir.path / "in/d1/IM.dcm"), inode_of(dir.path / "in/d2/IM.dcm")};
  EXPECT_EQ(std::set<ino_t>({inode_of(target / "IM.dcm"), inode_of(target / "IM_3.dcm")}), sources);
  EXPECT_TRUE(fs::exists(dir.path / "in/d1/IM.dcm"));  // never moved

  options.sort_dir = (dir.path / "copied").string();
  options.sort_copy = true;
  make_sort_router(options)->add_study(study);
  auto copied = files_below(dir.path / "copied");
  ASSERT_EQ(copied.size(), 2u);
  for (const auto& f : copied) EXPECT_EQ(sources.count(inode_of(f)), 0u) << f << " is a link, not a copy";
  EXPECT_FALSE(any_temporary(dir.path / "copied"));
}

TEST(routingSr, StudyInPartsGivesOneSrWithEverySeries) {
  TempDir dir;
  FakeSlice s;
  for (int series = 1; series <= 2; ++series) {
    s.series_uid = "1.2.3.4.8." + std::to_string(series);
    for (int i = 1; i <= 2; ++i) {
      s.instance = i;
      s.sop_uid = s.series_uid + "." + std::to_string(i);
      s.position = std::array<double, 3>{0, 0, double(i)};
      fs::create_directories(dir.path / "in" / std::to_string(series));
      write_slice(dir.path / "in" / std::to_string(series) / ("IM" + std::to_string(i)), s);
    }
  }
  StudyResult whole = studies_of(scan_folders({(dir.path / "in").string()})).at(0);
  ASSERT_EQ(whole.series.size(), 2u);
  // The runner hands out a study whose files lie in distant folders in parts (study_source.hpp).
  StudyResult parts[2];
  for (int p = 0; p < 2; ++p) {
    parts[p].study_uid = whole.study_uid;
    parts[p].series.push_back(whole.series[p]);
    for (const auto& v : whole.volumes)
      if (v.info.header.series_uid == whole.series[p].series_uid) parts[p].volumes.push_back(v);
  }
  RoutingOptions options;
  options.sr_dir = (dir.path / "sr").string();
  auto router = make_sr_router(options);
  router->add_study(parts[0]);
  router->add_study(parts[1]);
  EXPECT_EQ(router->failures(), 0);
  auto written = files_below(dir.path / "sr");
  ASSERT_EQ(written.size(), 1u);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile(written[0].c_str()).good());
  DSRDocument doc;
  ASSERT_TRUE(doc.read(*file.getDataset()).good());
  EXPECT_EQ(doc.getCurrentRequestedProcedureEvidence().getNumberOfInstances(), 4u);
  int status = 0;
  std::string dump = run_output("dsrdump '" + written[0].string() + "'", status);
  EXPECT_NE(dump.find("1.2.3.4.8.1"), std::string::npos) << dump;
  EXPECT_NE(dump.find("1.2.3.4.8.2"), std::string::npos) << dump;
  if (fs::exists("/usr/bin/dciodvfy")) {
    std::string verify = run_output("dciodvfy '" + written[0].string() + "'", status);
    EXPECT_EQ(verify.find("Error"), std::string::npos) << verify;
  }
}

TEST(routingReal, NiftiEqualsDcm2niixAndReadsBack) {
  REQUIRE_SHARED_DICOM();
  if (!have_dcm2niix()) GTEST_SKIP() << "dcm2niix is not installed";
  TempDir out;
  ScanResult scan = scan_folders({shared_dicom().string()});
  std::vector<StudyResult> studies = studies_of(scan);
  RoutingOptions options;
  options.nifti_dir = (out.path / "nifti").string();
  options.nifti_name = kNameTemplate;
  options.nifti_labels = all_labels();
  auto router = make_nifti_router(options);
  std::map<std::string, const VolumeInfo*> source_of;  // our file -> the volume written there
  for (const auto& study : studies) {
    router->add_study(study);
    for (const auto& v : study.volumes)
      source_of[fs::absolute(out.path / "nifti" / (nifti_file_stem(kNameTemplate, study, v) + ".nii.gz")).lexically_normal().string()] = &v.info;
  }
  EXPECT_EQ(router->failures(), 0);
  EXPECT_FALSE(any_temporary(out.path / "nifti"));

  fs::create_directories(out.path / "dcm2niix");
  Dcm2niixOutput reference = run_dcm2niix(shared_dicom(), out.path / "dcm2niix");
  // dcm2niix reorders a few series (3D sagittal blocks with the slice axis first, Philips field maps with
  // descending slices): those must still hold the same voxels at the same places (the loader test's compare()).
  int identical = 0, same_in_space = 0, excused = 0;
  for (const auto& [path, v] : source_of) {
    const std::string why = deliberate_difference(*v);
    if (!why.empty()) {
      ++excused;
      continue;
    }
    ASSERT_TRUE(fs::exists(path)) << path;
    auto ours = read_nifti(path);
    auto it = reference.by_series.find(v->header.series_uid);
    if (it == reference.by_series.end()) {
      ADD_FAILURE() << v->id() << ": dcm2niix wrote nothing for this series";
      continue;
    }
    std::string details;
    bool same = false, same_places = false;
    for (size_t f = 0; f < it->second.size() && !same; ++f) {
      std::string d = same_as_dcm2niix(ours.GetPointer(), it->second[f].GetPointer());
      same = d.empty();
      details += "\n  " + reference.names[it->first][f] + ": " + d;
    }
    for (size_t f = 0; f < it->second.size() && !same && !same_places; ++f) {
      Match m = compare(as_volume_image(ours.GetPointer()), it->second[f].GetPointer());
      same_places = m.geometry && m.values;
      details += "\n  " + reference.names[it->first][f] + " in physical space: " + m.detail;
    }
    EXPECT_TRUE(same || same_places) << v->header.series_description << " [" << v->key.describe() << "] " << v->id() << details;
    if (!same && same_places)
      std::cout << "[ reordered] " << v->header.series_description << " " << v->id() << ": dcm2niix stores it in another"
                << " axis order; same voxels at the same places" << details << "\n";
    identical += same;
    same_in_space += !same && same_places;
  }
  std::cout << "[ dcm2niix ] " << identical << " exported volumes identical to dcm2niix's (grid and voxel array), "
            << same_in_space << " the same in physical space (dcm2niix reorders them), " << excused
            << " deliberately different\n";
  EXPECT_GT(identical, 40);

  // Our NIfTI reader takes the files back: the sidecar's header facts and the DICOM's own voxels.
  ScanResult back = scan_folders({(out.path / "nifti").string()});
  EXPECT_TRUE(back.failed.empty());
  int read_back = 0;
  for (const auto* nv : all_volumes(back)) {
    ASSERT_TRUE(nv->nifti);
    auto it = source_of.find(nv->nifti->path);
    ASSERT_NE(it, source_of.end()) << nv->nifti->path;
    const VolumeInfo& v = *it->second;
    const HeaderInfo &a = nv->header, &b = v.header;
    const std::string what = v.id() + " from " + nv->nifti->path;
    EXPECT_EQ(a.study_uid, b.study_uid) << what;
    EXPECT_EQ(a.series_uid, b.series_uid) << what;
    EXPECT_EQ(a.modality, b.modality) << what;
    EXPECT_EQ(a.series_number, b.series_number) << what;
    EXPECT_EQ(a.series_description, b.series_description) << what;
    EXPECT_EQ(a.protocol_name, b.protocol_name) << what;
    EXPECT_EQ(a.manufacturer, b.manufacturer) << what;
    EXPECT_EQ(a.manufacturer_model, b.manufacturer_model) << what;
    EXPECT_EQ(a.field_strength_t, b.field_strength_t) << what;
    EXPECT_EQ(a.flip_angle_deg, b.flip_angle_deg) << what;
    EXPECT_EQ(a.image_type, b.image_type) << what;
    EXPECT_EQ(a.patient_id, b.patient_id) << what;
    EXPECT_EQ(a.echo_time_ms.has_value(), v.echo_time_ms().has_value()) << what;
    // The reader rounds times to 1e-6 ms; DICOM's DS values are often float-derived (4175.6669921875).
    if (a.echo_time_ms && v.echo_time_ms()) {
      EXPECT_NEAR(*a.echo_time_ms, *v.echo_time_ms(), 1e-5) << what;
    }
    EXPECT_EQ(a.repetition_time_ms.has_value(), b.repetition_time_ms.has_value()) << what;
    if (a.repetition_time_ms && b.repetition_time_ms) {
      EXPECT_NEAR(*a.repetition_time_ms, *b.repetition_time_ms, 1e-5) << what;
    }
    EXPECT_EQ(a.acquisition_time_s.has_value(), b.acquisition_time_s.has_value()) << what;
    if (a.acquisition_time_s && b.acquisition_time_s) {
      EXPECT_NEAR(*a.acquisition_time_s, *b.acquisition_time_s, 1e-6) << what;
    }
    if (fs::exists(fs::path(nv->nifti->path).replace_extension("").replace_extension(".bval"))) {
      EXPECT_EQ(nv->b_value(), v.b_value()) << what;
    }
    if (!deliberate_difference(v).empty()) continue;
    VolumeImage mine = load_volume(*nv), theirs = load_volume(v);
    EXPECT_EQ(mine.size, theirs.size) << what;
    // NIfTI's qform is a rotation: DICOM cosines that are orthogonal only to 1e-4 come back orthonormalised.
    for (int k = 0; k < 9; ++k) EXPECT_NEAR(mine.direction[k], theirs.direction[k], 1e-3) << what;
    for (int k = 0; k < 3; ++k) {
      EXPECT_NEAR(mine.origin[k], theirs.origin[k], 1e-3) << what;
      EXPECT_NEAR(mine.spacing[k], theirs.spacing[k], 1e-4) << what;
    }
    EXPECT_EQ(mine.voxels, theirs.voxels) << what;
    ++read_back;
  }
  std::cout << "[ read back] " << read_back << " exported volumes read back with the DICOM's geometry and voxels\n";
  EXPECT_EQ(all_volumes(back).size(), source_of.size());
}

TEST(routingReal, SrPerStudyPassesDciodvfyAndDsr2html) {
  REQUIRE_SHARED_DICOM();
  if (!fs::exists("/usr/bin/dciodvfy")) GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed: scripts/install-deps.sh";
  TempDir out;
  ScanResult scan = scan_folders({shared_dicom().string()});
  std::vector<StudyResult> studies = studies_of(scan);
  RoutingOptions options;
  options.sr_dir = (out.path / "sr").string();
  auto router = make_sr_router(options);
  for (const auto& study : studies) router->add_study(study);
  EXPECT_EQ(router->failures(), 0);
  EXPECT_FALSE(any_temporary(out.path / "sr"));
  int checked = 0, status = 0;
  for (const auto& study : studies) {
    const fs::path sr = out.path / "sr" / (safe_path_component(study.study_uid) + ".dcm");
    bool has_dicom = false;
    for (const auto& v : study.volumes) has_dicom |= !v.info.nifti;
    if (!has_dicom) continue;
    ASSERT_TRUE(fs::exists(sr)) << sr;
    std::string verify = run_output("dciodvfy '" + sr.string() + "'", status);
    const bool valid = verify.find("Error") == std::string::npos;
    EXPECT_TRUE(valid) << sr << ":\n" << verify;
    run_output("dsr2html '" + sr.string() + "' > /dev/null", status);
    EXPECT_EQ(status, 0) << "dsr2html " << sr;
    if (!valid || status != 0) continue;

    DcmFileFormat file;
    ASSERT_TRUE(file.loadFile(sr.c_str()).good());
    DcmDataset& ds = *file.getDataset();
    OFString study_uid, series_uid, patient_id;
    ds.findAndGetOFString(DCM_StudyInstanceUID, study_uid);
    ds.findAndGetOFString(DCM_SeriesInstanceUID, series_uid);
    ds.findAndGetOFString(DCM_PatientID, patient_id);
    EXPECT_EQ(std::string(study_uid.c_str()), study.study_uid);
    EXPECT_EQ(std::string(patient_id.c_str()), study.volumes.front().info.header.patient_id);
    DSRDocument doc;
    ASSERT_TRUE(doc.read(ds).good());
    EXPECT_EQ(doc.getDocumentType(), DSRTypes::DT_ComprehensiveSR);
    std::set<std::string> files;
    for (const auto& v : study.volumes) {
      EXPECT_NE(v.info.header.series_uid, series_uid.c_str()) << "the SR must be a new series";
      for (const auto& s : v.info.slices) files.insert(s.path);
    }
    EXPECT_EQ(doc.getCurrentRequestedProcedureEvidence().getNumberOfInstances(), files.size());
    std::string dump = run_output("dsrdump '" + sr.string() + "'", status);
    for (const auto& s : study.series) {
      EXPECT_NE(dump.find(s.series_uid), std::string::npos) << s.series_uid << " not in " << sr;
      EXPECT_NE(dump.find(label_code_meaning(s.label)), std::string::npos) << sr;
    }
    ++checked;
  }
  std::cout << "[ SR       ] " << checked << " SRs pass dciodvfy without errors and load in dsr2html\n";
  EXPECT_GT(checked, 5);
}
