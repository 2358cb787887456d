// Each header rule on constructed headers, through the engine in header mode (no image model).
#include <gtest/gtest.h>

#include "evidence/header_rules.hpp"
#include "mpmri/evidence.hpp"
#include "volume_builder.hpp"

using namespace mpmri;
using mpmri::test::volume;

namespace {

Label header_label(std::vector<VolumeResult>& vs, size_t i = 0) {
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  return vs[i].label;
}

bool has_text(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

VolumeResult gre2d(double te, double field_t) {
  auto v = volume("gre");
  v.info.header.scanning_sequence = "GR";
  v.info.header.repetition_time_ms = 180;
  v.info.header.echo_time_ms = te;
  v.info.header.field_strength_t = field_t;
  v.info.header.imaging_frequency_mhz.reset();
  return v;
}

}  // namespace

TEST(HeaderRules, MultiBDwiHighestBIsDwiHighBLowerBIsOther) {
  std::vector<VolumeResult> vs = {test::dwi("dwi", 0, 0), test::dwi("dwi", 50, 1), test::dwi("dwi", 800, 2)};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::Other);
  EXPECT_EQ(vs[1].label, Label::Other);
  EXPECT_EQ(vs[2].label, Label::DWI_HighB);
  EXPECT_TRUE(has_text(vs[2].evidence, "b=800 from (0043,1039); highest b of 3")) << vs[2].evidence;
  EXPECT_TRUE(has_text(vs[1].evidence, "below 400")) << vs[1].evidence;
  EXPECT_GT(vs[2].confidence, 0.95);
}

TEST(HeaderRules, IntermediateBIsNotHighB) {
  std::vector<VolumeResult> vs = {test::dwi("dwi", 50, 0), test::dwi("dwi", 400, 1), test::dwi("dwi", 800, 2)};
  EXPECT_EQ(header_label(vs, 1), Label::Other);
  EXPECT_TRUE(has_text(vs[1].evidence, "not the highest b")) << vs[1].evidence;
  EXPECT_EQ(vs[2].label, Label::DWI_HighB);
}

TEST(HeaderRules, SingleLowBSeriesIsOther) {
  std::vector<VolumeResult> vs = {test::dwi("dwi", 200)};
  EXPECT_EQ(header_label(vs), Label::Other);
}

TEST(HeaderRules, AdcImageTypeDecidesAdcAndOtherMapsAreOther) {
  auto adc = volume("adc");
  adc.info.header.image_type = {"DERIVED", "PRIMARY", "DIFFUSION", "ADC"};
  auto eadc = volume("eadc");
  eadc.info.header.image_type = {"DERIVED", "PRIMARY", "DIFFUSION", "EADC"};
  auto fa = volume("fa");
  fa.info.header.image_type = {"DERIVED", "PRIMARY", "DIFFUSION", "FA"};
  auto philips = volume("padc");
  philips.info.header.image_type = {"ORIGINAL", "PRIMARY", "ADC_SE", "ADC", "SE"};
  std::vector<VolumeResult> vs = {adc, eadc, fa, philips};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::ADC);
  EXPECT_TRUE(vs[0].header.decisive);
  EXPECT_EQ(vs[1].label, Label::Other);
  EXPECT_EQ(vs[2].label, Label::Other);
  EXPECT_EQ(vs[3].label, Label::ADC);
}

TEST(HeaderRules, TracewWithoutBValueIsDwi) {
  auto v = volume("trace");
  v.info.header.image_type = {"DERIVED", "PRIMARY", "DIFFUSION", "TRACEW"};
  std::vector<VolumeResult> vs = {v};
  EXPECT_EQ(header_label(vs), Label::DWI_HighB);
}

TEST(HeaderRules, GradientEchoEpiWithoutDiffusionIsOther) {
  auto v = volume("bold");
  v.info.header.scanning_sequence = "EP";
  v.info.header.sequence_name = "*epfid2d1_64";
  v.info.header.echo_time_ms = 30;
  v.info.header.repetition_time_ms = 3000;
  std::vector<VolumeResult> vs = {v};
  EXPECT_EQ(header_label(vs), Label::Other);
  EXPECT_TRUE(has_text(vs[0].evidence, "gradient-echo EPI")) << vs[0].evidence;
}

