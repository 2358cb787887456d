// DCE ordering (missing, repeated, mistimed phases), in/opposed pairing, ADC <-> DWI links.
#include <gtest/gtest.h>

#include <numeric>

#include "evidence/params.hpp"
#include "evidence/study_reasoning.hpp"
#include "mpmri/evidence.hpp"
#include "volume_builder.hpp"

using namespace mpmri;
using mpmri::test::vibe;

namespace {

constexpr double kT0 = 10 * 3600;  // 10:00:00, seconds since midnight

std::vector<Label> labels(const std::vector<VolumeResult>& vs) {
  std::vector<Label> out;
  for (const auto& v : vs) out.push_back(v.label);
  return out;
}

std::vector<VolumeResult> dce_run(const std::vector<double>& seconds_after_first, bool injection_known,
                                  double injection_after_first = 20) {
  std::vector<VolumeResult> vs;
  for (size_t i = 0; i < seconds_after_first.size(); ++i) {
    auto v = vibe("dce" + std::to_string(i), 10 + static_cast<int>(i), kT0 + seconds_after_first[i]);
    if (injection_known) v.info.header.contrast_start_time_s = kT0 + injection_after_first;
    vs.push_back(v);
  }
  return vs;
}

const Label Pre = Label::DCE_Pre, Art = Label::DCE_Arterial, Pv = Label::DCE_Portal, Del = Label::DCE_Delayed;

}  // namespace

TEST(DceOrdering, FourPhasesByOrderAlone) {
  auto vs = dce_run({0, 60, 100, 250}, false);
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Art, Pv, Del}));
  EXPECT_NE(vs[1].evidence.find("DCE 2 of 4 in time order (+60 s"), std::string::npos) << vs[1].evidence;
}

TEST(DceOrdering, ShuffledInputIsOrderedByAcquisitionTime) {
  auto vs = dce_run({250, 0, 100, 60}, false);
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Del, Pre, Pv, Art}));
}

TEST(DceOrdering, MissingArterialWithKnownInjectionTime) {
  // pre at -20 s, then 70 s and 200 s after injection: portal and delayed, no arterial.
  auto vs = dce_run({0, 90, 220}, true);
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Pv, Del}));
  EXPECT_NE(vs[1].evidence.find("70 s after injection"), std::string::npos) << vs[1].evidence;
}

TEST(DceOrdering, RepeatedArterialWithKnownInjectionTime) {
  auto vs = dce_run({0, 40, 60, 100, 260}, true);  // 20 s and 40 s after injection: early and late arterial
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Art, Art, Pv, Del}));
}

TEST(DceOrdering, HepatobiliaryPhaseIsOther) {
  auto vs = dce_run({0, 50, 90, 220, 1220}, true);
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Art, Pv, Del, Label::Other}));
  EXPECT_NE(vs[4].evidence.find("hepatobiliary"), std::string::npos) << vs[4].evidence;
}

TEST(DceOrdering, ImageCannotSendAPhaseBackInTime) {
  // The image model calls the third volume arterial, after a confident portal: order wins.
  auto vs = dce_run({0, 60, 120, 300}, false);
  vs[0].image_probs = test::probs(Pre, 0.9);
  vs[1].image_probs = test::probs(Pv, 0.9);
  vs[2].image_probs = test::probs(Art, 0.6);
  vs[3].image_probs = test::probs(Del, 0.9);
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Pre);
  EXPECT_EQ(vs[1].label, Pv);
  EXPECT_TRUE(vs[2].label == Pv || vs[2].label == Del) << to_string(vs[2].label) << ": " << vs[2].evidence;
  EXPECT_EQ(vs[3].label, Del);
}

TEST(DceOrdering, MistimedImageAgreesWithTimingWins) {
  // Injection known; the volume 35 s after injection looks portal to the model (0.5) but the
  // timing window and order make it arterial.
  auto vs = dce_run({0, 55, 100, 240}, true);
  LabelProbs unsure{};
  unsure.fill(0.02);
  unsure[index_of(Pv)] = 0.5;
  unsure[index_of(Art)] = 0.34;
  for (auto& v : vs) v.image_probs = test::probs(Label::DCE_Pre, 0.25);
  vs[1].image_probs = unsure;
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[1].label, Art) << vs[1].evidence;
}

TEST(DceOrdering, ContrastAgentRulesOutPreContrast) {
  auto vs = dce_run({0, 60, 120}, false);
  for (auto& v : vs) v.info.header.contrast_agent = "Gadovist";
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Art, Pv, Del}));
}

