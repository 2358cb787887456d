// Field-map acquisitions and the limits of the chemical-shift rule, on constructed headers, with the
// built-in parameters and with a lenient header threshold such as calibration produces.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "evidence/header_rules.hpp"
#include "evidence/keywords.hpp"
#include "evidence/params.hpp"
#include "mpmri/evidence.hpp"
#include "volume_builder.hpp"

using namespace mpmri;
using mpmri::test::volume;

namespace {

bool has_text(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Only the thresholds differ from the built-in parameters; rule strengths are filled in from them.
std::string lenient_params() {
  const std::string path = testing::TempDir() + "lenient_params_" + std::to_string(::getpid()) + ".json";
  std::ofstream(path) << R"({"calibrated": true, "provenance": "test", "rules": {},
      "other_threshold": {"image": 0, "header": 0.2, "fusion": 0.35}})";
  return path;
}

// Runs header mode with both parameter sets; returns the labels of the lenient run (the stricter test).
std::vector<Label> header_labels_both(std::vector<VolumeResult> vs, std::vector<Label>* builtin_labels = nullptr,
                                      std::vector<std::string>* evidence = nullptr) {
  auto strict = vs;
  DecisionEngine().decide_study(strict, Mode::Header);
  DecisionEngine(DecisionConfig{"", lenient_params()}).decide_study(vs, Mode::Header);
  std::vector<Label> out;
  for (size_t i = 0; i < vs.size(); ++i) {
    out.push_back(vs[i].label);
    if (builtin_labels) builtin_labels->push_back(strict[i].label);
    if (evidence) evidence->push_back(vs[i].evidence);
  }
  return out;
}

// 2D spoiled GRE at 3 T in the abdomen (nothing says "brain"), TR short enough for the chemical-shift rule.
VolumeResult gre(const std::string& uid, double te, int series_number = 5) {
  auto v = volume(uid, series_number);
  auto& h = v.info.header;
  h.scanning_sequence = "GR";
  h.repetition_time_ms = 250;
  h.echo_time_ms = te;
  h.field_strength_t = 3.0;
  h.body_part = "ABDOMEN";
  v.info.key.echo_time_ms = te;
  return v;
}

}  // namespace

// Philips enhanced B0 map: one object with FIELD_MAP frames (TE 0) and magnitude frames (TE 1.52 ms at 3 T).
// Before the rule, the TE-0 map paired with the magnitude as a "dual-echo" and the magnitude became T1WI_In
// under a lenient threshold.
TEST(FieldMap, PhilipsB0MapMagnitudeFramesAreOther) {
  auto map = gre("b0", 0);
  map.info.header.image_type = {"ORIGINAL", "PRIMARY", "T1", "FIELD_MAP"};
  map.info.volume_index = 0;
  auto mag = gre("b0", 1.52);
  mag.info.header.image_type = {"ORIGINAL", "PRIMARY", "T1", "M"};
  mag.info.volume_index = 1;
  for (auto* v : {&map, &mag}) v->info.header.scanning_sequence.clear(), v->info.header.sequence_name = "FFE";
  std::vector<Label> builtin;
  std::vector<std::string> ev;
  auto labels = header_labels_both({map, mag}, &builtin, &ev);
  EXPECT_EQ(builtin, (std::vector<Label>{Label::Other, Label::Other}));
  EXPECT_EQ(labels, (std::vector<Label>{Label::Other, Label::Other})) << ev[1];
  EXPECT_TRUE(has_text(ev[1], "field-map acquisition")) << ev[1];
  EXPECT_TRUE(has_text(ev[1], "ImageType FIELD_MAP")) << ev[1];
  EXPECT_FALSE(has_text(ev[1], "dual-echo pair")) << ev[1];
  EXPECT_FALSE(has_text(ev[0], "fat-water cycles")) << "a TE-0 map is no echo: " << ev[0];
}

// Philips R11 writes ORIGINAL\PRIMARY\B0\B0\UNSPECIFIED for the map (dcm2niix issue 455).
TEST(FieldMap, PhilipsR11B0ImageTypeIsAMap) {
  EXPECT_EQ(evidence::phase_or_field_map_type({"ORIGINAL", "PRIMARY", "B0", "B0", "UNSPECIFIED"}), "ImageType B0\\B0");
  EXPECT_EQ(evidence::phase_or_field_map_type({"ORIGINAL", "PRIMARY", "B0 MAP", "B0", "UNSPECIFIED"}), "ImageType value 3 B0 MAP");
  EXPECT_EQ(evidence::phase_or_field_map_type({"ORIGINAL", "PRIMARY", "P", "ND"}), "ImageType value 3 P");
  EXPECT_EQ(evidence::phase_or_field_map_type({"ORIGINAL", "PRIMARY", "M", "ND"}), "");
  EXPECT_EQ(evidence::phase_or_field_map_type({"ORIGINAL", "PRIMARY", "M", "IN_PHASE"}), "");
  EXPECT_EQ(evidence::phase_or_field_map_type({"DERIVED", "PRIMARY", "DIFFUSION", "TENSOR_B0"}), "");
}

