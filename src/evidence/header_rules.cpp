#include "evidence/header_rules.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "evidence/keywords.hpp"

namespace mpmri::evidence {

namespace {

constexpr double kGammaMhzPerT = 42.577;  // proton gyromagnetic ratio / 2pi
const std::vector<Label> kDce = {Label::DCE_Pre, Label::DCE_Arterial, Label::DCE_Portal, Label::DCE_Delayed};

bool has(const std::vector<std::string>& values, const char* v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Multi-valued tags arrive as "GR\\SE" or "GR SE"; split on both.
std::vector<std::string> values_of(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : upper(s)) {
    if (c == '\\' || c == ' ' || c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool contains_ci(const std::string& hay, const char* needle) { return upper(hay).find(upper(needle)) != std::string::npos; }

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : "\\") + x;
  return s;
}

std::string b_text(double b) { return fmt(b < 1 ? 0 : std::round(b), 6); }

}  // namespace

std::string fmt(double v, int significant) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

void EvidenceBuilder::support(Label l, double lr, const std::string& note) {
  ev_.likelihood[index_of(l)] *= lr;
  ev_.notes.push_back(note);
}
void EvidenceBuilder::support(const std::vector<Label>& ls, double lr, const std::string& note) {
  for (Label l : ls) ev_.likelihood[index_of(l)] *= lr;
  ev_.notes.push_back(note);
}
void EvidenceBuilder::against(Label l, double lr, const std::string& note) {
  ev_.likelihood[index_of(l)] /= lr;
  ev_.notes.push_back(note);
}
void EvidenceBuilder::decisive(Label l, double lr, const std::string& note) {
  support(l, lr, note);
  ev_.decisive = true;
}

std::optional<double> fat_water_cycles(const HeaderInfo& h, double te_ms, double fat_ppm) {
  std::optional<double> f0_hz;
  if (h.imaging_frequency_mhz && *h.imaging_frequency_mhz > 0) {
    // Some vendors (UIH) write ImagingFrequency in Hz instead of MHz.
    double f = *h.imaging_frequency_mhz;
    f0_hz = f > 1e5 ? f : f * 1e6;
  } else if (h.field_strength_t && *h.field_strength_t > 0) {
    // Field strength in gauss (e.g. 15000) appears in old headers.
    double b0 = *h.field_strength_t > 100 ? *h.field_strength_t / 1e4 : *h.field_strength_t;
    f0_hz = b0 * kGammaMhzPerT * 1e6;
  }
  if (!f0_hz) return std::nullopt;
  return te_ms * 1e-3 * fat_ppm * 1e-6 * *f0_hz;
}

std::vector<SeriesContext> series_contexts(const std::vector<VolumeResult>& volumes) {
  // Some exports put each b-value of one DWI acquisition in its own series with one description: the
  // context spans the acquisition family (description, protocol, matrix), not only the series UID.
  std::map<std::string, SeriesContext> by_series;
  std::map<std::string, std::set<long>> bs, tes;
  auto family = [](const VolumeInfo& v) {
    const auto& h = v.header;
    if (h.series_description.empty() && h.protocol_name.empty()) return h.series_uid;
    return h.study_uid + "|" + h.series_description + "|" + h.protocol_name + "|" + std::to_string(v.matrix[0]) + "x" +
           std::to_string(v.matrix[1]);
  };
  for (const auto& v : volumes) {
    const auto& h = v.info.header;
    const std::string key = family(v.info);
    auto& ctx = by_series[key];
    auto b = v.info.key.b_value ? v.info.key.b_value : h.b_value;
    if (b) {
      if (!ctx.max_b || *b > *ctx.max_b) ctx.max_b = b;
      bs[key].insert(std::lround(*b));
    }
    auto te = v.info.key.echo_time_ms ? v.info.key.echo_time_ms : h.echo_time_ms;
    if (te) tes[key].insert(std::lround(*te * 100));
  }
  for (auto& [uid, ctx] : by_series) {
    ctx.b_count = static_cast<int>(bs[uid].size());
    for (long t : tes[uid]) ctx.echo_times.push_back(t / 100.0);
  }
  std::vector<SeriesContext> out;
  for (const auto& v : volumes) out.push_back(by_series[family(v.info)]);
  return out;
}

RuleResult header_rules(const VolumeInfo& v, const SeriesContext& series, const KeywordRules& keywords,
                        const FusionParams& params) {
  const HeaderInfo& h = v.header;
  EvidenceBuilder e;
  VolumeFacts f;
  const auto& it = h.image_type;
  const auto scan = values_of(h.scanning_sequence);
  const auto options = values_of(h.scan_options);
  f.echo_time_ms = v.key.echo_time_ms ? v.key.echo_time_ms : h.echo_time_ms;
  f.b_value = v.key.b_value ? v.key.b_value : h.b_value;
  f.epi = has(scan, "EP") || contains_ci(h.sequence_name, "ep2d") || contains_ci(h.sequence_name, "*ep") ||
          contains_ci(h.sequence_name, "epi");
  f.gre = has(scan, "GR") && !f.epi;
  f.spin_echo = has(scan, "SE") && !f.epi;
  f.inversion = has(scan, "IR");
  f.three_d = upper(h.mr_acquisition_type) == "3D" || contains_ci(h.sequence_name, "3d");
  f.contrast_given = !h.contrast_agent.empty() && upper(h.contrast_agent) != "NONE";
  auto hits = match_keywords(keywords, h.series_description, h.protocol_name);
  auto keyword_fired = [&](const char* id) {
    return std::any_of(hits.begin(), hits.end(), [&](const KeywordHit& k) { return k.rule->id == id; });
  };
  const auto words = tokenize(h.series_description + " " + h.protocol_name);
  auto word = [&](const char* w) { return std::find(words.begin(), words.end(), w) != words.end(); };

  // Objects that are not acquired MR images at all: decisive.
  if (h.sop_class_uid.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0)
    e.decisive(Label::Other, params.lr("decisive"), "secondary capture (SOP class " + h.sop_class_uid + "): not a target");
  if (!h.photometric.empty() && h.photometric.rfind("MONOCHROME", 0) != 0)
    e.decisive(Label::Other, params.lr("decisive"), "colour image (" + h.photometric + "): a map or screenshot");
  if (has(it, "LOCALIZER"))
    e.decisive(Label::Other, params.lr("localizer"), "ImageType LOCALIZER");
  for (const char* t : {"MPR", "CSA MPR", "MIP", "PROJECTION IMAGE", "PROJECTION", "SUBTRACTION", "SUB", "REFORMATTED",
                        "MIP_COR", "MIP_SAG", "MIP_TRA", "MAX_IP", "MIN_IP", "MNIP", "COMBINED", "CSA MIP"}) {
    if (has(it, t)) {
      e.decisive(Label::Other, params.lr("derived_reformat"), std::string("ImageType ") + t + ": derived reformat/projection/subtraction");
      break;
    }
  }
  for (const char* t : {"P", "PHASE", "PHASE MAP", "B0 MAP", "B0MAP", "FIELD_MAP", "R", "I", "IMAGINARY", "REAL"}) {
    if (it.size() > 2 && it[2] == t) {
      e.decisive(Label::Other, params.lr("derived_reformat"), std::string("ImageType value 3 ") + t + ": phase/field map, not a magnitude image");
      break;
    }
  }

  // Diffusion: ADC and its relatives by image type, then the b-value chain. A gradient-echo EPI (FID
  // sequence, or a TE too short for diffusion encoding) is fMRI/perfusion even when ScanningSequence says SE.
  const bool gre_epi = f.epi && (contains_ci(h.sequence_name, "fid") || has(scan, "GR") ||
                                 (f.echo_time_ms && *f.echo_time_ms < 45));
  const bool adc = has(it, "ADC") || has(it, "ADC_SE") || has(it, "ADC_UNSPECIFIED");
  const bool diffusion_type = has(it, "DIFFUSION") || has(it, "TRACEW") || has(it, "TRACE") || adc;
  for (const char* t : {"EADC", "FA", "COLFA", "TENSOR", "TENSOR_B0", "EXP", "FA_SE", "CALC_BVAL_FA"}) {
    if (has(it, t)) {
      e.decisive(Label::Other, params.lr("decisive"), std::string("ImageType ") + t + ": diffusion map that is not ADC");
      f.diffusion = true;
      break;
    }
  }
  if (adc && !f.diffusion) {
    e.decisive(Label::ADC, params.lr("decisive"), "ImageType " + joined(it) + ": ADC map");
    f.diffusion = true;
  } else if (f.b_value && !f.diffusion && !(gre_epi && *f.b_value < 1)) {  // GE writes b=0 on every EPI
    f.diffusion = true;
    const double b = *f.b_value, maxb = series.max_b.value_or(b);
    std::string src = h.b_value_source.empty() ? "" : " from " + h.b_value_source;
    std::string of = series.b_count > 1 ? "; highest b of " + std::to_string(series.b_count) : "";
    if (b >= 400 && b >= maxb - 0.5) {
      e.support(Label::DWI_HighB, params.lr("b_high"), "b=" + b_text(b) + src + of);
    } else if (b >= 400) {
      e.support(Label::Other, params.lr("b_not_highest"),
                "b=" + b_text(b) + src + ": not the highest b of the series (" + b_text(maxb) + ")");
    } else {
      e.support(Label::Other, params.lr("b_low"), "b=" + b_text(b) + src + ": below 400 s/mm2 (low-b DWI)");
    }
    if (has(it, "TRACEW") || has(it, "TRACE")) e.note("ImageType TRACEW: trace-weighted");
  } else if (!f.diffusion && (has(it, "TRACEW") || has(it, "TRACE"))) {
    f.diffusion = true;
    e.support(Label::DWI_HighB, params.lr("trace_image_type"), "ImageType TRACEW without a b-value: trace-weighted DWI");
  } else if (!f.diffusion && (diffusion_type || (f.epi && !gre_epi && (has(scan, "SE") || f.echo_time_ms)) ||
                              contains_ci(h.sequence_name, "ep_b") ||
                              contains_ci(h.sequence_name, "diff") ||
                              (!h.diffusion_directionality.empty() && upper(h.diffusion_directionality) != "NONE"))) {
    f.diffusion = true;
    e.support({Label::DWI_HighB, Label::ADC}, params.lr("diffusion_family"),
              "diffusion family (" + (diffusion_type ? "ImageType " + joined(it) : "spin-echo EPI" + (f.echo_time_ms ? " TE " + fmt(*f.echo_time_ms) + " ms" : std::string())) +
                  ") without a b-value");
  }
  if (f.epi && !f.diffusion) {
    if (gre_epi)
      e.support(Label::Other, params.lr("epi_not_diffusion"),
                "gradient-echo EPI" + (f.echo_time_ms ? " TE " + fmt(*f.echo_time_ms) + " ms" : std::string()) +
                    " without diffusion weighting (fMRI/perfusion): not a target");
  }

  // Fat suppression from the header, or from the words people use for it.
  std::string fs_reason;
  for (const auto& o : options)
    if (o == "FS" || (o.rfind("FS", 0) == 0 && o.find("_GEMS") != std::string::npos)) fs_reason = "ScanOptions " + o;
  if (fs_reason.empty() && (upper(h.spectrally_selected_suppression) == "FAT" || upper(h.spectrally_selected_suppression) == "FAT_AND_WATER"))
    fs_reason = "SpectrallySelectedSuppression " + h.spectrally_selected_suppression;
  if (fs_reason.empty() && (upper(h.acquisition_contrast) == "STIR" ||
                            (f.inversion && h.inversion_time_ms && *h.inversion_time_ms >= 80 && *h.inversion_time_ms <= 300)))
    fs_reason = "STIR (short-TI inversion recovery)";
  if (fs_reason.empty())
    for (const char* w : {"fs", "spair", "spir", "fatsat", "stir", "tirm", "chemsat"})
      if (word(w)) fs_reason = std::string("'") + w + "' in the description";
  if (fs_reason.empty() && keyword_fired("t2_fs")) fs_reason = "fat-suppression words in the description";
  const bool dixon_water = has(it, "WATER") || (it.size() > 2 && (it[2] == "W" || (has(it, "DIXON") && has(it, "W"))));
  const bool dixon_fat = has(it, "FAT") || (it.size() > 2 && it[2] == "F");
  const bool dynamic = f.contrast_given || v.key.temporal_index || h.temporal_index ||
                       h.number_of_temporal_positions.value_or(1) > 1 || keyword_fired("dce_family");
  if (dixon_water && dynamic && fs_reason.empty()) fs_reason = "Dixon water image";
  f.fat_suppressed = !fs_reason.empty();

  // Dixon image types name in/opposed-phase outright; fat maps, and water maps outside a dynamic run, are not targets.
  if (has(it, "IN_PHASE") || has(it, "IP")) e.support(Label::T1WI_In, params.lr("dixon_type"), "Dixon ImageType " + joined(it) + ": in-phase");
  else if (has(it, "OUT_PHASE") || has(it, "OP") || has(it, "OPP")) e.support(Label::T1WI_Opp, params.lr("dixon_type"), "Dixon ImageType " + joined(it) + ": opposed-phase");
  else if (dixon_fat) e.support(Label::Other, params.lr("dixon_type"), "Dixon ImageType " + joined(it) + ": fat map");
  else if (dixon_water && !dynamic) e.support(Label::Other, params.lr("dixon_type"), "Dixon ImageType " + joined(it) + ": water map");

  const auto tr = h.repetition_time_ms;
  const auto te = f.echo_time_ms;
  if (!f.diffusion && !f.epi) {
    // T2-weighted spin echo: long TE; fat-suppressed or not.
    // TE >= 40 ms: T2-weighted FSE/SSFSE (80-100 ms) and STIR (50-70 ms); T1/PD spin echo stays below.
    if ((f.spin_echo || (f.inversion && !f.gre)) && te && *te >= 40 && (!tr || *tr >= 800)) {
      std::string what = "spin-echo TE " + fmt(*te) + " ms";
      if (*te >= 400 || h.slice_thickness_mm.value_or(0) >= 20)
        e.support(Label::Other, params.lr("thick_slab"), what + (h.slice_thickness_mm ? ", " + fmt(*h.slice_thickness_mm) + " mm slab" : "") + ": heavily T2-weighted (MRCP)");
      else if (f.fat_suppressed)
        e.support(Label::T2WI_Fs, params.lr("t2_fat_suppressed"), what + " with fat suppression (" + fs_reason + "): T2-weighted FS");
      else
        e.support(Label::Other, params.lr("t2_not_fat_suppressed"), what + " without fat suppression: T2-weighted, not FS");
    }
    if (f.gre && f.inversion && h.inversion_time_ms && *h.inversion_time_ms > 300)
      e.support(Label::Other, params.lr("ir_prepared_gre"), "inversion-prepared GRE TI " + fmt(*h.inversion_time_ms) + " ms (MPRAGE-like): not a target");

    // In/opposed phase: non-fat-suppressed T1 GRE with a short TR; the phase of fat against water at this TE.
    // A derived image (water/fat map, subtraction) inherits the TE of its source; only Dixon IP/OP types
    // (handled above) make a derived image in/opposed-phase.
    const bool derived = !it.empty() && it[0] == "DERIVED";
    const auto& cs = params.chemical_shift;
    const bool dixon_phase = has(it, "IN_PHASE") || has(it, "IP") || has(it, "OUT_PHASE") || has(it, "OP") || has(it, "OPP");
    if (f.gre && derived && !dixon_phase && !f.fat_suppressed && te && tr && *tr <= cs.max_tr_ms)
      e.note("derived GRE image: its TE " + fmt(*te) + " ms does not make it in/opposed-phase");
    if (f.gre && !derived && !f.fat_suppressed && te && tr && *tr <= cs.max_tr_ms && !(f.inversion && h.inversion_time_ms.value_or(0) > 0)) {
      f.fat_water_cycles = fat_water_cycles(h, *te, cs.fat_ppm);
      if (!f.fat_water_cycles) {
        f.chemical_shift = ChemicalShift::Ambiguous;
        e.note("T1 GRE TE " + fmt(*te) + " ms: no field strength or frequency to place it in/opposed");
      } else if (*f.fat_water_cycles <= cs.max_cycles) {
        const double c = *f.fat_water_cycles, frac = c - std::floor(c);
        std::string at = "TE " + fmt(*te) + " ms at " +
                         (h.field_strength_t ? fmt(*h.field_strength_t > 100 ? *h.field_strength_t / 1e4 : *h.field_strength_t, 2) + " T"
                                             : fmt(*h.imaging_frequency_mhz) + " MHz");
        std::string cyc = " (" + fmt(c, 2) + " fat-water cycles)";
        if (std::abs(frac - 0.5) <= cs.margin_cycles) {
          f.chemical_shift = ChemicalShift::Opposed;
          e.support(Label::T1WI_Opp, params.lr("chemical_shift_phase"), at + ": opposed-phase" + cyc);
        } else if (c >= 1 - cs.margin_cycles && (frac <= cs.margin_cycles || frac >= 1 - cs.margin_cycles)) {
          f.chemical_shift = ChemicalShift::In;
          e.support(Label::T1WI_In, params.lr("chemical_shift_phase"), at + ": in-phase" + cyc);
        } else {
          f.chemical_shift = ChemicalShift::Ambiguous;
          e.note(at + ": neither in- nor opposed-phase" + cyc);
        }
        if (f.chemical_shift != ChemicalShift::Ambiguous && series.echo_times.size() >= 2)
          e.support(f.chemical_shift == ChemicalShift::In ? Label::T1WI_In : Label::T1WI_Opp, params.lr("dual_echo"),
                    "multi-echo series (" + std::to_string(series.echo_times.size()) + " TEs)");
      }
    }

    // DCE: 3D T1 GRE with a short TR that is fat-suppressed or part of a dynamic run.
    const bool dce_like = f.gre && f.three_d && tr && *tr < 15 && f.chemical_shift != ChemicalShift::In &&
                          (f.fat_suppressed || dynamic) && !(f.inversion && h.inversion_time_ms.value_or(0) > 300);
    if (dce_like && derived && !dixon_water) {
      // Phases are acquired (ORIGINAL), or Dixon water images; other derived 3D GRE are subtractions/reformats.
      e.support(Label::Other, params.lr("derived_secondary"), "derived 3D GRE (ImageType " + joined(it) + "), not a Dixon water image: subtraction or reformat, not an acquired phase");
    } else if (dce_like) {
      f.dce_candidate = true;
      e.support(kDce, params.lr("dce_candidate"), "3D GRE TR " + fmt(*tr) + " ms" +
                (f.fat_suppressed ? " with fat suppression (" + fs_reason + ")" : " in a dynamic run") + ": DCE candidate");
    }
  }
  if (!h.contrast_phase.empty()) {
    const std::string p = upper(h.contrast_phase);
    const std::pair<const char*, Label> phases[] = {{"PRE_CONTRAST", Label::DCE_Pre}, {"ARTERIAL", Label::DCE_Arterial},
                                                    {"PORTAL_VENOUS", Label::DCE_Portal}, {"DELAYED", Label::DCE_Delayed},
                                                    {"HEPATOBILIARY", Label::Other}, {"POST_CONTRAST", Label::Other}};
    for (auto& [name, l] : phases)
      if (p == name && (l != Label::Other || p == "HEPATOBILIARY"))
        e.support(l, params.lr("contrast_phase_tag"), "ContrastBolusAgentPhase " + h.contrast_phase);
  }
  // A dynamic series carries one ContrastBolusAgent for all its time points, the pre-contrast one included.
  const bool one_of_a_dynamic_series = v.key.temporal_index || v.volumes_in_series > 1;
  const bool before_injection = h.contrast_start_time_s && h.acquisition_time_s && *h.acquisition_time_s < *h.contrast_start_time_s;
  if (f.contrast_given && (f.dce_candidate || keyword_fired("dce_family")) && !one_of_a_dynamic_series && !before_injection)
    e.against(Label::DCE_Pre, params.lr("contrast_agent_present"), "ContrastBolusAgent '" + h.contrast_agent + "': contrast given, not pre-contrast");

  // Geometry: localizers and non-axial planes.
  const size_t slices = v.slices.size();
  if (f.gre && slices > 0 && slices <= 3 && tr && *tr < 50)
    e.support(Label::Other, params.lr("localizer_geometry"), std::to_string(slices) + "-slice fast GRE (TR " + fmt(*tr) + " ms): localizer");
  else if (contains_ci(h.sequence_name, "fl2d1") && !contains_ci(h.sequence_name, "fl2d1r") && slices <= 5)
    e.support(Label::Other, params.lr("localizer_geometry"), "SequenceName " + h.sequence_name + " with " + std::to_string(slices) + " slices: localizer");
  // The loader sets the orientation key only when one series mixes planes: a tri-plane localizer or a
  // set of reformats, never one of the nine (single-plane) acquisitions.
  if (!v.key.orientation.empty())
    e.support(Label::Other, params.lr("multi_orientation"), "series mixes orientations (this one " + v.key.orientation + "): localizer or reformats");
  if (contains_ci(h.sequence_name, "tfi2d1"))
    e.support(Label::Other, params.lr("localizer_geometry"), "SequenceName " + h.sequence_name + ": TrueFISP localizer");
  if (v.plane == "coronal" || v.plane == "sagittal")
    e.support(Label::Other, params.lr("non_axial"), v.plane + " plane: the nine classes are axial in typical protocols");
  const std::string bp = upper(h.body_part);
  if (bp == "HEAD" || bp == "BRAIN" || bp == "KNEE" || bp == "SPINE" || bp == "CSPINE" || bp == "BREAST")
    e.support(Label::Other, params.lr("non_liver_body_part"), "BodyPartExamined " + h.body_part + ": not the liver");
  if (has(it, "DERIVED") && has(it, "SECONDARY") && !f.diffusion && !e.evidence().decisive)
    e.support(Label::Other, params.lr("derived_secondary"), "ImageType DERIVED\\SECONDARY: a derived image");

  for (const auto& k : hits) {
    std::string n = "'" + k.pattern + "' in " + k.field + " '" + k.text + "' [rule " + k.rule->id + "]";
    e.support(k.rule->labels, k.rule->lr, n);
  }
  return {std::move(e.evidence()), f};
}

}  // namespace mpmri::evidence
