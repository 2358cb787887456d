// Real-anatomy bodies (--anatomy real): every structure of each source map reaches the rendered study,
// signals keep the contrasts that define the classes, bodies vary between studies and repeat per seed.
// Reads the shared anatomy data in place; skipped where ../shared is not there.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "anatomy.hpp"
#include "mpmri/error.hpp"
#include "mpmri/synth.hpp"

using namespace mpmri;
using namespace mpmri::synth;
using nlohmann::json;

namespace {

const std::string kShared = MPMRI_SHARED_DIR;

bool have_shared() { return std::filesystem::is_directory(kShared + "/anatomy/totalseg-subjects"); }

#define SKIP_WITHOUT_SHARED() \
  if (!have_shared()) GTEST_SKIP() << "no anatomy data at " << kShared << " (the project's ../shared)"

SynthOptions real_options() {
  SynthOptions o;
  o.seed = 23;
  o.vendor = "siemens";
  o.clean_artefacts = true;
  o.anatomy = "real";
  o.anatomy_dir = kShared;
  return o;
}

// A study's phantom for each body of the library (seeds tried in order until each body came up once).
std::vector<Phantom> one_phantom_per_body(const AnatomyLibrary& lib) {
  std::vector<Phantom> out(lib.bodies.size());
  std::set<size_t> done;
  for (std::uint64_t seed = 1; done.size() < lib.bodies.size() && seed < 60; ++seed) {
    Rng rng(seed);
    Phantom ph = build_anatomy_phantom(rng, 1.5, lib);
    for (size_t b = 0; b < lib.bodies.size(); ++b)
      if (ph.anatomy["body"] == lib.bodies[b].name && !done.count(b)) out[b] = std::move(ph), done.insert(b);
  }
  EXPECT_EQ(done.size(), lib.bodies.size());
  return out;
}

std::set<std::string> tissues_in(const Phantom& ph) {
  std::vector<bool> seen(kTissues, false);
  for (auto t : ph.body.label) seen[t] = true;
  for (auto t : ph.organs.label) seen[t] = true;
  std::set<std::string> out;
  for (int t = 0; t < kTissues; ++t)
    if (seen[size_t(t)]) out.insert(tissue_name(Tissue(t)));
  return out;
}

double roi_mean(const TruthVolume& v, Tissue t, size_t* count = nullptr, double* sd = nullptr) {
  const int nx = v.image.size[0], ny = v.image.size[1];
  auto pure = [&](size_t i) { return v.tissue[i] == static_cast<std::uint8_t>(t) && v.purity[i] > 0.999f; };
  double sum = 0, sum2 = 0;
  size_t n = 0;
  for (size_t i = 0; i < v.tissue.size(); ++i) {
    int x = int(i % size_t(nx)), y = int((i / size_t(nx)) % size_t(ny));
    if (x == 0 || y == 0 || x == nx - 1 || y == ny - 1) continue;
    if (pure(i) && pure(i - 1) && pure(i + 1) && pure(i - size_t(nx)) && pure(i + size_t(nx))) {
      sum += v.image.voxels[i], sum2 += double(v.image.voxels[i]) * v.image.voxels[i], ++n;
    }
  }
  if (count) *count = n;
  if (n == 0) return std::nan("");
  double mean = sum / double(n);
  if (sd) *sd = std::sqrt(std::max(0.0, sum2 / double(n) - mean * mean));
  return mean;
}

int find_vol(const StudyTruth& s, const char* label) {
  for (size_t i = 0; i < s.volumes.size(); ++i)
    if (std::string(to_string(s.volumes[i].label)) == label) return int(i);
  return -1;
}

}  // namespace

