#include <gtest/gtest.h>

#include "model_test_util.hpp"
#include "mpmri/error.hpp"
#include "mpmri/model.hpp"

namespace mpmri {
namespace {

using test::ScratchDir;
using test::tiny_card_json;
using test::write_text;

TEST(ModelCard, ReadsTheTinyCard) {
  ModelCard card = read_model_card_for(test::tiny_dir() + "/tiny_model.pt");
  EXPECT_EQ(card.name, "tiny_model");
  ASSERT_EQ(card.classes.size(), 10u);
  EXPECT_EQ(card.classes.front(), "T1WI_In");
  EXPECT_EQ(card.classes.back(), "Other");
  EXPECT_EQ(card.grid.size, (std::array<int, 3>{16, 16, 8}));
  EXPECT_EQ(card.grid.fit, "fit");
  EXPECT_EQ(card.grid.orientation, "LPS");
  EXPECT_DOUBLE_EQ(card.norm.high_percentile, 99);
  EXPECT_EQ(card.sha256.size(), 64u);
  EXPECT_EQ(card.path_pt, test::tiny_dir() + "/tiny_model.pt");
  EXPECT_NE(card.raw_json.find("flops_per_volume"), std::string::npos);
}

TEST(ModelCard, AliasesAreCanonicalised) {
  ScratchDir dir;
  auto j = tiny_card_json();
  j["classes"] = {"inphase", "opposedphase", "other"};
  write_text(dir.file("m.json"), j.dump());
  ModelCard card = read_model_card(dir.file("m.json"));
  EXPECT_EQ(card.classes, (std::vector<std::string>{"T1WI_In", "T1WI_Opp", "Other"}));
}

// Each broken card must be refused with an Error(Model) whose message names the problem.
void expect_refused(const nlohmann::json& j, const std::string& needle) {
  ScratchDir dir;
  write_text(dir.file("m.json"), j.dump());
  try {
    read_model_card(dir.file("m.json"));
    FAIL() << "accepted a bad card; expected: " << needle;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelCard, BadCardsAreRefused) {
  auto j = tiny_card_json();
  j["classes"] = {"T1WI_In", "Bogus"};
  expect_refused(j, "unknown class \"Bogus\"");
  j = tiny_card_json();
  j["classes"] = {"ADC", "adc"};
  expect_refused(j, "listed twice");
  j = tiny_card_json();
  j.erase("classes");
  expect_refused(j, "classes");
  j = tiny_card_json();
  j["grid"]["size_xyz"] = {16, 16};
  expect_refused(j, "size_xyz");
  j = tiny_card_json();
  j["grid"]["size_xyz"] = {16, 0, 8};
  expect_refused(j, "size_xyz");
  j = tiny_card_json();
  j["grid"]["fit"] = "stretch";
  expect_refused(j, "grid.fit");
  j = tiny_card_json();
  j["norm"]["low_percentile"] = 99.5;
  expect_refused(j, "percentiles");
  j = tiny_card_json();
  j["grid"]["size_xyz"] = "big";
  expect_refused(j, "wrong field type");
}

TEST(ModelCard, MissingOrInvalidJsonIsRefused) {
  ScratchDir dir;
  EXPECT_THROW(read_model_card(dir.file("absent.json")), Error);
  write_text(dir.file("broken.json"), "{\"name\": ");
  try {
    read_model_card(dir.file("broken.json"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mpmri