// In/opposed phase is an acquisition: two single-echo series of one geometry (the other phase beside each), or
// two echoes of one series. Pairs at 1.5 T and at 3 T, in two geometries.
TEST(HeaderRules, ChemicalShiftPhaseAtOnePointFiveAndThreeTesla) {
  std::vector<VolumeResult> vs = {gre2d(2.3, 1.5), gre2d(4.6, 1.5), gre2d(1.15, 3.0), gre2d(2.3, 3.0), gre2d(3.4, 1.5)};
  for (size_t i = 0; i < vs.size(); ++i) vs[i].info.header.series_uid = "s" + std::to_string(i);
  for (size_t i : {2, 3}) vs[i].info.matrix = {320, 240};
  vs[4].info.matrix = {192, 192};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_Opp) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "TE 2.3 ms at 1.5 T: opposed-phase")) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "paired with TE 4.6 ms")) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::T1WI_In) << vs[1].evidence;
  EXPECT_EQ(vs[2].label, Label::T1WI_Opp) << vs[2].evidence;
  EXPECT_EQ(vs[3].label, Label::T1WI_In) << vs[3].evidence;
  // 3.4 ms at 1.5 T is 0.74 cycles: neither, so header mode says Other.
  EXPECT_EQ(vs[4].label, Label::Other);
  EXPECT_TRUE(has_text(vs[4].evidence, "neither in- nor opposed-phase")) << vs[4].evidence;
}

TEST(HeaderRules, DualEchoSeriesIsInAndOpposedPhase) {
  auto opp = gre2d(2.3, 1.5), in = gre2d(4.6, 1.5);
  opp.info.key.echo_time_ms = 2.3, in.info.key.echo_time_ms = 4.6;
  in.info.volume_index = 1;
  std::vector<VolumeResult> vs = {opp, in};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_Opp) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::T1WI_In) << vs[1].evidence;
}

// A single echo is not an in/opposed-phase acquisition: real VIBE, LAVA and THRIVE dynamics use TE 1.1-2.3 ms,
// on the opposed/in-phase points at 1.5 and 3 T, and de-identification drops the fat-suppression flag.
TEST(HeaderRules, TeAloneDoesNotDecideInOrOpposedPhase) {
  auto lone = gre2d(2.3, 1.5);
  std::vector<VolumeResult> vs = {lone};
  EXPECT_NE(header_label(vs), Label::T1WI_Opp) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "counts only paired")) << vs[0].evidence;

  // A 3D dynamic run without a fat-suppression flag, TE 1.15 ms at 3 T (opposed) and 2.3 ms (in-phase) at 1.5 T.
  for (auto [te, field] : {std::pair{1.15, 3.0}, std::pair{2.3, 1.5}, std::pair{2.3, 3.0}}) {
    std::vector<VolumeResult> run;
    for (int t = 0; t < 4; ++t) {
      auto v = test::vibe("dyn", 5, 40000 + 30 * t);
      v.info.header.scan_options.clear();
      v.info.header.echo_time_ms = te;
      v.info.header.field_strength_t = field;
      v.info.header.imaging_frequency_mhz.reset();
      v.info.key.temporal_index = t + 1;
      v.info.volume_index = t;
      run.push_back(v);
    }
    DecisionEngine engine = test::prior_engine();
    engine.decide_study(run, Mode::Header);
    for (const auto& v : run) {
      EXPECT_NE(v.label, Label::T1WI_In) << te << " ms " << field << " T: " << v.evidence;
      EXPECT_NE(v.label, Label::T1WI_Opp) << te << " ms " << field << " T: " << v.evidence;
      EXPECT_TRUE(has_text(v.evidence, "says nothing of in/opposed")) << v.evidence;
    }
  }
}

TEST(HeaderRules, ImagingFrequencyBeatsFieldStrength) {
  auto v = gre2d(2.3, 3.0);          // a wrong field strength...
  v.info.header.imaging_frequency_mhz = 63.9;  // ...but the frequency says 1.5 T
  auto f = evidence::fat_water_cycles(v.info.header, 2.3, 3.4);
  ASSERT_TRUE(f);
  EXPECT_NEAR(*f, 0.50, 0.01);
  v.info.header.imaging_frequency_mhz = 63.9e6;  // Hz written where MHz belongs (UIH)
  EXPECT_NEAR(*evidence::fat_water_cycles(v.info.header, 2.3, 3.4), 0.50, 0.01);
}

TEST(HeaderRules, FatSuppressedGreIsNotInOpposedPhase) {
  auto v = gre2d(2.3, 1.5);
  v.info.header.scan_options = "FS";
  std::vector<VolumeResult> vs = {v};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_NE(vs[0].label, Label::T1WI_Opp);
}

