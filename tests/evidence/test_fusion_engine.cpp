// Fusion, the Other threshold, the three modes, de-identified volumes, config files, series labels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>

#include "evidence/fusion.hpp"
#include "mpmri/error.hpp"
#include "mpmri/evidence.hpp"
#include "volume_builder.hpp"

using namespace mpmri;

namespace {

VolumeResult deidentified(const std::string& uid) {
  // Stripped: no descriptions, no private tags, no sequence tags; the image model must carry it.
  auto v = test::volume(uid);
  v.info.header.field_strength_t.reset();
  return v;
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST(Fusion, DeidentifiedVolumeFallsBackToImageProbabilities) {
  std::vector<VolumeResult> vs = {deidentified("a")};
  vs[0].image_probs = test::probs(Label::DCE_Portal, 0.91);
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Label::DCE_Portal);
  EXPECT_NEAR(vs[0].confidence, 0.91, 1e-9);
  EXPECT_NE(vs[0].evidence.find("image model: DCE_Portal 0.91"), std::string::npos) << vs[0].evidence;
}

TEST(Fusion, HeaderModeWithNothingToSayIsOther) {
  std::vector<VolumeResult> vs = {deidentified("a")};
  vs[0].image_probs = test::probs(Label::DCE_Portal, 0.91);  // ignored in header mode
  test::prior_engine().decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::Other);
  EXPECT_NE(vs[0].evidence.find("no header rule speaks"), std::string::npos) << vs[0].evidence;
  EXPECT_EQ(vs[0].evidence.find("image model"), std::string::npos) << vs[0].evidence;
}

TEST(Fusion, ImageModeIsArgmaxOfImageProbabilities) {
  std::vector<VolumeResult> vs = {test::dwi("d", 800)};
  vs[0].image_probs = test::probs(Label::ADC, 0.6);
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::ADC) << "image mode must ignore the header";
  EXPECT_TRUE(vs[0].header.notes.empty());
  vs[0].image_probs.reset();
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::Other);
}

TEST(Fusion, FlatPosteriorFallsBelowTheOtherThreshold) {
  // A header that speaks, weakly and evenly for two classes (a T2 spin echo, FS not recorded): the fused
  // posterior is held to the fusion threshold.
  auto t2 = [] {
    auto v = test::volume("t2");
    v.info.header.scanning_sequence = "SE";
    v.info.header.repetition_time_ms = 4000;
    v.info.header.echo_time_ms = 85;
    return v;
  };
  std::vector<VolumeResult> vs = {t2()};
  vs[0].image_probs = test::probs(Label::DWI_HighB, 0.3);
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Label::Other) << vs[0].evidence;
  EXPECT_NE(vs[0].evidence.find("< threshold 0.35 (uncalibrated)"), std::string::npos) << vs[0].evidence;
}

// With a silent header, fusion is the image model alone, decided as image mode decides: its probabilities
// untempered by image_weight and its own threshold (docs/decision.md).
TEST(Fusion, SilentHeaderIsDecidedAsImageMode) {
  const std::string params = write_temp("silent_params.json", R"({"calibrated": true, "provenance": "test", "rules": {},
      "image_weight": 0.2, "other_threshold": {"image": 0.5, "header": 0.5, "fusion": 0.35}})");
  for (double p : {0.3, 0.45, 0.55, 0.9}) {
    std::vector<VolumeResult> fused = {deidentified("a")}, image = {deidentified("a")};
    fused[0].image_probs = image[0].image_probs = test::probs(Label::T2WI_Fs, p);
    DecisionEngine engine(DecisionConfig{test::prior_keyword_rules(), params});
    engine.decide_study(fused, Mode::Fusion);
    engine.decide_study(image, Mode::Image);
    EXPECT_EQ(fused[0].label, image[0].label) << p << ": " << fused[0].evidence;
    EXPECT_NEAR(fused[0].confidence, image[0].confidence, 1e-9) << p;
    EXPECT_EQ(fused[0].label, p >= 0.5 ? Label::T2WI_Fs : Label::Other) << p << ": " << fused[0].evidence;
  }
}

