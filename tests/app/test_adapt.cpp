// adapt's guards that need no training: pseudo-labels come from DICOM facts only (a description never makes one),
// and the held-out part is split by study, reproducibly.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "evidence/volume_builder.hpp"
#include "mpmri/adapt.hpp"
#include "mpmri/eval.hpp"

namespace fs = std::filesystem;
using namespace mpmri;

namespace {

// The engine adapt uses: no keyword rule at all.
DecisionEngine facts_only_engine() {
  static const fs::path path = fs::temp_directory_path() / "mpmri_test_adapt_no_rules.json";
  std::ofstream(path) << kNoKeywordRulesJson;
  DecisionConfig config;
  config.keyword_rules_path = path.string();
  return DecisionEngine(config);
}

Study one_series_study(const std::string& study_uid, const VolumeResult& v) {
  Study study;
  study.study_uid = study_uid;
  Series series;
  series.series_uid = v.info.header.series_uid;
  series.volumes.push_back(v.info);
  study.series.push_back(series);
  return study;
}

// A T2 spin echo whose only fat-suppression evidence is the word in its description.
VolumeResult t2_named_spair() {
  auto v = test::volume("t2");
  auto& h = v.info.header;
  h.scanning_sequence = "SE";
  h.echo_time_ms = 90;
  h.repetition_time_ms = 3000;
  h.series_description = "t2_tse_spair_tra";
  h.protocol_name = "t2_tse_spair_tra";
  return v;
}

TEST(AdaptPseudoLabels, ADescriptionNeverMakesAPseudoLabel) {
  // With its description the header rules call it T2WI_Fs confidently (keyword rules and the fs word)...
  std::vector<VolumeResult> with_words{t2_named_spair()};
  DecisionEngine().decide_study(with_words, Mode::Header);
  ASSERT_EQ(with_words[0].label, Label::T2WI_Fs);
  ASSERT_GE(with_words[0].confidence, 0.6);
  // ...and even without keyword rules the fat-suppression word would speak; adapt keeps none of it.
  const auto kept = header_pseudo_labels(one_series_study("s", t2_named_spair()), facts_only_engine(), 0.6);
  EXPECT_TRUE(kept.empty()) << "kept as " << to_string(kept.at(0).label) << " " << kept.at(0).confidence;
}

TEST(AdaptPseudoLabels, AHeaderThatSaysNothingIsNeverKept) {
  auto v = test::volume("dwi-named");
  v.info.header.series_description = "ep2d_diff_b800 ADC";
  v.info.header.image_type = {};  // nothing but words
  v.info.header.sop_class_uid.clear();
  // Header mode calls a silent header Other; at threshold 0 only the "a rule spoke" check keeps it out.
  const auto kept = header_pseudo_labels(one_series_study("s", v), facts_only_engine(), 0.0);
  EXPECT_TRUE(kept.empty());
}

TEST(AdaptPseudoLabels, DecisiveFactsAreKeptWithTheirVolumeKeys) {
  auto adc = test::volume("adc");
  adc.info.header.image_type = {"DERIVED", "PRIMARY", "ADC"};
  adc.info.header.series_description = "whatever the site calls it";
  const auto kept = header_pseudo_labels(one_series_study("s", adc), facts_only_engine(), 0.95);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].label, Label::ADC);
  EXPECT_GE(kept[0].confidence, 0.95);
  EXPECT_EQ(kept[0].study_uid, "s");
  EXPECT_EQ(kept[0].series_uid, "adc");

  Study dwi = one_series_study("d", test::dwi("dwi", 0, 0));
  dwi.series[0].volumes.push_back(test::dwi("dwi", 800, 1).info);
  const auto rows = header_pseudo_labels(dwi, facts_only_engine(), 0.95);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].label, Label::Other);  // b0: not the highest b
  EXPECT_EQ(rows[1].label, Label::DWI_HighB);
  EXPECT_EQ(rows[1].b_value, 800.0);

  // The CSV is a truth file the evaluator (and so preprocess) reads, naming each volume by its b-value.
  const fs::path csv = fs::temp_directory_path() / "mpmri_test_adapt_pseudo.csv";
  std::ofstream(csv) << pseudo_label_csv(rows, {"d"});
  std::vector<std::string> warnings;
  const auto truth = eval::read_truth(csv.string(), warnings);
  ASSERT_EQ(truth.size(), 2u);
  EXPECT_EQ(truth[1].label, Label::DWI_HighB);
  EXPECT_TRUE(truth[1].matches(60.0, 800.0, std::nullopt));
  EXPECT_FALSE(truth[1].matches(60.0, 0.0, std::nullopt));
  EXPECT_NE(pseudo_label_csv(rows, {"d"}).find(",held_out,"), std::string::npos);
}

TEST(AdaptPseudoLabels, VolumesTheTruthKeysCannotTellApartGetOneRowOrNone) {
  auto adc = test::volume("mixed");
  adc.info.header.image_type = {"DERIVED", "PRIMARY", "ADC"};
  auto localizer = test::volume("mixed");
  localizer.info.header.image_type = {"ORIGINAL", "PRIMARY", "LOCALIZER"};
  localizer.info.volume_index = 1;
  Study study = one_series_study("s", adc);
  study.series[0].volumes.push_back(localizer.info);
  EXPECT_TRUE(header_pseudo_labels(study, facts_only_engine(), 0.9).empty()) << "ADC and Other under one key";

  Study twice = one_series_study("s", localizer);
  twice.series[0].volumes.push_back(localizer.info);
  twice.series[0].volumes[1].volume_index = 2;
  const auto rows = header_pseudo_labels(twice, facts_only_engine(), 0.9);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].label, Label::Other);
  EXPECT_EQ(rows[0].volumes, 2);
}

TEST(AdaptSplit, HeldOutIsWholeStudiesReproducibleAndNeverAll) {
  std::vector<std::string> uids;
  for (int i = 0; i < 20; ++i) uids.push_back("1.2.3." + std::to_string(i));
  std::vector<std::string> per_volume;  // one entry per volume: several volumes per study
  for (const auto& u : uids) per_volume.insert(per_volume.end(), 3, u);
  const auto a = held_out_studies(per_volume, 0.25, 7);
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(held_out_studies(per_volume, 0.25, 7), a);
  EXPECT_NE(held_out_studies(per_volume, 0.25, 8), a) << "the seed chooses the studies";
  for (const auto& s : a) EXPECT_NE(std::find(uids.begin(), uids.end(), s), uids.end());
  EXPECT_EQ(held_out_studies({"a", "b"}, 0.9, 1).size(), 1u) << "one study always trains";
  EXPECT_EQ(held_out_studies({"a", "b", "c"}, 0.01, 1).size(), 1u) << "one study always validates";
  EXPECT_THROW(held_out_studies({"a", "a", "a"}, 0.5, 1), Error);
}

}  // namespace
