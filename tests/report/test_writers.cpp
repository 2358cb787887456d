#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/report.hpp"

using namespace mpmri;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("mpmri_report_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A two-volume DWI series (split on b) and a failed volume with awkward text in its fields.
StudyResult sample_study() {
  StudyResult st;
  st.study_uid = "1.2.3";
  for (int i = 0; i < 2; ++i) {
    VolumeResult v;
    v.info.header.study_uid = "1.2.3";
    v.info.header.series_uid = "1.2.3.4";
    v.info.header.series_number = 5;
    v.info.header.series_description = "DWI, b50/800 \"resp\"";
    v.info.header.echo_time_ms = 61.2;
    v.info.header.manufacturer = "SIEMENS";
    v.info.header.field_strength_t = 1.5;
    v.info.header.image_type = {"ORIGINAL", "PRIMARY", "DIFFUSION"};
    v.info.key.b_value = i == 0 ? 50 : 800;
    v.info.volume_index = i;
    v.info.volumes_in_series = 2;
    v.label = i == 0 ? Label::Other : Label::DWI_HighB;
    v.fused[index_of(v.label)] = 0.9;
    v.confidence = 0.9;
    v.evidence = "b=800 from (0019,100c)\nhighest b";
    st.volumes.push_back(v);
  }
  VolumeResult bad;
  bad.info.header.series_uid = "1.2.3.9";
  bad.info.header.series_number = 9;
  bad.status = VolumeStatus::Failed;
  bad.reason = "JPEG 2000, cannot decode";
  st.volumes.push_back(bad);
  SeriesResult s;
  s.study_uid = "1.2.3";
  s.series_uid = "1.2.3.4";
  s.series_number = 5;
  s.volumes = 2;
  s.label = Label::DWI_HighB;
  s.volume_labels = {Label::Other, Label::DWI_HighB};
  s.confidence = 0.9;
  st.series.push_back(s);
  return st;
}

}  // namespace

TEST(Csv, EscapeRoundTripsThroughParser) {
  std::vector<std::string> fields = {"plain", "a,b", "say \"hi\"", "two\nlines", ""};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csv_escape(fields[i]);
  CsvTable t = parse_csv("a,b,c,d,e\r\n" + line + "\r\n");
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.rows[0], fields);
  EXPECT_EQ(t.line_numbers[0], 2);
}

TEST(Csv, RejectsUnterminatedQuoteAndExtraFields) {
  EXPECT_THROW(parse_csv("a,b\n\"x,y\n"), Error);
  EXPECT_THROW(parse_csv("a,b\n1,2,3\n"), Error);
  CsvTable t = parse_csv("\xEF\xBB\xBFseries_uid,label\n1.2,ADC\n\n");
  EXPECT_EQ(t.column("series_uid"), 0);
  EXPECT_EQ(t.rows.size(), 1u);
}

TEST(Writers, VolumesCsvHasHeaderColumnsAndVolumeValues) {
  StudyResult st = sample_study();
  CsvTable t = parse_csv(volumes_csv_header() + volumes_csv_rows(st));
  ASSERT_EQ(t.header.size(), 26u);
  EXPECT_EQ(t.header[5], "echo_time_ms");
  EXPECT_EQ(t.header.back(), "field_strength_t");
  ASSERT_EQ(t.rows.size(), 3u);
  auto at = [&](int r, const char* c) { return t.rows[r][t.column(c)]; };
  EXPECT_EQ(at(0, "b_value"), "50");
  EXPECT_EQ(at(1, "b_value"), "800");
  EXPECT_EQ(at(1, "echo_time_ms"), "61.2");
  EXPECT_EQ(at(1, "temporal_index"), "");
  EXPECT_EQ(at(1, "label"), "DWI_HighB");
  EXPECT_EQ(at(1, "p_DWI_HighB"), "0.900000");
  EXPECT_EQ(at(1, "series_description"), "DWI, b50/800 \"resp\"");
  EXPECT_EQ(at(1, "image_type"), "ORIGINAL\\PRIMARY\\DIFFUSION");
  EXPECT_EQ(at(1, "field_strength_t"), "1.5");
  EXPECT_EQ(at(2, "status"), "failed");
  EXPECT_EQ(at(2, "label"), "");
  EXPECT_EQ(at(2, "reason"), "JPEG 2000, cannot decode");
  CsvTable s = parse_csv(series_csv_header() + series_csv_rows(st));
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.rows[0][s.column("labels")], "Other;DWI_HighB");
}