TEST(HeaderRules, DixonImageTypes) {
  auto ip = volume("ip");
  ip.info.header.image_type = {"DERIVED", "PRIMARY", "IP", "IP", "DERIVED"};
  auto op = volume("op");
  op.info.header.image_type = {"ORIGINAL", "PRIMARY", "M", "OUT_PHASE", "NORM"};
  auto w = volume("w");
  w.info.header.image_type = {"DERIVED", "PRIMARY", "W", "W", "DERIVED"};
  auto fat = volume("f");
  fat.info.header.image_type = {"DERIVED", "PRIMARY", "DIXON", "FAT"};
  std::vector<VolumeResult> vs = {ip, op, w, fat};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_In);
  EXPECT_EQ(vs[1].label, Label::T1WI_Opp);
  EXPECT_EQ(vs[2].label, Label::Other);
  EXPECT_EQ(vs[3].label, Label::Other);
}

TEST(HeaderRules, T2FatSuppressionVariants) {
  auto t2 = [](const std::string& uid) {
    auto v = volume(uid);
    v.info.header.scanning_sequence = "SE";
    v.info.header.echo_time_ms = 85;
    v.info.header.repetition_time_ms = 2500;
    return v;
  };
  auto fs = t2("fs");
  fs.info.header.scan_options = "PFP\\FS";
  auto ge = t2("ge");
  ge.info.header.scan_options = "FAST_GEMS\\FSA_GEMS";
  auto stir = t2("stir");
  stir.info.header.scanning_sequence = "IR\\SE";
  stir.info.header.inversion_time_ms = 160;
  auto words = t2("words");
  words.info.header.series_description = "T2W_SPAIR";
  auto plain = t2("plain");
  std::vector<VolumeResult> vs = {fs, ge, stir, words, plain};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T2WI_Fs) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::T2WI_Fs) << vs[1].evidence;
  EXPECT_EQ(vs[2].label, Label::T2WI_Fs) << vs[2].evidence;
  EXPECT_EQ(vs[3].label, Label::T2WI_Fs) << vs[3].evidence;
  // No flag is no evidence either way (vendors mark fat suppression in private tags or not at all, and
  // de-identification drops ScanOptions): T2 FS and T2 without FS stay level; only a stated NONE says "not FS".
  EXPECT_DOUBLE_EQ(vs[4].header.likelihood[index_of(Label::T2WI_Fs)], vs[4].header.likelihood[index_of(Label::Other)])
      << vs[4].evidence;
  EXPECT_TRUE(has_text(vs[4].evidence, "fat suppression not recorded")) << vs[4].evidence;
  auto none = t2("none");
  none.info.header.spectrally_selected_suppression = "NONE";
  std::vector<VolumeResult> stated = {none};
  EXPECT_EQ(header_label(stated), Label::Other) << stated[0].evidence;
}