// Siemens gre_field_mapping: a magnitude series with two echoes and a phase-difference series of the same
// protocol and matrix. 4.92 ms at 3 T is 2.1 fat-water cycles, an in-phase TE by chance.
TEST(FieldMap, SiemensMagnitudeSeriesWithAPhaseSeriesIsOther) {
  auto e1 = gre("mag", 4.92, 8), e2 = gre("mag", 7.38, 8);
  e2.info.volume_index = 1;
  auto phase = gre("phase", 7.38, 9);
  phase.info.header.image_type = {"ORIGINAL", "PRIMARY", "P", "ND"};
  phase.info.key = {};
  for (auto* v : {&e1, &e2, &phase}) v->info.header.series_description = v->info.header.protocol_name = "gre_2echo_tra";
  std::vector<Label> builtin;
  std::vector<std::string> ev;
  auto labels = header_labels_both({e1, e2, phase}, &builtin, &ev);
  EXPECT_EQ(builtin, (std::vector<Label>{Label::Other, Label::Other, Label::Other}));
  EXPECT_EQ(labels, (std::vector<Label>{Label::Other, Label::Other, Label::Other})) << ev[0];
  EXPECT_TRUE(has_text(ev[0], "ImageType value 3 P in series 9 'gre_2echo_tra'")) << ev[0];

  // Magnitude exported alone: the Siemens field-mapping sequence name still says what it is.
  e1.info.header.sequence_name = e2.info.header.sequence_name = "*fm2d2r";
  ev.clear();
  labels = header_labels_both({e1, e2}, nullptr, &ev);
  EXPECT_EQ(labels, (std::vector<Label>{Label::Other, Label::Other})) << ev[0];
  EXPECT_TRUE(has_text(ev[0], "SequenceName *fm2d2r")) << ev[0];
}

// Without phase images or a sequence name, the echo pair itself rules out an in/opposed reading: the second
// echo (3.2 cycles at 3 T) lies beyond the in/opposed range.
TEST(FieldMap, EchoPairBeyondTheInOpposedRangeIsNotInOpposed) {
  auto e1 = gre("pair", 4.92), e2 = gre("pair", 7.38);
  e2.info.volume_index = 1;
  std::vector<std::string> ev;
  auto labels = header_labels_both({e1, e2}, nullptr, &ev);
  EXPECT_NE(labels[0], Label::T1WI_In) << ev[0];
  EXPECT_NE(labels[0], Label::T1WI_Opp) << ev[0];
  EXPECT_TRUE(has_text(ev[0], "beyond the in/opposed range")) << ev[0];
}

TEST(FieldMap, MultiEchoSeriesIsNotInOpposed) {
  // Six echoes at 1.5 T (fat-fraction / T2* mapping): some TEs land on in or opposed phase.
  std::vector<VolumeResult> vs;
  for (int k = 0; k < 6; ++k) {
    auto v = gre("me", 1.15 * (k + 1));
    v.info.header.field_strength_t = 1.5;
    v.info.volume_index = k;
    vs.push_back(v);
  }
  std::vector<std::string> ev;
  auto labels = header_labels_both(vs, nullptr, &ev);
  for (size_t k = 0; k < labels.size(); ++k) {
    EXPECT_NE(labels[k], Label::T1WI_In) << k << ": " << ev[k];
    EXPECT_NE(labels[k], Label::T1WI_Opp) << k << ": " << ev[k];
  }
  EXPECT_TRUE(has_text(ev[1], "6 echo times")) << ev[1];
}

