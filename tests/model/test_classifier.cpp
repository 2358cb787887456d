#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <numeric>

#include "model_test_util.hpp"
#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/model.hpp"

namespace mpmri {
namespace {

using test::ScratchDir;
using test::tiny_card_json;
using test::write_text;

const std::string kTinyPt = test::tiny_dir() + "/tiny_model.pt";

std::string expect_model_error(const std::string& pt) {
  try {
    load_classifier(pt);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "load_classifier accepted " << pt;
  return "";
}

TEST(Classifier, PredictsProbabilitiesOverAllLabels) {
  auto clf = load_classifier(kTinyPt, "cpu", 1);
  const auto& g = clf->card().grid.size;
  std::vector<std::vector<float>> batch(3, std::vector<float>(size_t(g[0]) * g[1] * g[2]));
  for (size_t i = 0; i < batch.size(); ++i)
    for (size_t k = 0; k < batch[i].size(); ++k) batch[i][k] = float((k * (i + 3)) % 17) / 17.0f;
  auto probs = clf->predict(batch);
  ASSERT_EQ(probs.size(), 3u);
  for (const auto& p : probs) {
    EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-9);
    for (double x : p) EXPECT_GE(x, 0.0);
  }
  EXPECT_TRUE(clf->predict({}).empty());
  std::vector<std::vector<float>> wrong(1, std::vector<float>(10));
  EXPECT_THROW(clf->predict(wrong), Error);
}

TEST(Classifier, MatchesPythonOnTheSameInput) {
  std::ifstream in(test::tiny_dir() + "/tiny_model_ref_input.f32", std::ios::binary);
  auto ref = nlohmann::json::parse(std::ifstream(test::tiny_dir() + "/tiny_model_ref_output.json"));
  auto shape = ref["shape_input"].get<std::vector<size_t>>();
  const size_t per = shape[2] * shape[3] * shape[4];
  std::vector<std::vector<float>> batch(shape[0], std::vector<float>(per));
  for (auto& v : batch) in.read(reinterpret_cast<char*>(v.data()), std::streamsize(per * sizeof(float)));
  ASSERT_TRUE(in.good());

  auto clf = load_classifier(kTinyPt);
  auto probs = clf->predict(batch);
  auto expected = ref["probs"].get<std::vector<std::vector<double>>>();
  ASSERT_EQ(probs.size(), expected.size());
  const auto& classes = clf->card().classes;
  for (size_t i = 0; i < probs.size(); ++i)
    for (size_t c = 0; c < classes.size(); ++c)
      EXPECT_NEAR(probs[i][index_of(*parse_label(classes[c]))], expected[i][c], 1e-4) << i << " " << classes[c];
}

TEST(Classifier, ClassOrderOfTheCardIsMappedOntoLabels) {
  // Same network, card lists the classes reversed: probabilities must move with the names.
  ScratchDir dir;
  std::filesystem::copy_file(kTinyPt, dir.file("m.pt"));
  auto j = tiny_card_json();
  auto classes = j["classes"].get<std::vector<std::string>>();
  std::reverse(classes.begin(), classes.end());
  j["classes"] = classes;
  write_text(dir.file("m.json"), j.dump());
  auto a = load_classifier(kTinyPt), b = load_classifier(dir.file("m.pt"));
  std::vector<std::vector<float>> batch(1, std::vector<float>(16 * 16 * 8, 0.3f));
  auto pa = a->predict(batch)[0], pb = b->predict(batch)[0];
  for (int i = 0; i < kNumLabels; ++i) EXPECT_NEAR(pa[i], pb[kNumLabels - 1 - i], 1e-6);
}

TEST(Classifier, CardWithWrongClassCountIsRefused) {
  ScratchDir dir;
  std::filesystem::copy_file(kTinyPt, dir.file("m.pt"));
  auto j = tiny_card_json();
  j["classes"] = {"T1WI_In", "T1WI_Opp", "ADC"};
  write_text(dir.file("m.json"), j.dump());
  std::string msg = expect_model_error(dir.file("m.pt"));
  EXPECT_NE(msg.find("lists 3 classes"), std::string::npos) << msg;
}

TEST(Classifier, MissingModelIsRefused) {
  ScratchDir dir;
  std::string msg = expect_model_error(dir.file("absent.pt"));
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  // A .pt without its card.
  std::filesystem::copy_file(kTinyPt, dir.file("lonely.pt"));
  msg = expect_model_error(dir.file("lonely.pt"));
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
}

TEST(Classifier, ChecksumMismatchIsRefused) {
  ScratchDir dir;
  std::filesystem::copy_file(kTinyPt, dir.file("m.pt"));
  {
    std::fstream f(dir.file("m.pt"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  write_text(dir.file("m.json"), tiny_card_json().dump());
  std::string msg = expect_model_error(dir.file("m.pt"));
  EXPECT_NE(msg.find("does not match its card"), std::string::npos) << msg;
}

TEST(Classifier, CorruptTorchScriptIsRefused) {
  ScratchDir dir;
  write_text(dir.file("m.pt"), "this is not a zip archive");
  auto j = tiny_card_json();
  j["sha256"] = sha256_file(dir.file("m.pt"));  // checksum right, content wrong
  write_text(dir.file("m.json"), j.dump());
  std::string msg = expect_model_error(dir.file("m.pt"));
  EXPECT_NE(msg.find("cannot load TorchScript"), std::string::npos) << msg;
}

}  // namespace
}  // namespace mpmri