// DiffusionBValue 0 on a non-diffusion acquisition (a real Philips Ingenia 3D T1 TFE late dynamic phase,
// classic files converted from enhanced) is no diffusion evidence.
TEST(HeaderRules, ZeroBValueOnANonDiffusionAcquisitionIsIgnored) {
  std::vector<VolumeResult> vs;
  for (int t = 0; t < 3; ++t) {
    auto v = test::vibe("tfe", 7, 40000 + 60 * t);
    v.info.header.b_value = 0;
    v.info.header.b_value_source = "(0018,9087)";
    v.info.header.series_description = "C+ T1 3D LATE PHAS";
    v.info.header.manufacturer = "Philips";
    vs.push_back(v);
    vs.back().info.header.series_uid = "tfe" + std::to_string(t);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  for (const auto& v : vs) {
    EXPECT_FALSE(has_text(v.evidence, "low-b DWI")) << v.evidence;
    EXPECT_TRUE(has_text(v.evidence, "b=0 in (0018,9087) ignored")) << v.evidence;
    EXPECT_NE(v.label, Label::Other) << v.evidence;
  }
  // A b=0 volume of a real DWI series still is a low-b image.
  std::vector<VolumeResult> dwi = {test::dwi("dwi", 0, 0), test::dwi("dwi", 800, 1)};
  dwi[0].info.header.scanning_sequence = "SE";  // stripped EP: the b=800 partner still says diffusion
  EXPECT_EQ(header_label(dwi, 0), Label::Other);
  EXPECT_TRUE(has_text(dwi[0].evidence, "below 400")) << dwi[0].evidence;
}

TEST(HeaderRules, AnotherModalityIsOtherInEveryMode) {
  for (Mode mode : {Mode::Header, Mode::Fusion, Mode::Image}) {
    auto ct = test::vibe("ct", 2, 40000);
    ct.info.header.modality = "CT";
    ct.image_probs = test::probs(Label::DCE_Pre, 0.99);
    std::vector<VolumeResult> vs = {ct};
    DecisionEngine engine = test::prior_engine();
    engine.decide_study(vs, mode);
    EXPECT_EQ(vs[0].label, Label::Other) << vs[0].evidence;
    EXPECT_TRUE(has_text(vs[0].evidence, "Modality CT: not MR")) << vs[0].evidence;
  }
}

// The pre-contrast phase acquired as its own series with another matrix: the dynamic run that follows starts
// at the arterial phase, not at pre-contrast by position.
TEST(HeaderRules, RunAfterASeparatePreContrastSeriesStartsAfterPre) {
  auto pre = test::vibe("pre", 5, 40000);
  pre.info.matrix = {256, 208};
  std::vector<VolumeResult> vs = {pre};
  for (int t = 0; t < 3; ++t) {
    auto v = test::vibe("dyn", 6, 40100 + 40 * t);
    v.info.key.temporal_index = t + 1;
    v.info.volume_index = t;
    vs.push_back(v);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[1].label, Label::DCE_Arterial) << vs[1].evidence;
  EXPECT_EQ(vs[2].label, Label::DCE_Portal) << vs[2].evidence;
  EXPECT_EQ(vs[3].label, Label::DCE_Delayed) << vs[3].evidence;
  EXPECT_TRUE(has_text(vs[1].evidence, "need not be pre-contrast")) << vs[1].evidence;
}

TEST(HeaderRules, MrcpSlabIsOther) {
  auto v = volume("mrcp");
  v.info.header.scanning_sequence = "SE";
  v.info.header.scan_options = "FS";
  v.info.header.echo_time_ms = 700;
  v.info.header.repetition_time_ms = 4500;
  v.info.header.slice_thickness_mm = 40;
  v.info.plane = "coronal";
  std::vector<VolumeResult> vs = {v};
  EXPECT_EQ(header_label(vs), Label::Other);
}

TEST(HeaderRules, NotTargetsAreOtherEvenAgainstAConfidentImageModel) {
  auto loc = volume("loc");
  loc.info.header.image_type = {"ORIGINAL", "PRIMARY", "LOCALIZER"};
  auto mpr = volume("mpr");
  mpr.info.header.image_type = {"DERIVED", "SECONDARY", "MPR", "CSA MPR"};
  auto sc = volume("sc");
  sc.info.header.sop_class_uid = "1.2.840.10008.5.1.4.1.1.7";
  auto rgb = volume("rgb");
  rgb.info.header.photometric = "RGB";
  std::vector<VolumeResult> vs = {loc, mpr, sc, rgb};
  for (auto& v : vs) v.image_probs = test::probs(Label::T2WI_Fs, 0.95);
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Fusion);
  for (auto& v : vs) EXPECT_EQ(v.label, Label::Other) << v.info.header.series_uid << ": " << v.evidence;
}

TEST(HeaderRules, FastGreLocalizerGeometry) {
  auto v = volume("loc");
  v.info.header.scanning_sequence = "GR";
  v.info.header.repetition_time_ms = 16;
  v.info.header.echo_time_ms = 3.7;
  v.info.slices.resize(1);
  v.info.header.series_description = "FAST LOCALIZER";
  std::vector<VolumeResult> vs = {v};
  EXPECT_EQ(header_label(vs), Label::Other);
  EXPECT_TRUE(has_text(vs[0].evidence, "localizer")) << vs[0].evidence;
}

TEST(HeaderRules, TriPlaneSurveyIsOtherEvenWhereTeLooksInPhase) {
  // Philips-style SURVEY: one series, three planes; TE 2.3 ms at 3 T would otherwise read as in-phase.
  std::vector<VolumeResult> vs;
  for (const char* plane : {"axial", "coronal", "sagittal"}) {
    auto v = volume("survey");
    v.info.header.scanning_sequence = "GR";
    v.info.header.repetition_time_ms = 7.5;
    v.info.header.echo_time_ms = 2.3;
    v.info.header.field_strength_t = 3.0;
    v.info.key.orientation = plane;
    v.info.plane = plane;
    v.info.slices.resize(9);
    vs.push_back(v);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  for (const auto& v : vs) EXPECT_EQ(v.label, Label::Other) << v.info.plane << ": " << v.evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "series mixes orientations")) << vs[0].evidence;
}