TEST(Writers, ResultsWriterShowsFilesOnlyAfterFinish) {
  fs::path dir = fresh_dir("writer");
  {
    RunProvenance prov{"0.1.0", "tiny", "abc", "fusion", {"classify", "x"}};
    ResultsWriter w(dir.string(), prov);
    w.add_study(sample_study());
    EXPECT_FALSE(fs::exists(dir / "volumes.csv"));
    EXPECT_TRUE(fs::exists(dir / ".volumes.csv.partial"));
    w.add_study(sample_study());
    w.add_skipped({{"/x/README", "not DICOM", false}});
    w.finish();
  }
  EXPECT_FALSE(fs::exists(dir / ".volumes.csv.partial"));
  CsvTable t = read_csv_file((dir / "volumes.csv").string());
  EXPECT_EQ(t.rows.size(), 6u);
  auto j = nlohmann::json::parse(slurp(dir / "results.json"));
  EXPECT_EQ(j["tool"], "mpmri-classify");
  EXPECT_EQ(j["provenance"]["model_sha256"], "abc");
  ASSERT_EQ(j["studies"].size(), 2u);
  EXPECT_EQ(j["studies"][0]["volumes"][1]["key"]["b_value"], 800.0);
  EXPECT_EQ(j["studies"][0]["volumes"][1]["fused"]["DWI_HighB"], 0.9);
  EXPECT_TRUE(j["studies"][0]["volumes"][2]["label"].is_null());
  EXPECT_EQ(j["skipped"][0]["reason"], "not DICOM");
  fs::remove_all(dir);
}

TEST(Writers, UnwritableOutputIsAnIoError) {
  fs::path dir = fresh_dir("unwritable");
  std::ofstream(dir / "file") << "x";
  try {
    ResultsWriter w((dir / "file" / "out").string(), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
  fs::remove_all(dir);
}

TEST(Figures, ThumbnailIsMiddleSliceWindowedAndScaled) {
  fs::path dir = fresh_dir("thumb");
  VolumeImage img;
  img.size = {64, 32, 3};
  img.spacing = {1, 2, 5};  // 64 x 64 mm: the thumbnail must come out square
  img.voxels.assign(img.voxel_count(), 0.f);
  // Only the middle slice (z = 1) has a bright left half, so it alone can produce this picture.
  for (int y = 0; y < 32; ++y)
    for (int x = 0; x < 32; ++x) img.voxels[64 * 32 + y * 64 + x] = 1000.f;
  img.voxels[64 * 32 + 40] = 1e9f;  // one hot voxel must not wash out the window
  std::string path = (dir / "t.png").string();
  write_thumbnail_png(img, path, 128);
  cv::Mat m = cv::imread(path, cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.cols, 128);
  EXPECT_EQ(m.rows, 128);
  EXPECT_GT(m.at<uchar>(64, 10), 250);
  EXPECT_LT(m.at<uchar>(64, 110), 5);
  VolumeImage empty;
  EXPECT_THROW(write_thumbnail_png(empty, path), Error);
  EXPECT_EQ(thumbnail_file_name("1.2.840.5", 3), "1.2.840.5_3.png");
  EXPECT_EQ(thumbnail_file_name("a/b", 0), "a_b_0.png");
  fs::remove_all(dir);
}

TEST(Figures, ConfusionPngHasOneCellPerClass) {
  fs::path dir = fresh_dir("cm");
  std::string path = (dir / "cm.png").string();
  write_confusion_png({"A", "B"}, {"A", "B", "(missing)"}, {{5, 1, 0}, {0, 4, 2}}, path);
  cv::Mat m = cv::imread(path);
  ASSERT_FALSE(m.empty());
  EXPECT_GT(m.cols, 3 * 84);
  EXPECT_GT(m.rows, 2 * 84);
  EXPECT_THROW(write_confusion_png({"A"}, {"A"}, {}, path), Error);
  fs::remove_all(dir);
}
