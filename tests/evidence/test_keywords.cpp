#include <gtest/gtest.h>

#include "evidence/keywords.hpp"
#include "evidence/params.hpp"
#include "mpmri/error.hpp"

using namespace mpmri;
using namespace mpmri::evidence;

TEST(Keywords, TokenizeSplitsCamelCaseAndPunctuation) {
  EXPECT_EQ(tokenize("T1DUAL_InPhase"), (std::vector<std::string>{"t1dual", "in", "phase"}));
  EXPECT_EQ(tokenize("OutPhase: BH Ax LAVA-Flex"), (std::vector<std::string>{"out", "phase", "bh", "ax", "lava", "flex"}));
  EXPECT_EQ(tokenize("ep2d_diff_b50_800_tra"), (std::vector<std::string>{"ep2d", "diff", "b50", "800", "tra"}));
}

TEST(Keywords, PatternsPhrasesPrefixesAndConjunctions) {
  auto w = tokenize("Ax T2 FRFSE SPAIR delayed");
  EXPECT_TRUE(pattern_matches("t2 frfse", w));
  EXPECT_FALSE(pattern_matches("frfse t2", w));
  EXPECT_TRUE(pattern_matches("delay*", w));
  EXPECT_FALSE(pattern_matches("delay", w));
  EXPECT_TRUE(pattern_matches("t2&spair", w));
  EXPECT_FALSE(pattern_matches("t2&stir", w));
  EXPECT_FALSE(pattern_matches("", w));
}

TEST(Keywords, BuiltInRulesAreEvidenceNotVerdicts) {
  auto rules = load_keyword_rules("");
  ASSERT_GT(rules.rules.size(), 10u);
  for (const auto& r : rules.rules) {
    EXPECT_LT(r.lr, 10.0) << r.id << ": a description alone must never decide a label";
    EXPECT_GT(r.lr, 1.0) << r.id;
  }
}

TEST(Keywords, MatchesEachRuleOnceAcrossFields) {
  auto rules = load_keyword_rules("");
  auto hits = match_keywords(rules, "", "T1DUAL_InPhase");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].rule->id, "in_phase");
  EXPECT_EQ(hits[0].field, "ProtocolName");
  hits = match_keywords(rules, "Ax LAVA art", "Ax LAVA arterial");
  std::vector<std::string> ids;
  for (auto& h : hits) ids.push_back(h.rule->id);
  EXPECT_EQ(ids, (std::vector<std::string>{"dce_family", "dce_arterial"}));
}

TEST(Keywords, BadRuleFilesGiveClearErrors) {
  try {
    parse_keyword_rules("{\"rules\": [{\"id\": \"x\", \"label\": \"Nonsense\", \"lr\": 3, \"patterns\": [\"a\"]}]}", "my.json");
    FAIL() << "unknown label accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("my.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("Nonsense"), std::string::npos);
  }
  EXPECT_THROW(parse_keyword_rules("{not json", "f.json"), Error);
  EXPECT_THROW(parse_keyword_rules("{\"rules\": [{\"label\": \"ADC\", \"lr\": \"high\", \"patterns\": [\"a\"]}]}", "f"), Error);
  EXPECT_THROW(parse_fusion_params("{\"rules\": {\"b_high\": -1}}", "f"), Error);
  EXPECT_THROW(parse_fusion_params("{\"rules\": {}, \"other_threshold\": {\"fusion\": \"x\"}}", "f"), Error);
  EXPECT_THROW(load_fusion_params("/nonexistent/params.json"), Error);
}

// 'f' in 'LIVER-GAD-ENHANCEMENT/T1_F' once fired the Dixon fat-map rule: one letter is not evidence.
TEST(Keywords, OneLetterIsNeverEvidence) {
  for (const char* file : {"", MPMRI_SOURCE_DIR "/data/keyword_rules.priors.json"}) {
    auto rules = load_keyword_rules(file);
    for (const auto& h : match_keywords(rules, "LIVER-GAD-ENHANCEMENT/T1_F", "WATER W"))
      EXPECT_NE(h.rule->id, "dixon_map") << file << ": '" << h.pattern << "' in " << h.text;
  }
  try {
    parse_keyword_rules("{\"rules\": [{\"id\": \"x\", \"label\": \"Other\", \"lr\": 3, \"patterns\": [\"fat only\", \"t2&f\"]}]}", "r.json");
    FAIL() << "a one-letter pattern part accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("single letter"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(parse_keyword_rules("{\"rules\": [{\"id\": \"x\", \"label\": \"Other\", \"lr\": 3, \"patterns\": [\"wfs f\"]}]}", "r.json"));
}

TEST(Keywords, BuiltInFusionParamsNameEveryRuleTheCodeUses) {
  auto p = load_fusion_params("");
  for (const char* n : {"decisive", "b_high", "b_low", "b_not_highest", "trace_image_type", "diffusion_family",
                        "epi_not_diffusion", "chemical_shift_phase", "chemical_shift_derived", "dual_echo", "dixon_type", "t2_fat_suppressed",
                        "t2_not_fat_suppressed", "dce_candidate", "contrast_agent_present", "contrast_phase_tag", "localizer",
                        "localizer_geometry", "multi_orientation", "derived_reformat", "derived_secondary", "non_axial", "thick_slab",
                        "ir_prepared_gre", "non_liver_body_part", "pair_opposite", "pair_shorter_te", "derived_from_dwi"})
    EXPECT_NO_THROW(p.lr(n)) << n;
  EXPECT_TRUE(p.calibrated) << "the shipped parameters are fitted on validation predictions";
  EXPECT_NE(p.provenance.find("validation"), std::string::npos) << p.provenance;
  auto priors = load_fusion_params(std::string(MPMRI_SOURCE_DIR) + "/data/fusion_params.priors.json");
  EXPECT_FALSE(priors.calibrated) << "the priors must say they are priors";
  for (const auto& [name, lr] : priors.rules) EXPECT_NO_THROW(p.lr(name)) << name << " missing from the shipped file";
}