TEST(HeaderRules, KeywordsAloneNeverDecideButTipTheBalance) {
  auto v = volume("kw");
  v.info.header.series_description = "dADC";
  std::vector<VolumeResult> vs = {v};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::Other) << "a description alone must stay below the header-mode threshold";
  EXPECT_TRUE(has_text(vs[0].evidence, "[rule adc]")) << vs[0].evidence;
  EXPECT_NEAR(vs[0].fused[index_of(Label::ADC)], 8.0 / 17.0, 1e-9);

  // With an image model torn between DWI and ADC, the keyword decides.
  LabelProbs torn{};
  torn.fill(0.02);
  torn[index_of(Label::DWI_HighB)] = 0.42;
  torn[index_of(Label::ADC)] = 0.42;
  vs = {v};
  vs[0].image_probs = torn;
  engine.decide_study(vs, Mode::Fusion);
  EXPECT_EQ(vs[0].label, Label::ADC) << vs[0].evidence;
}

TEST(HeaderRules, EnhancedContrastPhaseTag) {
  auto v = test::vibe("dce", 5, 36000);
  v.info.header.contrast_phase = "PORTAL_VENOUS";
  std::vector<VolumeResult> vs = {v};
  EXPECT_EQ(header_label(vs), Label::DCE_Portal);
}

TEST(HeaderRules, DwiSplitIntoOneSeriesPerBValueStillKnowsItsHighestB) {
  // Some exports write each b-value of one acquisition as its own series with the same description.
  std::vector<VolumeResult> vs;
  int n = 6;
  for (double b : {0.0, 50.0, 400.0, 800.0}) {
    auto v = test::dwi("dwi-b" + std::to_string(int(b)), b);
    v.info.header.series_number = n++;
    v.info.header.series_description = "DWI_b0_50_400_800";
    v.info.key.b_value.reset();  // one volume per series: the header carries the b-value
    vs.push_back(v);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[2].label, Label::Other) << vs[2].evidence;
  EXPECT_EQ(vs[3].label, Label::DWI_HighB) << vs[3].evidence;
}

TEST(HeaderRules, DerivedAdcWithoutAdcImageTypeIsFoundByItsDwi) {
  // Canon-style: ImageType DERIVED\SECONDARY\OTHER, ScanningSequence EP only, no b-value.
  auto adc = volume("adc", 70);
  adc.info.header.image_type = {"DERIVED", "SECONDARY", "OTHER"};
  adc.info.header.scanning_sequence = "EP";
  adc.info.header.sequence_name = "SE_EPI";
  adc.info.header.echo_time_ms = 75;
  std::vector<VolumeResult> vs = {test::dwi("dwi", 50, 0), test::dwi("dwi", 800, 1), adc};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[2].label, Label::ADC) << vs[2].evidence;
  EXPECT_TRUE(has_text(vs[2].evidence, "same geometry as the DWI")) << vs[2].evidence;
  // De-identified: b-values stripped from the DWI too; an ORIGINAL diffusion image of the geometry still anchors it.
  auto stripped = test::dwi("dwi", 800, 0);
  stripped.info.header.b_value.reset();
  stripped.info.key.b_value.reset();
  vs = {stripped, adc};
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[1].label, Label::ADC) << vs[1].evidence;
  EXPECT_EQ(vs[0].label, Label::Other) << "no b-value: header mode cannot call it high-b";
  // Alone (no DWI in the study) it is only a diffusion-family image: not decided in header mode.
  vs = {adc};
  engine.decide_study(vs, Mode::Header);
  EXPECT_NE(vs[0].label, Label::DWI_HighB);
}