// The guards must not cost a real in/opposed acquisition: a dual-echo series at 1.5 T and at 3 T, and a GE
// 2D FMPSPGR whose sequence name starts with "fm" but is no field map.
TEST(FieldMap, DualEchoInOpposedStillDecided) {
  for (auto [opp, in, field] : {std::tuple{2.3, 4.6, 1.5}, std::tuple{1.15, 2.3, 3.0}}) {
    auto a = gre("dual", opp), b = gre("dual", in);
    b.info.volume_index = 1;
    for (auto* v : {&a, &b}) v->info.header.field_strength_t = field, v->info.header.sequence_name = "fmpspgr";
    std::vector<Label> builtin;
    std::vector<std::string> ev;
    auto labels = header_labels_both({a, b}, &builtin, &ev);
    EXPECT_EQ(builtin, (std::vector<Label>{Label::T1WI_Opp, Label::T1WI_In})) << field << " T: " << ev[0];
    EXPECT_EQ(labels, (std::vector<Label>{Label::T1WI_Opp, Label::T1WI_In})) << field << " T: " << ev[1];
  }
}

// A DWI exported with phase images keeps its b-value rules.
TEST(FieldMap, DiffusionWithPhaseImagesStaysDiffusion) {
  auto b0 = test::dwi("dwi", 0, 0), b800 = test::dwi("dwi", 800, 1);
  auto ph = test::dwi("dwi", 800, 2);
  ph.info.header.image_type = {"ORIGINAL", "PRIMARY", "P", "DIFFUSION"};
  auto labels = header_labels_both({b0, b800, ph});
  EXPECT_EQ(labels[0], Label::Other);
  EXPECT_EQ(labels[1], Label::DWI_HighB);
}

TEST(FieldMap, KeywordRuleNamesFieldMapsButNotDwiB0) {
  auto rules = evidence::load_keyword_rules("");
  auto fires = [&](const std::string& text) {
    for (const auto& h : evidence::match_keywords(rules, text, ""))
      if (h.rule->id == "field_map") return true;
    return false;
  };
  for (const char* t : {"B0 NS", "gre_field_mapping", "me_FieldMap_GRE", "B0map", "fmap_phasediff", "Dual echo B0", "B1 map"})
    EXPECT_TRUE(fires(t)) << t;
  for (const char* t : {"ep2d_diff_b0_800", "DWI b0 b800", "b0_b800", "Ax DWI B0", "T1 FFE dual echo", "t1_fl2d_opp-in"})
    EXPECT_FALSE(fires(t)) << t;
}

// A parameter file written before a rule existed keeps working with the rule's built-in strength.
TEST(FieldMap, OlderParameterFileGetsBuiltInStrengthOfNewRules) {
  auto p = evidence::load_fusion_params(lenient_params());
  auto builtin = evidence::load_fusion_params("");
  EXPECT_DOUBLE_EQ(p.lr("field_map_acquisition"), builtin.lr("field_map_acquisition"));
  EXPECT_DOUBLE_EQ(p.threshold_header, 0.2);
  EXPECT_TRUE(p.calibrated);
}

// GE writes the exam's protocol in ProtocolName, the same on every series of a study (the real CPTAC
// 'Ax T1 DualEcho' holds '.A- Jama Brzuszna  AGA (', dcm_qa_ge's DWI 'Brain Advanced Sequences'). With the
// descriptions blanked by de-identification, a T2 spin echo and two single-echo GRE series of the same matrix
// share every name: they are still three acquisitions, and the GRE pair at 2.3/4.6 ms (1.5 T) stays in/opposed.
TEST(FieldMap, ExamLevelProtocolNameJoinsNoAcquisitions) {
  auto opp = gre("gre-opp", 2.3, 4), in = gre("gre-in", 4.6, 5);
  auto t2 = volume("t2", 3);
  t2.info.header.scanning_sequence = "SE";
  t2.info.header.repetition_time_ms = 4000;
  t2.info.header.echo_time_ms = 85;
  auto dwi = mpmri::test::dwi("dwi", 800);
  dwi.info.header.echo_time_ms = 60;
  for (auto* v : {&opp, &in, &t2, &dwi}) {
    v->info.header.field_strength_t = 1.5;
    v->info.header.series_description.clear();
    v->info.header.protocol_name = ".A- Jama Brzuszna  AGA (";
    v->info.header.manufacturer = "GE MEDICAL SYSTEMS";
    v->info.header.body_part = "ABDOMEN";
    v->info.matrix = {96, 84};
  }
  std::vector<Label> builtin;
  std::vector<std::string> ev;
  auto labels = header_labels_both({opp, in, t2, dwi}, &builtin, &ev);
  EXPECT_EQ(builtin[0], Label::T1WI_Opp) << ev[0];
  EXPECT_EQ(builtin[1], Label::T1WI_In) << ev[1];
  EXPECT_FALSE(has_text(ev[0], "echo times: a multi-echo")) << ev[0];
}
