// The generated files: labels.csv, DICOM validity (dciodvfy), conversion (dcm2niix), the project's
// loader recovering every labelled volume, de-identification, vendor tags, layouts and determinism.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "mpmri/io.hpp"
#include "synth_fixture.hpp"
#if MPMRI_HAVE_LOADER
#include "mpmri/dicom.hpp"
#endif

using namespace synth_test;
namespace fs = std::filesystem;

namespace {

bool is_dicom_output(const std::string& p) {
  std::string name = fs::path(p).filename().string();
  return name != "labels.csv" && name != "synth.json" && name != "metadata.part.csv" && name != "metadata.csv" &&
         fs::path(p).extension() != ".png" && name != "complete";
}

std::vector<std::string> dicom_files(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& f : files_below(dir))
    if (is_dicom_output(f)) out.push_back(f);
  return out;
}

std::string tag_string(DcmDataset& ds, const DcmTagKey& key) {
  OFString v;
  return ds.findAndGetOFStringArray(key, v, OFTrue).good() ? std::string(v.c_str()) : std::string();
}

using Row = std::vector<std::string>;
enum Col { StudyUid, SeriesUid, EchoTime, BValue, Temporal, LabelCol, Manufacturer, Field, Domain, Deid, Kind };

}  // namespace

TEST(SynthFiles, LabelsCsvHasTheExactHeaderAndOneValidRowPerVolume) {
  const Fixture& f = fixture();
  auto rows = read_csv(f.root + "/labels.csv");
  ASSERT_GT(rows.size(), 50u);
  EXPECT_EQ(read_text(f.root + "/labels.csv").substr(0, mpmri::synth::labels_csv_header().size()),
            "study_uid,series_uid,echo_time_ms,b_value,temporal_index,label,manufacturer,field_strength_t,domain,"
            "deidentified,series_kind");
  size_t per_study = 0;
  for (const auto& s : f.studies) per_study += read_csv(s.dir + "/labels.csv").size() - 1;
  EXPECT_EQ(rows.size() - 1, per_study) << "top-level labels.csv must be the merge of the per-study files";
  std::set<std::string> labels_seen, manufacturers;
  for (size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 11u) << "row " << i;
    ASSERT_TRUE(mpmri::parse_label(rows[i][LabelCol]).has_value()) << rows[i][LabelCol];
    labels_seen.insert(rows[i][LabelCol]);
    manufacturers.insert(rows[i][Manufacturer]);
    EXPECT_TRUE(rows[i][Field] == "1.5" || rows[i][Field] == "3") << rows[i][Field];
  }
  EXPECT_EQ(labels_seen.size(), 10u) << "every class, and Other, appears in the fixture";
  EXPECT_EQ(manufacturers.size(), 5u);  // SIEMENS, GE, Philips, blank (plain), CANON_MEC
}

TEST(SynthFiles, KeyColumnsAreFilledOnlyWhenTheSeriesVolumesDifferInThem) {
  auto rows = read_csv(fixture().root + "/labels.csv");
  std::map<std::string, std::vector<Row>> by_series;
  for (size_t i = 1; i < rows.size(); ++i) by_series[rows[i][SeriesUid]].push_back(rows[i]);
  int multi = 0;
  for (auto& [uid, rs] : by_series) {
    for (int c : {EchoTime, BValue, Temporal}) {
      std::set<std::string> values;
      for (auto& r : rs) values.insert(r[c]);
      if (rs.size() == 1) {
        EXPECT_EQ(*values.begin(), "") << uid << " column " << c;
      } else if (!values.count("")) {
        EXPECT_EQ(values.size(), rs.size()) << "key values must be distinct within " << uid;
        ++multi;
      }
    }
  }
  EXPECT_GT(multi, 0);
}

TEST(SynthFiles, HighestBIsDwiHighBAndLowerBValuesAreOther) {
  for (const auto& s : fixture().studies) {
    for (const auto& se : s.json["series"]) {
      if (se["kind"] != "dwi") continue;
      for (const auto& v : se["volumes"]) {
        double b = v["b"];
        std::string label = v["label"];
        if (label == "DWI_HighB") EXPECT_GE(b, 400);
        else EXPECT_EQ(label, "Other") << "b=" << b;
      }
    }
  }
}