TEST(Fusion, DecisiveHeaderOverridesImageAndHeaderCorrectsAWrongImage) {
  std::vector<VolumeResult> vs = {test::dwi("d", 0, 0), test::dwi("d", 1000, 1)};
  vs[0].image_probs = test::probs(Label::DWI_HighB, 0.8);  // b0 looks like DWI to pixels
  vs[1].image_probs = test::probs(Label::T2WI_Fs, 0.7);    // a high-b image misread as T2
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Label::Other) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::DWI_HighB) << vs[1].evidence;
}

TEST(Fusion, PosteriorIsProductOfImageAndHeaderLikelihood) {
  evidence::FusionParams p = evidence::load_fusion_params(test::prior_fusion_params());
  HeaderEvidence h;
  h.likelihood[index_of(Label::ADC)] = 4;
  LabelProbs img{};
  img.fill(0.05);
  img[index_of(Label::ADC)] = 0.275;
  img[index_of(Label::DWI_HighB)] = 0.275;
  auto post = evidence::fuse(img, h, Mode::Fusion, p);
  EXPECT_NEAR(post[index_of(Label::ADC)] / post[index_of(Label::DWI_HighB)], 4.0, 1e-9);
  double s = 0;
  for (double v : post) s += v;
  EXPECT_NEAR(s, 1.0, 1e-12);
}

TEST(Config, FilesOverrideBuiltIns) {
  auto rules = write_temp("rules.json", R"({"rules": [{"id": "house", "label": "T2WI_Fs", "lr": 9,
      "patterns": ["house t2"]}]})");
  auto params = write_temp("params.json", R"({"calibrated": true, "provenance": "test",
      "rules": {"decisive": 1000, "b_high": 200, "b_low": 200, "b_not_highest": 50, "trace_image_type": 20,
      "diffusion_family": 5, "epi_not_diffusion": 20, "chemical_shift_phase": 30, "chemical_shift_derived": 5, "dual_echo": 3, "dixon_type": 100,
      "t2_fat_suppressed": 30, "t2_not_fat_suppressed": 10, "dce_candidate": 20, "contrast_agent_present": 5,
      "contrast_phase_tag": 200, "localizer": 500, "localizer_geometry": 10, "multi_orientation": 200, "derived_reformat": 200,
      "derived_secondary": 20, "non_axial": 5, "thick_slab": 50, "ir_prepared_gre": 20, "non_liver_body_part": 10,
      "pair_opposite": 5, "pair_shorter_te": 3, "derived_from_dwi": 30},
      "other_threshold": {"image": 0, "header": 0.4, "fusion": 0.35}})");
  DecisionEngine engine(DecisionConfig{rules, params});
  std::vector<VolumeResult> vs = {deidentified("a")};
  vs[0].info.header.series_description = "House T2";
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T2WI_Fs) << vs[0].evidence;  // 9/18 = 0.5 >= 0.4
  EXPECT_NE(vs[0].evidence.find("[rule house]"), std::string::npos);

  auto broken = write_temp("broken.json", "{\"rules\": [");
  try {
    DecisionEngine bad(DecisionConfig{broken, ""});
    FAIL() << "broken rules file accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("broken.json"), std::string::npos) << e.what();
  }
}

TEST(SeriesLabel, DwiSeriesIsHighBAndListsItsVolumeLabels) {
  std::vector<VolumeResult> vs = {test::dwi("dwi", 0, 0), test::dwi("dwi", 50, 1), test::dwi("dwi", 800, 2)};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  auto s = engine.summarize_series(vs);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].label, Label::DWI_HighB);
  EXPECT_EQ(s[0].volume_labels, (std::vector<Label>{Label::Other, Label::DWI_HighB}));
  EXPECT_EQ(s[0].volumes, 3);
  EXPECT_EQ(s[0].status, VolumeStatus::Ok);
}