TEST(SynthAnatomy, EveryMappedStructureOfEachSourceMapIsInItsStudyBody) {
  SKIP_WITHOUT_SHARED();
  const AnatomyLibrary& lib = anatomy_library(kShared);
  ASSERT_EQ(lib.bodies.size(), 3u);
  ASSERT_GE(lib.banks.size(), 3u);
  std::vector<Phantom> phantoms = one_phantom_per_body(lib);
  for (size_t b = 0; b < lib.bodies.size(); ++b) {
    const std::set<std::string> present = tissues_in(phantoms[b]);
    EXPECT_GE(lib.bodies[b].structures.size(), 12u) << lib.bodies[b].name;
    for (const std::string& s : lib.bodies[b].structures) {
      if (s == "kidney_cortex") continue;  // the maps' whole kidneys: checked as cortex and medulla below
      EXPECT_TRUE(present.count(s)) << lib.bodies[b].name << ": " << s << " missing from the study body";
    }
    // Derived: body wall and fat, visceral fat, kidney cortex and medulla, hepatic and portal veins, gallbladder.
    for (const char* s : {"subcutaneous_fat", "muscle", "visceral_fat", "kidney_cortex", "kidney_medulla", "hepatic_vein",
                          "portal_vein", "gallbladder", "marrow", "bone", "disc"})
      EXPECT_TRUE(present.count(s)) << lib.bodies[b].name << ": derived " << s << " missing";
  }
}

TEST(SynthAnatomy, RenderedTruthShowsTheMainStructuresWithPlausibleSignal) {
  SKIP_WITHOUT_SHARED();
  SynthOptions o = real_options();
  o.liver_fat_fraction = 0.0;
  StudyTruth s = render_study_truth(o, 0, true);
  const json j = json::parse(s.json);
  ASSERT_EQ(j["phantom"]["anatomy"]["kind"], "real");
  EXPECT_EQ(j["options"]["anatomy"], "real");
  std::set<int> seen;
  for (const auto& v : s.volumes)
    for (auto t : v.tissue) seen.insert(t);
  for (Tissue t : {Tissue::Liver, Tissue::Spleen, Tissue::KidneyCortex, Tissue::KidneyMedulla, Tissue::Aorta, Tissue::Ivc,
                   Tissue::PortalVein, Tissue::HepaticVein, Tissue::Pancreas, Tissue::StomachWall, Tissue::Bowel, Tissue::Marrow,
                   Tissue::Muscle, Tissue::SubcutFat, Tissue::VisceralFat, Tissue::Gallbladder})
    EXPECT_TRUE(seen.count(int(t))) << tissue_name(t) << " not in any rendered volume";

  // T2 with fat suppression: spleen brighter than liver, fat dark.
  const int t2 = find_vol(s, "T2WI_Fs");
  ASSERT_GE(t2, 0);
  size_t nl = 0, ns = 0, nf = 0;
  const double liver = roi_mean(s.volumes[size_t(t2)], Tissue::Liver, &nl);
  const double spleen = roi_mean(s.volumes[size_t(t2)], Tissue::Spleen, &ns);
  const double fat = roi_mean(s.volumes[size_t(t2)], Tissue::SubcutFat, &nf);
  ASSERT_GT(nl, 200u);
  ASSERT_GT(ns, 30u);
  ASSERT_GT(nf, 30u);
  EXPECT_GT(spleen, 1.15 * liver);
  EXPECT_LT(fat, 0.7 * liver);

  // Arterial phase: the aorta far brighter than before contrast.
  const int pre = find_vol(s, "DCE_Pre"), art = find_vol(s, "DCE_Arterial");
  ASSERT_TRUE(pre >= 0 && art >= 0);
  EXPECT_GT(roi_mean(s.volumes[size_t(art)], Tissue::Aorta), 2.0 * roi_mean(s.volumes[size_t(pre)], Tissue::Aorta));

  // Real texture: the noise-free liver varies clearly more than the shape phantom's.
  double sd = 0;
  roi_mean(s.volumes[size_t(t2)], Tissue::Liver, nullptr, &sd);
  o.anatomy = "phantom";
  StudyTruth ph = render_study_truth(o, 0, true);
  const int ph_t2 = find_vol(ph, "T2WI_Fs");
  ASSERT_GE(ph_t2, 0);
  double ph_sd = 0;
  const double ph_liver = roi_mean(ph.volumes[size_t(ph_t2)], Tissue::Liver, nullptr, &ph_sd);
  EXPECT_GT(sd / liver, 0.03);
  EXPECT_GT(sd / liver, 2 * ph_sd / ph_liver) << "phantom liver sd " << ph_sd / ph_liver;
}