TEST(SynthFiles, EveryFilePassesDciodvfyWithoutErrors) {
  if (!have_tool("dciodvfy")) GTEST_SKIP() << "dciodvfy (dicom3tools) is not installed";
  int checked = 0;
  for (const std::string& root : {fixture().root, fixture().nbia_root}) {
    for (const std::string& file : dicom_files(root)) {
      std::string out;
      run("dciodvfy '" + file + "'", &out);
      std::istringstream lines(out);
      std::string line, errors;
      while (std::getline(lines, line))
        if (line.rfind("Error", 0) == 0) errors += line + "\n";
      EXPECT_TRUE(errors.empty()) << file << "\n" << errors;
      if (!errors.empty()) return;  // one broken writer makes hundreds of identical failures
      ++checked;
    }
  }
  EXPECT_GT(checked, 300);
}

TEST(SynthFiles, Dcm2niixConvertsEveryStudy) {
  if (!have_tool("dcm2niix")) GTEST_SKIP() << "dcm2niix is not installed";
  for (const auto& s : fixture().studies) {
    std::string src = s.dir;
    fs::path tmp = fs::temp_directory_path() / ("synth-nii-" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    fs::create_directories(tmp / "nii");
    if (s.json["transfer_syntax"] == "jpegls") {
      // Debian's dcm2niix lacks a JPEG-LS decoder: decompress a copy with DCMTK's dcmdjpls first.
      if (!have_tool("dcmdjpls")) GTEST_SKIP() << "dcmdjpls is not installed";
      src = (tmp / "raw").string();
      for (const std::string& f : dicom_files(s.dir)) {
        fs::path dst = tmp / "raw" / fs::relative(f, s.dir);
        fs::create_directories(dst.parent_path());
        ASSERT_EQ(run("dcmdjpls '" + f + "' '" + dst.string() + "'"), 0) << f;
      }
    }
    std::string out;
    int rc = run("dcm2niix -z n -o '" + (tmp / "nii").string() + "' '" + src + "'", &out);
    EXPECT_EQ(rc, 0) << s.dir << "\n" << out.substr(0, 2000);
    int nii = 0;
    for (auto& f : files_below((tmp / "nii").string())) nii += fs::path(f).extension() == ".nii";
    EXPECT_GE(nii, int(s.json["series"].size()) - 1) << s.dir << "\n" << out.substr(0, 2000);
    fs::remove_all(tmp);
  }
}

#if MPMRI_HAVE_LOADER
TEST(SynthFiles, TheLoaderRecoversEveryLabelledVolumeWithItsSplitKey) {
  for (const auto& s : fixture().studies) {
    mpmri::ScanResult scan = mpmri::scan_folders({s.dir});
    for (const auto& sk : scan.skipped) EXPECT_FALSE(sk.is_error) << sk.path << ": " << sk.reason;
    for (const auto& fl : scan.failed) ADD_FAILURE() << s.dir << " failed series " << fl.series_uid << ": " << fl.reason;
    ASSERT_EQ(scan.studies.size(), 1u) << s.dir;
    std::map<std::string, const mpmri::Series*> series;
    for (const auto& se : scan.studies[0].series) series[se.series_uid] = &se;
    auto rows = read_csv(s.dir + "/labels.csv");
    std::map<std::string, int> rows_per_series;
    std::map<std::string, std::string> kind_of;
    for (size_t i = 1; i < rows.size(); ++i) {
      const Row& r = rows[i];
      rows_per_series[r[SeriesUid]]++;
      kind_of[r[SeriesUid]] = r[Kind];
      auto it = series.find(r[SeriesUid]);
      ASSERT_NE(it, series.end()) << s.dir << ": series of row " << i << " (" << r[Kind] << ") not found";
      bool found = false;
      for (const auto& v : it->second->volumes) {
        const auto& k = v.key;
        bool te_ok = r[EchoTime].empty() || (k.echo_time_ms && std::abs(*k.echo_time_ms - std::stod(r[EchoTime])) < 1e-6);
        bool b_ok = r[BValue].empty() || (k.b_value && std::abs(*k.b_value - std::stod(r[BValue])) < 1e-6);
        bool t_ok = r[Temporal].empty() || (k.temporal_index && *k.temporal_index == std::stoi(r[Temporal]));
        found = found || (te_ok && b_ok && t_ok);
      }
      EXPECT_TRUE(found) << s.dir << ": no volume with the key of row " << i << " (" << r[Kind] << ")";
    }
    EXPECT_EQ(series.size(), rows_per_series.size()) << s.dir;
    for (auto& [uid, n] : rows_per_series) {
      if (!series.count(uid)) continue;
      size_t vols = series[uid]->volumes.size();
      if (kind_of[uid] == "localizer") EXPECT_EQ(vols, 3u) << "three planes";
      else EXPECT_EQ(vols, size_t(n)) << s.dir << " series kind " << kind_of[uid];
    }
  }
}
#endif

TEST(SynthFiles, EchoTimeInLabelsIsTheHeaderString) {
  int checked = 0;
  for (const auto& s : fixture().studies) {
    auto rows = read_csv(s.dir + "/labels.csv");
    // Classic images: the EchoTime string itself. Enhanced frames: EffectiveEchoTime (binary FD).
    std::map<std::string, std::set<std::string>> classic;
    std::map<std::string, std::vector<double>> enhanced;
    for (const std::string& f : dicom_files(s.dir)) {
      DcmFileFormat ff;
      if (ff.loadFile(f.c_str()).bad()) continue;
      DcmDataset& ds = *ff.getDataset();
      std::string uid = tag_string(ds, DCM_SeriesInstanceUID), te = tag_string(ds, DCM_EchoTime);
      if (!te.empty()) classic[uid].insert(te);
      DcmItem* item = nullptr;
      for (int fr = 0; ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, item, fr).good(); ++fr) {
        DcmItem* echo = nullptr;
        Float64 v = 0;
        if (item->findAndGetSequenceItem(DCM_MREchoSequence, echo).good() && echo->findAndGetFloat64(DCM_EffectiveEchoTime, v).good())
          enhanced[uid].push_back(v);
      }
    }
    for (size_t i = 1; i < rows.size(); ++i) {
      const Row& r = rows[i];
      if (r[EchoTime].empty()) continue;
      ++checked;
      if (classic.count(r[SeriesUid])) {
        EXPECT_TRUE(classic[r[SeriesUid]].count(r[EchoTime])) << s.dir << ": TE " << r[EchoTime];
      } else {
        auto& v = enhanced[r[SeriesUid]];
        double te = std::stod(r[EchoTime]);
        EXPECT_TRUE(std::any_of(v.begin(), v.end(), [&](double x) { return std::abs(x - te) < 1e-9; })) << s.dir << ": TE " << te;
      }
    }
  }
  EXPECT_GT(checked, 0);
}