TEST(HeaderRules, DerivedGreImagesAreNeitherPhasesNorInOpposed) {
  // A subtraction with the dynamic's TR/TE/FS, and a water map with an in-phase TE: derived, so Other.
  auto sub = test::vibe("sub", 9, 36000);
  sub.info.header.image_type = {"DERIVED", "PRIMARY"};
  sub.info.header.series_description = "SUB";
  auto water = volume("w");
  water.info.header.image_type = {"DERIVED", "PRIMARY", "OTHER"};
  water.info.header.scanning_sequence = "GR";
  water.info.header.mr_acquisition_type = "3D";
  water.info.header.repetition_time_ms = 5.8;
  water.info.header.echo_time_ms = 2.33;
  water.info.header.field_strength_t = 3.0;
  water.info.header.series_description = "WFS_W";
  std::vector<VolumeResult> vs = {sub, water};
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::Other) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "not an acquired phase")) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::Other) << vs[1].evidence;
  // A GE LAVA-Flex water phase is derived too, but it is a DCE phase.
  auto lava = test::vibe("lava", 10, 36000);
  lava.info.header.image_type = {"DERIVED", "PRIMARY", "DIXON", "WATER"};
  lava.info.header.scan_options = "";
  lava.info.header.contrast_agent = "Gadavist";
  lava.info.header.series_description = "WATER: Ph2/Ax LAVA-Flex";
  vs = {lava};
  engine.decide_study(vs, Mode::Header);
  EXPECT_NE(vs[0].label, Label::Other) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "Dixon water image")) << vs[0].evidence;
}

TEST(HeaderRules, EnhancedObjectWithoutScanningSequenceFallsBackOnImageType) {
  // Philips enhanced MR: no ScanningSequence, ImageType ORIGINAL\PRIMARY\M_FFE\M, dual echo 2.24/4.67 ms at 1.5 T.
  std::vector<VolumeResult> vs;
  for (double te : {2.24, 4.67}) {
    auto v = volume("enh");
    v.info.header.image_type = {"ORIGINAL", "PRIMARY", "M_FFE", "M"};
    v.info.header.repetition_time_ms = 178;
    v.info.header.echo_time_ms = te;
    v.info.key.echo_time_ms = te;
    v.info.header.enhanced = true;
    vs.push_back(v);
  }
  DecisionEngine engine = test::prior_engine();
  engine.decide_study(vs, Mode::Header);
  EXPECT_EQ(vs[0].label, Label::T1WI_Opp) << vs[0].evidence;
  EXPECT_EQ(vs[1].label, Label::T1WI_In) << vs[1].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "no ScanningSequence: GR from ImageType M_FFE")) << vs[0].evidence;
}

namespace {

// In fusion mode a confident image model decides between labels the header speaks for alike.
void expect_image_decides(VolumeResult v, Label a, Label b) {
  std::vector<VolumeResult> vs = {std::move(v)};
  DecisionEngine engine = test::prior_engine();
  for (Label want : {a, b}) {
    vs[0].image_probs = test::probs(want, 0.9);
    engine.decide_study(vs, Mode::Fusion);
    EXPECT_EQ(vs[0].label, want) << vs[0].evidence;
  }
}

}  // namespace

// Without a b-value a spin-echo EPI image may be high-b, low-b or the ADC map: the header speaks for the three
// alike, so a confident image model keeps a b0 volume Other instead of being outvoted.
TEST(HeaderRules, DiffusionWithoutBValueDoesNotPreferHighB) {
  auto b0 = test::dwi("dwi", 0, 0);
  b0.info.header.b_value.reset();
  b0.info.key.b_value.reset();
  std::vector<VolumeResult> vs = {b0};
  test::prior_engine().decide_study(vs, Mode::Header);
  const auto& l = vs[0].header.likelihood;
  EXPECT_DOUBLE_EQ(l[index_of(Label::Other)], l[index_of(Label::DWI_HighB)]) << vs[0].evidence;
  EXPECT_DOUBLE_EQ(l[index_of(Label::ADC)], l[index_of(Label::DWI_HighB)]) << vs[0].evidence;
  EXPECT_GT(l[index_of(Label::DWI_HighB)], l[index_of(Label::T2WI_Fs)]) << "still diffusion, not T2";
  expect_image_decides(b0, Label::Other, Label::DWI_HighB);
}

// A derived T1 GRE at an in-phase TE may be the Dixon in-phase image or its water/fat map: the TE alone does not
// outvote an image model that sees a water map.
TEST(HeaderRules, DerivedImageAtInPhaseTeMayBeAWaterOrFatMap) {
  auto v = gre2d(2.3, 3.0);
  v.info.header.image_type = {"DERIVED", "PRIMARY"};
  std::vector<VolumeResult> vs = {v};
  test::prior_engine().decide_study(vs, Mode::Header);
  const auto& l = vs[0].header.likelihood;
  EXPECT_DOUBLE_EQ(l[index_of(Label::Other)], l[index_of(Label::T1WI_In)]) << vs[0].evidence;
  EXPECT_TRUE(has_text(vs[0].evidence, "in-phase")) << vs[0].evidence;
  expect_image_decides(v, Label::Other, Label::T1WI_In);
}
