// `mpmri-classify` end to end on a folder of NIfTI files: a dcm2niix-style dual-echo pair with sidecars is
// labelled by the header rules, a file without a sidecar is classified without header facts, a corrupt
// .nii.gz is a failed series with its reason, and the outputs name each volume.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/nifti_fixtures.hpp"
#include "mpmri/report.hpp"

namespace fs = std::filesystem;
using mpmri::test::NiftiSpec;
using mpmri::test::write_nifti;
using mpmri::test::write_text;

namespace {

const fs::path kCli = fs::path(MPMRI_BINARY_DIR) / "src" / "cli" / "mpmri-classify";

int run(const std::string& args) {
  std::string cmd = "'" + kCli.string() + "' " + args + " >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// One row of a CSV as column -> value.
using Row = std::map<std::string, std::string>;
std::vector<Row> read_rows(const fs::path& csv) {
  mpmri::CsvTable t = mpmri::read_csv_file(csv.string());
  std::vector<Row> out;
  for (const auto& r : t.rows) {
    Row row;
    for (size_t c = 0; c < t.header.size(); ++c) row[t.header[c]] = r[c];
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST(niftiCli, HeaderModeLabelsSidecarEchoesAndReportsTheCorruptFile) {
  if (!fs::exists(kCli)) GTEST_SKIP() << kCli << " not built";
  mpmri::test::TempDir t;
  const fs::path in = t.path / "study";
  fs::create_directories(in);
  NiftiSpec spec;
  spec.size = {32, 32, 8};
  for (int echo : {1, 2}) {
    const std::string stem = "T1DUAL_e" + std::to_string(echo);
    write_nifti(in / (stem + ".nii.gz"), spec);
    write_text(in / (stem + ".json"),
               std::string(R"({"Modality": "MR", "MagneticFieldStrength": 1.5, "Manufacturer": "Philips",
                  "SeriesInstanceUID": "1.2.3.9", "StudyInstanceUID": "1.2.3", "SeriesNumber": 6,
                  "SeriesDescription": "T1 dual echo", "ScanningSequence": "GR", "SequenceVariant": "SS",
                  "MRAcquisitionType": "2D", "ImageType": ["ORIGINAL", "PRIMARY", "M", "FFE"],
                  "RepetitionTime": 0.18, "FlipAngle": 80, "EchoNumber": )") +
                   std::to_string(echo) + R"(, "EchoTime": )" + (echo == 1 ? "0.0023" : "0.0046") + "}");
  }
  write_nifti(in / "anonymous.nii.gz", spec);
  const char corrupt[] = "\x1f\x8b\x08\x00 gzip magic, then not gzip";
  write_text(in / "corrupt.nii.gz", std::string(corrupt, sizeof corrupt - 1));
  const fs::path out = t.path / "out";

  EXPECT_EQ(run("classify '" + in.string() + "' -o '" + out.string() + "' --mode header --no-progress"), 3)
      << "one series failed, the rest classified";

  auto volumes = read_rows(out / "volumes.csv");
  std::map<std::string, Row> by_id;
  for (const auto& r : volumes) by_id[r.at("series_uid") + "#" + r.at("volume_index")] = r;
  ASSERT_EQ(by_id.count("1.2.3.9#0"), 1u);
  ASSERT_EQ(by_id.count("1.2.3.9#1"), 1u);
  EXPECT_EQ(by_id["1.2.3.9#0"]["echo_time_ms"], "2.3");
  EXPECT_EQ(by_id["1.2.3.9#0"]["label"], "T1WI_Opp") << by_id["1.2.3.9#0"]["evidence"];
  EXPECT_EQ(by_id["1.2.3.9#1"]["label"], "T1WI_In") << by_id["1.2.3.9#1"]["evidence"];
  EXPECT_EQ(by_id["1.2.3.9#0"]["study_uid"], "1.2.3");
  EXPECT_EQ(by_id["1.2.3.9#0"]["series_description"], "T1 dual echo");
  const std::string anonymous = fs::absolute(in / "anonymous.nii.gz").lexically_normal().string();
  ASSERT_EQ(by_id.count(anonymous + "#0"), 1u) << "a file without a sidecar is named by its path";
  EXPECT_EQ(by_id[anonymous + "#0"]["status"], "ok");

  bool corrupt_reported = false;
  for (const auto& r : read_rows(out / "series.csv"))
    if (r.at("series_uid").find("corrupt.nii.gz") != std::string::npos)
      corrupt_reported = r.at("status") == "failed" && r.at("reason").find("corrupt.nii.gz") != std::string::npos;
  EXPECT_TRUE(corrupt_reported) << "series.csv names the corrupt file as a failed series with its reason";

  std::ifstream results(out / "results.json");
  auto j = nlohmann::json::parse(results);
  std::set<std::string> sources;
  for (const auto& study : j["studies"])
    for (const auto& v : study["volumes"])
      if (v.contains("source_path")) sources.insert(fs::path(v["source_path"].get<std::string>()).filename().string());
  EXPECT_EQ(sources, (std::set<std::string>{"T1DUAL_e1.nii.gz", "T1DUAL_e2.nii.gz", "anonymous.nii.gz"}));
  for (const auto& s : j["skipped"]) EXPECT_EQ(s["path"].get<std::string>().find(".json"), std::string::npos) << "sidecars are not skipped files";
}