TEST(SynthFiles, DeidentifiedStudyKeepsOnlyPixelsAndBasicAcquisitionTags) {
  const auto& s = fixture().studies[3];
  ASSERT_TRUE(s.json["deidentified"].get<bool>());
  for (const std::string& f : dicom_files(s.dir)) {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 4096).good()) << f;
    DcmDataset& ds = *ff.getDataset();
    for (const DcmTagKey& k : {DCM_SeriesDescription, DCM_ProtocolName, DCM_SequenceName, DCM_ContrastBolusAgent,
                               DCM_StudyDescription, DCM_DiffusionBValue})
      EXPECT_FALSE(ds.tagExists(k)) << f << " has " << DcmTag(k).getTagName();
    for (unsigned long i = 0; i < ds.card(); ++i) EXPECT_EQ(ds.getElement(i)->getGTag() % 2, 0) << f << " has a private tag";
    EXPECT_FALSE(tag_string(ds, DCM_EchoTime).empty());
    EXPECT_FALSE(tag_string(ds, DCM_RepetitionTime).empty());
  }
  for (auto& r : read_csv(s.dir + "/labels.csv")) {
    if (r[0] != "study_uid") {
      EXPECT_EQ(r[Deid], "1");
    }
  }
}

TEST(SynthFiles, GeStoresBValuesInItsPrivateTagWithTheMultiBOffset) {
  const auto& s = fixture().studies[1];
  ASSERT_EQ(s.json["vendor"], "GE MEDICAL SYSTEMS");
  int checked = 0;
  for (const std::string& f : dicom_files(s.dir)) {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 4096).good());
    DcmDataset& ds = *ff.getDataset();
    Float64 b = -1;
    if (ds.findAndGetFloat64(DCM_DiffusionBValue, b).bad()) continue;
    std::string ge = tag_string(ds, DcmTagKey(0x0043, 0x1039));
    ASSERT_FALSE(ge.empty()) << f;
    long long first = std::stoll(ge.substr(0, ge.find('\\')));
    EXPECT_EQ(first % 10000, (long long)b) << ge;
    bool multi = false;
    for (const auto& se : s.json["series"])
      if (se["kind"] == "dwi") multi = se["multi_b"];
    EXPECT_EQ(first >= 1000000000LL, multi) << ge;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(SynthFiles, EnhancedSeriesAreSingleMultiFrameObjects) {
  const auto& s = fixture().studies[0];
  int enhanced = 0;
  for (const std::string& f : dicom_files(s.dir)) {
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(f.c_str(), EXS_Unknown, EGL_noChange, 4096).good());
    if (tag_string(*ff.getDataset(), DCM_SOPClassUID) != UID_EnhancedMRImageStorage) continue;
    ++enhanced;
    long frames = 0;
    ff.getDataset()->findAndGetLongInt(DCM_NumberOfFrames, frames);
    EXPECT_GE(frames, 2) << f;
  }
  EXPECT_GE(enhanced, 3);
}