TEST(SynthAnatomy, FattyLiverIsDarkerOnOpposedThanOnInPhase) {
  SKIP_WITHOUT_SHARED();
  for (double ff : {0.25, 0.0}) {
    SynthOptions o = real_options();
    o.liver_fat_fraction = ff;
    o.max_slices = 12;
    StudyTruth s = render_study_truth(o, 1, true);
    const int ip = find_vol(s, "T1WI_In"), op = find_vol(s, "T1WI_Opp");
    ASSERT_TRUE(ip >= 0 && op >= 0);
    const double ratio = roi_mean(s.volumes[size_t(op)], Tissue::Liver) / roi_mean(s.volumes[size_t(ip)], Tissue::Liver);
    if (ff > 0) EXPECT_LT(ratio, 0.8) << "25% fat";
    else EXPECT_GT(ratio, 0.9) << "no fat: only R2* decay between the echoes";
  }
}

TEST(SynthAnatomy, StudiesDifferInShapeEvenFromOneSourceBody) {
  SKIP_WITHOUT_SHARED();
  const AnatomyLibrary& lib = anatomy_library(kShared);
  // Two studies on the same source body.
  std::vector<Phantom> same;
  for (std::uint64_t seed = 100; same.size() < 2 && seed < 160; ++seed) {
    Rng rng(seed);
    Phantom ph = build_anatomy_phantom(rng, 1.5, lib);
    if (ph.anatomy["body"] == lib.bodies[1].name) same.push_back(std::move(ph));
  }
  ASSERT_EQ(same.size(), 2u);
  const auto liver = static_cast<std::uint8_t>(Tissue::Liver);
  long both = 0, a = 0, b = 0;
  for (size_t n = 0; n < same[0].organs.label.size(); ++n) {
    bool x = same[0].organs.label[n] == liver, y = same[1].organs.label[n] == liver;
    a += x, b += y, both += x && y;
  }
  ASSERT_GT(a, 1000);
  const double dice = 2.0 * double(both) / double(a + b);
  EXPECT_LT(dice, 0.9) << "the livers of two studies on " << lib.bodies[1].name << " overlap almost entirely";
  EXPECT_GT(dice, 0.2) << "same body, same region";
}

TEST(SynthAnatomy, SameSeedAndIndexGiveIdenticalStudies) {
  SKIP_WITHOUT_SHARED();
  SynthOptions o = real_options();
  o.max_slices = 4;
  StudyTruth a = render_study_truth(o, 2, false), b = render_study_truth(o, 2, false);
  ASSERT_EQ(a.volumes.size(), b.volumes.size());
  EXPECT_EQ(a.json, b.json);
  for (size_t i = 0; i < a.volumes.size(); ++i) {
    EXPECT_EQ(a.volumes[i].image.voxels, b.volumes[i].image.voxels) << "volume " << i;
    EXPECT_EQ(a.volumes[i].tissue, b.volumes[i].tissue) << "volume " << i;
  }
  StudyTruth c = render_study_truth(o, 3, false);
  EXPECT_NE(a.json, c.json);
}

TEST(SynthAnatomy, MixKeepsThePhantomStudiesOfThePhantomMode) {
  SKIP_WITHOUT_SHARED();
  SynthOptions phantom = real_options(), mix = real_options();
  phantom.anatomy = "phantom";
  mix.anatomy = "mix";
  phantom.max_slices = mix.max_slices = 2;
  int real = 0, shape = 0;
  for (int index = 0; index < 8 && (real == 0 || shape == 0); ++index) {
    json m = json::parse(render_study_truth(mix, index, true).json);
    if (m["phantom"].contains("anatomy")) {
      ++real;
      continue;
    }
    ++shape;
    json p = json::parse(render_study_truth(phantom, index, true).json);
    m["options"].erase("anatomy");
    EXPECT_EQ(m, p) << "index " << index;
  }
  EXPECT_GT(real, 0);
  EXPECT_GT(shape, 0);
}

TEST(SynthAnatomy, MissingAnatomyDataIsAnErrorNotAFallback) {
  SynthOptions o;
  o.out_dir = (std::filesystem::temp_directory_path() / "mpmri-synth-no-anatomy").string();
  o.anatomy = "real";
  o.anatomy_dir = "/nonexistent/shared";
  std::filesystem::remove_all(o.out_dir);
  try {
    run_synth(o);
    FAIL() << "generated studies without anatomy data";
  } catch (const mpmri::Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
    EXPECT_NE(std::string(e.what()).find("anatomy source missing"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(o.out_dir)) << "nothing is written before the data are found";
  o.anatomy = "bogus";
  EXPECT_THROW(run_synth(o), mpmri::Error);
}
