#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "mpmri/report.hpp"
#include "report/html_fixture.hpp"

using namespace mpmri;
namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(Html, ReadingOrderPutsLocalizerT1T2DwiAdcDceThenOther) {
  auto card = [](const char* label, int series, const char* desc = "", std::optional<int> t = std::nullopt) {
    ReportVolume v;
    v.label = label;
    v.series_number = series;
    v.series_description = desc;
    v.temporal_index = t;
    return v;
  };
  std::vector<ReportVolume> v = {card("Other", 20),         card("DCE_Portal", 9, "", 3),
                                 card("DCE_Arterial", 9, "", 2), card("ADC", 7),
                                 card("T1WI_Opp", 3),       card("Other", 1, "3-plane Localizer"),
                                 card("T1WI_In", 3),        card("T2WI_Fs", 4),
                                 card("DWI_HighB", 6),      card("DCE_Pre", 9, "", 1)};
  sort_reading_order(v);
  std::vector<std::string> got;
  for (auto& x : v) got.push_back(x.label + "/" + std::to_string(x.series_number));
  std::vector<std::string> want = {"Other/1",  "T1WI_In/3",      "T1WI_Opp/3",   "T2WI_Fs/4",  "DWI_HighB/6",
                                   "ADC/7",    "DCE_Pre/9",      "DCE_Arterial/9", "DCE_Portal/9", "Other/20"};
  EXPECT_EQ(got, want);
}

TEST(Html, ClassifyReportEmbedsThumbnailsAndEscapesText) {
  fs::path dir = fs::temp_directory_path() / ("mpmri_html_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  StudyResult st = test::make_report_study(dir.string());
  std::string html_path = (dir / "report.html").string();
  {
    HtmlReport r(html_path, dir.string());
    r.add_study(st);
    EXPECT_FALSE(fs::exists(html_path));
    r.finish();
  }
  std::string html = slurp(html_path);
  EXPECT_NE(html.find("data:image/png;base64,iVBOR"), std::string::npos);  // PNG magic, base64
  EXPECT_NE(html.find("&lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>fat"), std::string::npos);
  EXPECT_NE(html.find("Studies: 1 &middot; volumes: 11 (10 classified, 1 failed)"), std::string::npos);
  EXPECT_LT(html.find(">T1WI_In<"), html.find(">DCE_Arterial<"));
  for (auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos);
  fs::remove_all(dir);
}

// Renders the report in headless Chromium and checks the picture is not blank.
TEST(Html, RendersInHeadlessChromium) {
  const char* candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"};
  std::string browser;
  for (const char* c : candidates)
    if (fs::exists(c)) browser = c;
  if (browser.empty()) GTEST_SKIP() << "chromium not installed (apt-get install chromium)";
  fs::path dir = fs::temp_directory_path() / ("mpmri_chromium_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  StudyResult st = test::make_report_study(dir.string());
  std::string html_path = (dir / "report.html").string();
  HtmlReport r(html_path, dir.string());
  r.add_study(st);
  r.finish();
  fs::path shot = dir / "shot.png";
  std::string cmd = browser + " --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,900 " +
                    "--user-data-dir=" + (dir / "profile").string() + " --screenshot=" + shot.string() + " file://" +
                    html_path + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  cv::Mat m = cv::imread(shot.string());
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m.cols, 1280);
  cv::Scalar mean, sd;
  cv::meanStdDev(m, mean, sd);
  // A blank page is one flat colour; ours has a dark header, white cards and black thumbnails.
  EXPECT_GT(sd[0], 30.0);
  if (const char* keep = std::getenv("MPMRI_KEEP_SCREENSHOT")) fs::copy_file(shot, keep, fs::copy_options::overwrite_existing);
  fs::remove_all(dir);
}