TEST(SynthFiles, NbiaLayoutHasRetrieverFoldersAndMetadata) {
  const Fixture& f = fixture();
  auto meta = read_csv(f.nbia_root + "/metadata.csv");
  ASSERT_GT(meta.size(), 5u);
  const Row header = {"Series UID", "Collection", "3rd Party Analysis", "Data Description URI", "Subject ID", "Study UID",
                      "Study Description", "Study Date", "Series Description", "Manufacturer", "Modality", "SOP Class Name",
                      "SOP Class UID", "Number of Images", "File Size", "File Location", "Download Timestamp"};
  EXPECT_EQ(meta[0], header);
  for (size_t i = 1; i < meta.size(); ++i) {
    ASSERT_EQ(meta[i].size(), header.size());
    fs::path loc = fs::path(f.nbia_root) / meta[i][15];
    ASSERT_TRUE(fs::is_directory(loc)) << loc;
    auto files = files_below(loc.string());
    EXPECT_EQ(std::to_string(files.size()), meta[i][13]);
    EXPECT_EQ(fs::path(files.front()).filename().string().substr(0, 2), "1-");
    EXPECT_EQ(loc.parent_path().parent_path().parent_path().filename(), "SYNTH-LIVER-MPMRI");
  }
  EXPECT_GT(read_csv(f.nbia_root + "/labels.csv").size(), 10u);
}

TEST(SynthFiles, GenerationIsDeterministicPerStudyIndex) {
  mpmri::synth::SynthOptions o;
  o.out_dir = (fs::temp_directory_path() / ("synth-det-" + std::to_string(::getpid()))).string();
  o.seed = 42;
  o.vendor = "ge";
  o.transfer_syntax = "rle";
  o.deidentify_fraction = 0;
  o.max_slices = 6;
  auto sum = mpmri::synth::generate_study(o, 1);
  const auto& ref = fixture().studies[1];
  EXPECT_EQ(read_text(sum.folder + "/labels.csv"), read_text(ref.dir + "/labels.csv"));
  auto a = dicom_files(sum.folder), b = dicom_files(ref.dir);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); i += 37) EXPECT_EQ(mpmri::sha256_file(a[i]), mpmri::sha256_file(b[i])) << a[i];
  fs::remove_all(o.out_dir);
}

TEST(SynthFiles, PreviewMontageIsWrittenAndSmall) {
  fs::path png = fs::path(fixture().root) / "previews" / "study_000000.png";
  ASSERT_TRUE(fs::exists(png));
  EXPECT_LT(fs::file_size(png), 300u * 1024u);
}