TEST(SeriesLabel, DualEchoSeriesTakesItsFirstTargetInAcquisitionOrder) {
  auto make = [](double te, int index, double t) {
    auto v = test::volume("dual");
    v.info.header.scanning_sequence = "GR";
    v.info.header.repetition_time_ms = 150;
    v.info.header.echo_time_ms = te;
    v.info.key.echo_time_ms = te;
    v.info.header.acquisition_time_s = t;
    v.info.volume_index = index;
    return v;
  };
  std::vector<VolumeResult> vs = {make(4.6, 0, 100), make(2.3, 1, 100)};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  auto s = engine.summarize_series(vs);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].label, Label::T1WI_Opp);  // same acquisition time: the first echo (shorter TE) leads
  EXPECT_EQ(s[0].volume_labels, (std::vector<Label>{Label::T1WI_In, Label::T1WI_Opp}));  // volume order
}

TEST(SeriesLabel, FailedVolumesKeepTheirReasons) {
  std::vector<VolumeResult> vs = {test::dwi("x", 0, 0), test::dwi("x", 800, 1), test::dwi("y", 800, 0)};
  vs[0].status = VolumeStatus::Failed;
  vs[0].reason = "missing slices";
  vs[2].status = VolumeStatus::Failed;
  vs[2].reason = "cannot decode JPEG 2000";
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_TRUE(vs[0].evidence.empty()) << "failed volumes are left as they are";
  auto s = engine.summarize_series(vs);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].status, VolumeStatus::Ok);
  EXPECT_EQ(s[0].label, Label::DWI_HighB);
  EXPECT_NE(s[0].reason.find("1 of 2 volumes failed: missing slices"), std::string::npos) << s[0].reason;
  EXPECT_EQ(s[1].status, VolumeStatus::Failed);
  EXPECT_NE(s[1].reason.find("cannot decode JPEG 2000"), std::string::npos) << s[1].reason;
}

TEST(Fusion, BrokenImageProbabilitiesAreIgnoredNotTrusted) {
  std::vector<VolumeResult> vs = {test::dwi("d", 0, 0), test::dwi("d", 800, 1), deidentified("x")};
  LabelProbs nan{};
  nan.fill(std::numeric_limits<double>::quiet_NaN());
  vs[0].image_probs = nan;
  vs[1].image_probs = LabelProbs{};  // all zero
  vs[2].image_probs = test::probs(Label::ADC, 0.9);
  (*vs[2].image_probs)[0] = -0.5;
  test::prior_engine().decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Label::Other);
  EXPECT_EQ(vs[1].label, Label::DWI_HighB) << "the header still decides";
  EXPECT_EQ(vs[2].label, Label::Other) << vs[2].evidence;
  for (auto& v : vs) EXPECT_NE(v.evidence.find("image probabilities invalid"), std::string::npos) << v.evidence;
}

namespace {

// A late-phase volume whose image probabilities split between portal and delayed.
VolumeResult late(const std::string& uid, double p_portal, double p_delayed) {
  VolumeResult v = deidentified(uid);
  LabelProbs p;
  p.fill((1 - p_portal - p_delayed) / (kNumLabels - 2));
  p[index_of(Label::DCE_Portal)] = p_portal;
  p[index_of(Label::DCE_Delayed)] = p_delayed;
  v.image_probs = p;
  return v;
}

}  // namespace

TEST(ImageStudyOrder, TwoLateVolumesBothCalledDelayedTheEarlierLookingIsPortal) {
  std::vector<VolumeResult> vs = {late("later", 0.20, 0.70), late("earlier", 0.40, 0.50)};
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::DCE_Delayed);
  EXPECT_EQ(vs[1].label, Label::DCE_Portal);
  EXPECT_NEAR(vs[1].confidence, 0.40, 1e-9);
  EXPECT_NE(vs[1].evidence.find("study order: earliest-looking of 2 late-phase volumes"), std::string::npos)
      << vs[1].evidence;
  EXPECT_EQ(vs[0].evidence.find("study order"), std::string::npos) << "an unchanged label needs no note";
}