TEST(DceOrdering, TemporalIndexOrdersOneSeriesWithoutTimes) {
  std::vector<VolumeResult> vs;
  for (int t : {3, 1, 4, 2}) {
    auto v = vibe("dyn", 7, 0);
    v.info.header.acquisition_time_s.reset();
    v.info.key.temporal_index = t;
    v.info.volume_index = t - 1;
    vs.push_back(v);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pv, Pre, Del, Art}));
  // One series holding all phases: the series label is its first target volume in time order.
  auto series = engine.summarize_series(vs);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].label, Pre);
  EXPECT_EQ(series[0].volume_labels.size(), 4u);
}

TEST(DceOrdering, ChainMarginalsAreDistributionsAndPathIsMonotone) {
  evidence::DceParams p;
  std::vector<std::array<double, 4>> local = {{0.7, 0.1, 0.1, 0.1}, {0.1, 0.1, 0.7, 0.1}, {0.1, 0.7, 0.1, 0.1}, {0.1, 0.1, 0.1, 0.7}};
  auto chain = evidence::order_phases(local, p);
  ASSERT_EQ(chain.path.size(), 4u);
  for (size_t i = 1; i < chain.path.size(); ++i) EXPECT_GE(chain.path[i], chain.path[i - 1]);
  for (const auto& m : chain.marginal) EXPECT_NEAR(std::accumulate(m.begin(), m.end(), 0.0), 1.0, 1e-9);
  EXPECT_TRUE(evidence::order_phases({}, p).path.empty());
}

TEST(InOpposedPairing, AmbiguousEchoTakesThePartnersOppositePhase) {
  auto make = [](const std::string& uid, double te) {
    auto v = test::volume(uid);
    v.info.header.scanning_sequence = "GR";
    v.info.header.repetition_time_ms = 150;
    v.info.header.echo_time_ms = te;
    return v;
  };
  // 1.5 T: 2.3 ms is clearly opposed; 4.0 ms is 0.87 cycles, outside the margin.
  std::vector<VolumeResult> vs = {make("a", 2.3), make("b", 4.0)};
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_Opp);
  EXPECT_EQ(vs[1].label, Label::T1WI_In) << vs[1].evidence;
  EXPECT_NE(vs[1].evidence.find("paired with TE 2.3 ms"), std::string::npos) << vs[1].evidence;

  // No field strength at all: the shorter echo is opposed-phase.
  vs = {make("a", 2.0), make("b", 4.0)};
  for (auto& v : vs) v.info.header.field_strength_t.reset();
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_Opp) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::T1WI_In) << vs[1].evidence;
}

TEST(AdcLink, AdcNamesItsDwi) {
  auto adc = test::volume("adc", 5);
  adc.info.header.image_type = {"DERIVED", "PRIMARY", "DIFFUSION", "ADC"};
  std::vector<VolumeResult> vs = {test::dwi("dwi", 0, 0), test::dwi("dwi", 800, 1), adc};
  for (auto& v : vs) v.info.matrix = {128, 128};
  vs[0].info.header.series_number = vs[1].info.header.series_number = 4;
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[2].label, Label::ADC);
  EXPECT_NE(vs[2].evidence.find("ADC of the DWI in series 4 b=800"), std::string::npos) << vs[2].evidence;
  EXPECT_NE(vs[1].evidence.find("its ADC map is series 5"), std::string::npos) << vs[1].evidence;
}

TEST(DceOrdering, LateVolumeWithoutInjectionTimeIsHepatobiliary) {
  auto vs = dce_run({0, 67, 129, 277, 1237}, false);
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Art, Pv, Del, Label::Other}));
  EXPECT_NE(vs[4].evidence.find("min after the first DCE volume"), std::string::npos) << vs[4].evidence;
}

TEST(DceOrdering, OneDynamicSeriesSharesItsContrastAgentTagWithThePreContrastPhase) {
  std::vector<VolumeResult> vs;
  for (int t = 1; t <= 4; ++t) {
    auto v = vibe("dyn", 110, kT0 + 60.0 * (t - 1));
    v.info.key.temporal_index = t;
    v.info.volume_index = t - 1;
    v.info.volumes_in_series = 4;
    v.info.header.contrast_agent = "Dotarem";
    vs.push_back(v);
  }
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(labels(vs), (std::vector<Label>{Pre, Art, Pv, Del}));
  EXPECT_EQ(vs[0].evidence.find("not pre-contrast"), std::string::npos) << vs[0].evidence;
}