TEST(ImageStudyOrder, TwoLateVolumesBothCalledPortalTheLaterLookingIsDelayed) {
  std::vector<VolumeResult> vs = {late("earlier", 0.80, 0.10), late("later", 0.55, 0.35)};
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::DCE_Portal);
  EXPECT_EQ(vs[1].label, Label::DCE_Delayed);
}

TEST(ImageStudyOrder, LeavesStudiesAloneWhereTheModelAlreadySeparatesThePhasesOrSeesOneLateVolume) {
  std::vector<VolumeResult> mixed = {late("p", 0.60, 0.30), late("d1", 0.30, 0.60), late("d2", 0.35, 0.55)};
  test::prior_engine().decide_study(mixed, Mode::Image);
  EXPECT_EQ(mixed[0].label, Label::DCE_Portal);
  EXPECT_EQ(mixed[1].label, Label::DCE_Delayed);
  EXPECT_EQ(mixed[2].label, Label::DCE_Delayed) << "two delayed phases after a portal one stay delayed";
  std::vector<VolumeResult> one = {late("d", 0.30, 0.60)};
  test::prior_engine().decide_study(one, Mode::Image);
  EXPECT_EQ(one[0].label, Label::DCE_Delayed);
}

TEST(ImageStudyOrder, OnlyImageModeUsesIt) {
  std::vector<VolumeResult> vs = {late("a", 0.20, 0.70), late("b", 0.40, 0.50)};
  test::prior_engine().decide_study(vs, Mode::Fusion);  // fusion orders DCE phases with header evidence instead
  for (const auto& v : vs) EXPECT_EQ(v.evidence.find("late-phase volumes of the study"), std::string::npos) << v.evidence;
}

namespace {

VolumeResult dwi_volume(const std::string& series_uid, int index, double p_high) {
  VolumeResult v = deidentified(series_uid + "-" + std::to_string(index));
  v.info.header.series_uid = series_uid;
  v.info.volume_index = index;
  v.image_probs = test::probs(Label::DWI_HighB, p_high);
  return v;
}

}  // namespace

TEST(ImageSeriesOrder, OnlyTheMostHighBLookingVolumeOfASeriesKeepsDwiHighB) {
  std::vector<VolumeResult> vs = {dwi_volume("s", 0, 0.70), dwi_volume("s", 1, 0.95), dwi_volume("s", 2, 0.80)};
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::Other);
  EXPECT_EQ(vs[1].label, Label::DWI_HighB);
  EXPECT_EQ(vs[2].label, Label::Other);
  EXPECT_NEAR(vs[2].confidence, 0.20, 1e-9);
  EXPECT_NE(vs[2].evidence.find("volume 1 looks higher: Other"), std::string::npos) << vs[2].evidence;
  EXPECT_EQ(vs[1].evidence.find("series order"), std::string::npos) << vs[1].evidence;
}

TEST(ImageSeriesOrder, VolumesOfDifferentSeriesEachKeepTheirLabel) {
  // Exports that put each b-value in its own series give no series to compare within.
  std::vector<VolumeResult> vs = {dwi_volume("s1", 0, 0.70), dwi_volume("s2", 0, 0.95)};
  test::prior_engine().decide_study(vs, Mode::Image);
  EXPECT_EQ(vs[0].label, Label::DWI_HighB);
  EXPECT_EQ(vs[1].label, Label::DWI_HighB);
  test::prior_engine().decide_study(vs, Mode::Fusion);
  for (const auto& v : vs) EXPECT_EQ(v.evidence.find("series order"), std::string::npos) << v.evidence;
}
