#include "evidence/header_rules.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

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

std::string phase_or_field_map_type(const std::vector<std::string>& it) {
  // Value 3 of a classic MR ImageType says which component was reconstructed: M magnitude, P phase, R/I
  // real/imaginary (Siemens, Philips). Philips B0 maps put "B0 MAP" there (R5) or "B0\\B0" in values 3-4 (R11).
  if (it.size() > 2) {
    for (const char* t : {"P", "PHASE", "PHASE MAP", "B0 MAP", "B0MAP", "FIELD_MAP", "R", "I", "IMAGINARY", "REAL"})
      if (it[2] == t) return std::string("ImageType value 3 ") + t;
    if (it[2] == "B0" && it.size() > 3 && it[3] == "B0") return "ImageType B0\\B0";
  }
  // Enhanced MR frame types (value 4 and later) name the map outright.
  for (const char* t : {"FIELD_MAP", "B0_MAP", "B1_MAP", "PHASE_MAP"})
    if (has(it, t)) return std::string("ImageType ") + t;
  return "";
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

namespace {

// One volume's rules, in the order that later rules read earlier facts (diffusion before sequence,
// fat suppression before T2/chemical shift/DCE). Each method is one family of docs/decision.md.
class Rules {
 public:
  Rules(const VolumeInfo& v, const SeriesContext& series, const KeywordRules& keywords, const FusionParams& params)
      : v_(v), h_(v.header), it_(v.header.image_type), series_(series), params_(params),
        scan_(values_of(h_.scanning_sequence)), options_(values_of(h_.scan_options)),
        hits_(match_keywords(keywords, h_.series_description, h_.protocol_name)),
        words_(tokenize(h_.series_description + " " + h_.protocol_name)) {
    if (scan_.empty()) infer_scanning_sequence();
    f_.echo_time_ms = v.echo_time_ms();
    f_.b_value = v.b_value();
    f_.epi = has(scan_, "EP") || contains_ci(h_.sequence_name, "ep2d") || contains_ci(h_.sequence_name, "*ep") ||
             contains_ci(h_.sequence_name, "epi");
    f_.gre = has(scan_, "GR") && !f_.epi;
    f_.spin_echo = has(scan_, "SE") && !f_.epi;
    f_.inversion = has(scan_, "IR");
    f_.three_d = upper(h_.mr_acquisition_type) == "3D" || contains_ci(h_.sequence_name, "3d");
    f_.contrast_given = !h_.contrast_agent.empty() && upper(h_.contrast_agent) != "NONE";
    derived_ = !it_.empty() && it_[0] == "DERIVED";
    // A DCE word counts as "dynamic" unless the description also names a Dixon reconstruction or map
    // (Siemens t1_vibe_dixon_tra_bh_W is a water map, 'WATER: Ax LAVA-Flex' a dynamic phase).
    // TemporalPositionIdentifier 1 of 1 (enhanced field maps carry it) is not a dynamic run: the split key is
    // set only when the temporal position varies within the series.
    dynamic_ = f_.contrast_given || v.key.temporal_index || h_.number_of_temporal_positions.value_or(1) > 1 ||
               (keyword_fired("dce_family") && !keyword_fired("dixon_map") && !word("dixon"));
  }

  RuleResult run() {
    not_an_image();
    diffusion();
    field_map_acquisition();
    fat_suppression();
    dixon();
    if (!f_.diffusion && !f_.epi) {
      spin_echo_t2();
      chemical_shift();
      dce_candidate();
    }
    contrast();
    geometry();
    keywords();
    return {std::move(e_.evidence()), f_};
  }

 private:
  double lr(const char* name) const { return params_.lr(name); }
  bool keyword_fired(const char* id) const {
    return std::any_of(hits_.begin(), hits_.end(), [&](const KeywordHit& k) { return k.rule->id == id; });
  }
  bool word(const char* w) const { return std::find(words_.begin(), words_.end(), w) != words_.end(); }
  std::string te_text() const { return f_.echo_time_ms ? " TE " + fmt(*f_.echo_time_ms) + " ms" : std::string(); }

  // Enhanced MR objects carry no ScanningSequence (it became EchoPulseSequence, which the loader does not
  // read): fall back on the Philips ImageType family (M_FFE, M_SE, M_IR; reference Table 2) and on
  // sequence names, and say so.
  void infer_scanning_sequence() {
    std::string from;
    for (const auto& t : it_) {
      if (t == "M_FFE" || t == "FFE" || t == "R_FFE" || t == "T1_FFE" || t == "TFE") scan_.push_back("GR"), from = t;
      else if (t == "M_SE" || t == "SE" || t == "TSE") scan_.push_back("SE"), from = t;
      else if (t == "M_IR" || t == "IR") scan_.push_back("IR"), from = t;
    }
    if (scan_.empty()) {
      for (const char* w : {"ffe", "tfe", "fl3d", "fl2d", "gre", "fspgr", "spgr", "vibe", "lava", "thrive", "quick3d"})
        if (contains_ci(h_.sequence_name, w)) scan_.push_back("GR"), from = std::string("SequenceName ") + h_.sequence_name;
    }
    std::sort(scan_.begin(), scan_.end());
    scan_.erase(std::unique(scan_.begin(), scan_.end()), scan_.end());
    if (!scan_.empty()) e_.note("no ScanningSequence: " + joined(scan_) + " from " + (from.rfind("Seq", 0) == 0 ? from : "ImageType " + from));
  }

  // Objects that are not acquired magnitude MR images: decisive.
  void not_an_image() {
    if (h_.other_modality())
      e_.decisive(Label::Other, lr("decisive"), "Modality " + h_.modality + ": not MR, none of the liver MR classes");
    if (h_.sop_class_uid.rfind("1.2.840.10008.5.1.4.1.1.7", 0) == 0)
      e_.decisive(Label::Other, lr("decisive"), "secondary capture (SOP class " + h_.sop_class_uid + "): not a target");
    if (!h_.photometric.empty() && h_.photometric.rfind("MONOCHROME", 0) != 0)
      e_.decisive(Label::Other, lr("decisive"), "colour image (" + h_.photometric + "): a map or screenshot");
    if (has(it_, "LOCALIZER")) e_.decisive(Label::Other, lr("localizer"), "ImageType LOCALIZER");
    for (const char* t : {"MPR", "CSA MPR", "MIP", "PROJECTION IMAGE", "PROJECTION", "SUBTRACTION", "SUB", "REFORMATTED",
                          "MIP_COR", "MIP_SAG", "MIP_TRA", "MAX_IP", "MIN_IP", "MNIP", "COMBINED", "CSA MIP"}) {
      if (has(it_, t)) {
        e_.decisive(Label::Other, lr("derived_reformat"), std::string("ImageType ") + t + ": derived reformat/projection/subtraction");
        break;
      }
    }
    own_phase_or_map_ = phase_or_field_map_type(it_);
    if (!own_phase_or_map_.empty()) {
      e_.decisive(Label::Other, lr("derived_reformat"), own_phase_or_map_ + ": phase/field map, not a magnitude image");
      return;
    }
    for (const char* t : {"T1_MAP", "T2_MAP", "T2_STAR_MAP", "PROTON_DENSITY_MAP"}) {
      if (has(it_, t)) {
        e_.decisive(Label::Other, lr("derived_reformat"), std::string("ImageType ") + t + ": a parameter map, not a target");
        return;
      }
    }
  }

  // ADC and its relatives by image type, then the b-value chain. A gradient-echo EPI (FID sequence, or a TE
  // too short for diffusion encoding) is fMRI/perfusion even when ScanningSequence says SE.
  void diffusion() {
    const bool gre_epi = f_.epi && (contains_ci(h_.sequence_name, "fid") || has(scan_, "GR") ||
                                    (f_.echo_time_ms && *f_.echo_time_ms < 45));
    const bool adc = has(it_, "ADC") || has(it_, "ADC_SE") || has(it_, "ADC_UNSPECIFIED");
    const bool trace = has(it_, "TRACEW") || has(it_, "TRACE");
    const bool diffusion_type = has(it_, "DIFFUSION") || trace || adc;
    for (const char* t : {"EADC", "FA", "COLFA", "TENSOR", "TENSOR_B0", "EXP", "FA_SE", "CALC_BVAL_FA"}) {
      if (has(it_, t)) {
        e_.decisive(Label::Other, lr("decisive"), std::string("ImageType ") + t + ": diffusion map that is not ADC");
        f_.diffusion = true;
        return;
      }
    }
    const bool directional = !h_.diffusion_directionality.empty() && upper(h_.diffusion_directionality) != "NONE";
    const bool diffusion_sequence = (f_.epi && !gre_epi) || diffusion_type || directional ||
                                    contains_ci(h_.sequence_name, "ep_b") || contains_ci(h_.sequence_name, "diff");
    // A b-value means diffusion only where the acquisition can be diffusion-weighted. DiffusionBValue
    // (0018,9087) is carried on every frame by some converters and vendors (a Philips 3D T1 TFE dynamic phase
    // converted from enhanced MR holds b=0), and b=0 is what any image would have: b=0 counts as a low-b
    // diffusion image only beside other diffusion evidence (spin-echo EPI, a diffusion ImageType or
    // directionality, or a b > 0 in the same acquisition), and no b counts on a gradient echo that is not EPI
    // (clinical DWI is spin-echo EPI on every vendor; docs/decision.md). GE's (0043,1039) is already read only
    // for diffusion series by the loader (docs/vendor-quirks.md).
    if (f_.b_value) {
      const bool low = *f_.b_value < 1;
      const bool other_b_in_acquisition = series_.max_b && *series_.max_b >= 1;
      std::string why;
      if (low && gre_epi) why = "gradient-echo EPI";  // GE writes b=0 on every EPI
      else if (low && !diffusion_sequence && !other_b_in_acquisition) why = "no other diffusion evidence";
      else if (f_.gre && !diffusion_sequence) why = "a gradient echo that is not EPI";
      if (!why.empty()) {
        e_.note("b=" + b_text(*f_.b_value) + (h_.b_value_source.empty() ? "" : " in " + h_.b_value_source) + " ignored: " + why);
        f_.b_value.reset();
      }
    }
    if (adc) {
      e_.decisive(Label::ADC, lr("decisive"), "ImageType " + joined(it_) + ": ADC map");
      f_.diffusion = true;
    } else if (f_.b_value) {
      f_.diffusion = true;
      const double b = *f_.b_value, maxb = series_.max_b.value_or(b);
      std::string src = h_.b_value_source.empty() ? "" : " from " + h_.b_value_source;
      std::string of = series_.b_count > 1 ? "; highest b of " + std::to_string(series_.b_count) : "";
      if (b >= 400 && b >= maxb - 0.5)
        e_.support(Label::DWI_HighB, lr("b_high"), "b=" + b_text(b) + src + of);
      else if (b >= 400)
        e_.support(Label::Other, lr("b_not_highest"), "b=" + b_text(b) + src + ": not the highest b of the series (" + b_text(maxb) + ")");
      else
        e_.support(Label::Other, lr("b_low"), "b=" + b_text(b) + src + ": below 400 s/mm2 (low-b DWI)");
      if (trace) e_.note("ImageType TRACEW: trace-weighted");
    } else if (trace) {
      f_.diffusion = true;
      e_.support(Label::DWI_HighB, lr("trace_image_type"), "ImageType TRACEW without a b-value: trace-weighted DWI");
    } else if (diffusion_type || (f_.epi && !gre_epi && (has(scan_, "SE") || f_.echo_time_ms)) ||
               contains_ci(h_.sequence_name, "ep_b") || contains_ci(h_.sequence_name, "diff") || directional) {
      // Without a b-value the header cannot tell a high-b image from a b0/low-b one (Other) or from the ADC map
      // (de-identification and some vendors drop the b-value tags): it speaks for all three alike and
      // against the rest; the pixels and the ADC link decide between them.
      f_.diffusion = true;
      e_.support({Label::DWI_HighB, Label::ADC, Label::Other}, lr("diffusion_family"),
                 "diffusion family (" + (diffusion_type ? "ImageType " + joined(it_) : "spin-echo EPI" + te_text()) +
                     ") without a b-value: high b, low b or ADC");
    } else if (gre_epi) {
      e_.support(Label::Other, lr("epi_not_diffusion"),
                 "gradient-echo EPI" + te_text() + " without diffusion weighting (fMRI/perfusion): not a target");
    }
  }

  // Magnitude images of a B0 field-map acquisition: two (or more) gradient echoes whose TEs are chosen for the
  // phase difference, not for fat-water contrast, so a TE can land on an in-phase or opposed-phase value by
  // chance. The acquisition gives itself away by the phase or field-map images it stores next to the magnitude
  // (Siemens gre_field_mapping: a phase-difference series of the same protocol; Philips B0 map: FIELD_MAP
  // frames in the same enhanced object), or by the Siemens field-map sequence name *fm2d/*fm3d.
  // A diffusion volume keeps its b-value rules: phase export does not change what a DWI is.
  void field_map_acquisition() {
    if (!own_phase_or_map_.empty() || f_.diffusion) return;
    std::string why;
    if (!series_.field_map_sibling.empty()) why = "the acquisition also stores phase/field-map images (" + series_.field_map_sibling + ")";
    std::string seq = h_.sequence_name;
    for (char& c : seq) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = seq.rfind("*", 0) == 0 ? 1 : 0;
    if (why.empty() && seq.compare(at, 2, "fm") == 0 && seq.size() > at + 3 && (seq[at + 2] == '2' || seq[at + 2] == '3') &&
        seq[at + 3] == 'd')
      why = "SequenceName " + h_.sequence_name + " (Siemens field-mapping sequence)";
    if (why.empty()) return;
    field_map_ = true;
    e_.support(Label::Other, lr("field_map_acquisition"), "magnitude image of a B0 field-map acquisition: " + why + ": not a target");
  }

  // From the header, or from the words people use for it.
  void fat_suppression() {
    for (const auto& o : options_)
      if (o == "FS" || (o.rfind("FS", 0) == 0 && o.find("_GEMS") != std::string::npos)) fs_reason_ = "ScanOptions " + o;
    const std::string sss = upper(h_.spectrally_selected_suppression);
    if (fs_reason_.empty() && (sss == "FAT" || sss == "FAT_AND_WATER"))
      fs_reason_ = "SpectrallySelectedSuppression " + h_.spectrally_selected_suppression;
    if (fs_reason_.empty() && (upper(h_.acquisition_contrast) == "STIR" ||
                               (f_.inversion && h_.inversion_time_ms && *h_.inversion_time_ms >= 80 && *h_.inversion_time_ms <= 300)))
      fs_reason_ = "STIR (short-TI inversion recovery)";
    if (fs_reason_.empty())
      for (const char* w : {"fs", "spair", "spir", "fatsat", "stir", "tirm", "chemsat"})
        if (word(w)) fs_reason_ = std::string("'") + w + "' in the description";
    if (fs_reason_.empty() && keyword_fired("t2_fs")) fs_reason_ = "fat-suppression words in the description";
    // Only an explicit statement counts against fat suppression: vendors mark it in ScanOptions, private tags
    // or not at all, and de-identification drops ScanOptions, so an absent flag is no evidence either way.
    no_fat_suppression_stated_ = fs_reason_.empty() && (sss == "NONE" || sss == "WATER");
    dixon_water_ = has(it_, "WATER") || (it_.size() > 2 && (it_[2] == "W" || (has(it_, "DIXON") && has(it_, "W"))));
    if (dixon_water_ && dynamic_ && fs_reason_.empty()) fs_reason_ = "Dixon water image";
    f_.fat_suppressed = !fs_reason_.empty();
  }

  // Dixon image types name in/opposed-phase outright; fat maps, and water maps outside a dynamic run, are not targets.
  void dixon() {
    const bool fat = has(it_, "FAT") || (it_.size() > 2 && it_[2] == "F");
    dixon_phase_ = true;
    if (has(it_, "IN_PHASE") || has(it_, "IP"))
      e_.support(Label::T1WI_In, lr("dixon_type"), "Dixon ImageType " + joined(it_) + ": in-phase");
    else if (has(it_, "OUT_PHASE") || has(it_, "OP") || has(it_, "OPP"))
      e_.support(Label::T1WI_Opp, lr("dixon_type"), "Dixon ImageType " + joined(it_) + ": opposed-phase");
    else {
      dixon_phase_ = false;
      if (fat) e_.support(Label::Other, lr("dixon_type"), "Dixon ImageType " + joined(it_) + ": fat map");
      else if (dixon_water_ && !dynamic_) e_.support(Label::Other, lr("dixon_type"), "Dixon ImageType " + joined(it_) + ": water map");
    }
  }

  // T2-weighted spin echo. TE >= 40 ms: T2 FSE/SSFSE (80-100 ms) and STIR (50-70 ms); T1/PD spin echo stays below.
  void spin_echo_t2() {
    const auto tr = h_.repetition_time_ms;
    const auto te = f_.echo_time_ms;
    if ((f_.spin_echo || (f_.inversion && !f_.gre)) && te && *te >= 40 && (!tr || *tr >= 800)) {
      std::string what = "spin-echo TE " + fmt(*te) + " ms";
      if (*te >= 400 || h_.slice_thickness_mm.value_or(0) >= 20)
        e_.support(Label::Other, lr("thick_slab"),
                   what + (h_.slice_thickness_mm ? ", " + fmt(*h_.slice_thickness_mm) + " mm slab" : "") + ": heavily T2-weighted (MRCP)");
      else if (f_.fat_suppressed)
        e_.support(Label::T2WI_Fs, lr("t2_fat_suppressed"), what + " with fat suppression (" + fs_reason_ + "): T2-weighted FS");
      else if (no_fat_suppression_stated_)
        e_.support(Label::Other, lr("t2_not_fat_suppressed"),
                   what + ", SpectrallySelectedSuppression " + h_.spectrally_selected_suppression + ": T2-weighted, not FS");
      else {
        e_.support({Label::T2WI_Fs, Label::Other}, lr("t2_not_fat_suppressed"),
                   what + ": T2-weighted; fat suppression not recorded (an absent flag is no evidence), FS or not");
        // People name fat suppression where they use it (t2_tse_fs, T2W_SPAIR, Ax T2 FS, T2 STIR: reference
        // Table 2); a description that names the series but no fat suppression leans, weakly, to "not FS".
        // A stripped description says nothing.
        const std::string& named = !h_.series_description.empty() ? h_.series_description : h_.protocol_name;
        if (!named.empty())
          e_.support(Label::Other, lr("t2_no_fs_word"), "no fat-suppression word in '" + named + "'");
      }
    }
    if (f_.gre && f_.inversion && h_.inversion_time_ms && *h_.inversion_time_ms > 300)
      e_.support(Label::Other, lr("ir_prepared_gre"), "inversion-prepared GRE TI " + fmt(*h_.inversion_time_ms) + " ms (MPRAGE-like): not a target");
  }

  // Non-fat-suppressed T1 GRE with a short TR: the phase of fat against water at this TE. A derived image
  // without a Dixon IP/OP type may be an in/opposed reconstruction (GE LAVA-Flex) or a water/fat map that
  // inherited the same TE (Canon WFS): the TE then counts only weakly.
  void chemical_shift() {
    const auto tr = h_.repetition_time_ms;
    const auto te = f_.echo_time_ms;
    const auto& cs = params_.chemical_shift;
    if (!f_.gre || f_.fat_suppressed || !te || !tr || *tr > cs.max_tr_ms || dixon_phase_) return;
    // In/opposed phase is an acquisition (dual echo, Dixon, or a pair of single-echo series), not a TE: the
    // 3D GRE of a dynamic run uses TE 1.1-2.3 ms, right on the opposed/in-phase points at 1.5 and 3 T.
    if (dynamic_ || f_.contrast_given) {
      e_.note("T1 GRE of a dynamic or contrast-enhanced run: its TE says nothing of in/opposed phase");
      return;
    }
    if (f_.inversion && h_.inversion_time_ms.value_or(0) > 0) return;
    // A TE of 0 is no echo (computed maps carry it); a decisive rule (phase map, localizer, reformat, ADC) or a
    // field-map acquisition already says what the image is, and its TE must not pair it as an in/opposed echo.
    if (*te <= 0 || e_.evidence().decisive || field_map_) return;
    // An in/opposed-phase acquisition has one or two echoes, both within the in/opposed range. Three or more
    // TEs are a multi-echo T2*/fat-fraction or field-map series; two TEs with the partner beyond the range
    // (e.g. 4.92/7.38 ms at 3 T) are a field-map or T2* pair: a TE landing on in/opposed there is chance.
    const auto& tes = series_.echo_times;
    if (tes.size() > 2) {
      e_.note("GRE with " + std::to_string(tes.size()) + " echo times: a multi-echo (T2*, fat-fraction or field-map) series, "
              "not an in/opposed-phase pair");
      return;
    }
    if (tes.size() == 2) {
      const double partner = std::abs(tes[0] - *te) < 0.01 ? tes[1] : tes[0];
      const auto pc = fat_water_cycles(h_, partner, cs.fat_ppm);
      if (pc && *pc > cs.max_cycles) {
        e_.note("echo pair TE " + fmt(tes[0]) + "/" + fmt(tes[1]) + " ms: the second echo lies beyond the in/opposed range (" +
                fmt(*pc, 2) + " fat-water cycles), so not an in/opposed-phase pair");
        return;
      }
    }
    const bool weak = derived_;
    // An acquired single-echo image is in/opposed only beside the other phase: the study-level pairing
    // (same geometry, the other TE) gives the support; alone, its TE is no evidence.
    const bool awaits_partner = !weak && series_.echo_times.size() < 2;
    const double strength = weak ? lr("chemical_shift_derived") : lr("chemical_shift_phase");
    const std::string derived_note = weak ? "; derived image, so water/fat maps may share this TE" : "";
    f_.fat_water_cycles = fat_water_cycles(h_, *te, cs.fat_ppm);
    if (!f_.fat_water_cycles) {
      f_.chemical_shift = ChemicalShift::Ambiguous;
      e_.note("T1 GRE TE " + fmt(*te) + " ms: no field strength or frequency to place it in/opposed");
      return;
    }
    const double c = *f_.fat_water_cycles, frac = c - std::floor(c);
    if (c > cs.max_cycles) return;
    std::string at = "TE " + fmt(*te) + " ms at " +
                     (h_.field_strength_t ? fmt(*h_.field_strength_t > 100 ? *h_.field_strength_t / 1e4 : *h_.field_strength_t, 2) + " T"
                                          : fmt(*h_.imaging_frequency_mhz) + " MHz");
    std::string cyc = " (" + fmt(c, 2) + " fat-water cycles" + derived_note + ")";
    // A derived image at this TE may be the Dixon in/opposed-phase image or its water or fat map (Other): when
    // nothing else names it (GE and de-identified Dixon keep W/F only in descriptions or private tags), the TE
    // speaks for both alike.
    auto phase = [&](Label l, const char* what) {
      if (awaits_partner) {
        f_.chemical_shift_awaits_partner = true;
        e_.note(at + what + cyc + "; single echo: counts only paired with the other phase");
        return;
      }
      e_.support(weak ? std::vector<Label>{l, Label::Other} : std::vector<Label>{l}, strength, at + what + cyc);
    };
    if (std::abs(frac - 0.5) <= cs.margin_cycles) {
      f_.chemical_shift = ChemicalShift::Opposed;
      phase(Label::T1WI_Opp, ": opposed-phase");
    } else if (c >= 1 - cs.margin_cycles && (frac <= cs.margin_cycles || frac >= 1 - cs.margin_cycles)) {
      f_.chemical_shift = ChemicalShift::In;
      phase(Label::T1WI_In, ": in-phase");
    } else {
      f_.chemical_shift = ChemicalShift::Ambiguous;
      e_.note(at + ": neither in- nor opposed-phase" + cyc);
    }
    if (!weak && f_.chemical_shift != ChemicalShift::Ambiguous && series_.echo_times.size() >= 2)
      e_.support(f_.chemical_shift == ChemicalShift::In ? Label::T1WI_In : Label::T1WI_Opp, lr("dual_echo"),
                 "multi-echo series (" + std::to_string(series_.echo_times.size()) + " TEs)");
  }

  // 3D T1 GRE with a short TR that is fat-suppressed or part of a dynamic run. Phases are acquired
  // (ORIGINAL) or Dixon water images; other derived 3D GRE are subtractions or reformats.
  void dce_candidate() {
    const auto tr = h_.repetition_time_ms;
    const bool dce_like = f_.gre && f_.three_d && tr && *tr < 15 && f_.chemical_shift != ChemicalShift::In &&
                          (f_.fat_suppressed || dynamic_) && !(f_.inversion && h_.inversion_time_ms.value_or(0) > 300);
    if (!dce_like) return;
    if (derived_ && !dixon_water_) {
      e_.support(Label::Other, lr("derived_secondary"),
                 "derived 3D GRE (ImageType " + joined(it_) + "), not a Dixon water image: subtraction or reformat, not an acquired phase");
      return;
    }
    f_.dce_candidate = true;
    e_.support(kDce, lr("dce_candidate"), "3D GRE TR " + fmt(*tr) + " ms" +
               (f_.fat_suppressed ? " with fat suppression (" + fs_reason_ + ")" : " in a dynamic run") + ": DCE candidate");
  }

  void contrast() {
    if (!h_.contrast_phase.empty()) {
      const std::string p = upper(h_.contrast_phase);
      const std::pair<const char*, Label> phases[] = {{"PRE_CONTRAST", Label::DCE_Pre}, {"ARTERIAL", Label::DCE_Arterial},
                                                      {"PORTAL_VENOUS", Label::DCE_Portal}, {"DELAYED", Label::DCE_Delayed},
                                                      {"HEPATOBILIARY", Label::Other}};
      for (auto& [name, l] : phases)
        if (p == name) e_.support(l, lr("contrast_phase_tag"), "ContrastBolusAgentPhase " + h_.contrast_phase);
    }
    // A dynamic series carries one ContrastBolusAgent for all its time points, the pre-contrast one included.
    const bool one_of_a_dynamic_series = v_.key.temporal_index || v_.volumes_in_series > 1;
    const bool before_injection = h_.contrast_start_time_s && h_.acquisition_time_s && *h_.acquisition_time_s < *h_.contrast_start_time_s;
    if (f_.contrast_given && (f_.dce_candidate || keyword_fired("dce_family")) && !one_of_a_dynamic_series && !before_injection)
      e_.against(Label::DCE_Pre, lr("contrast_agent_present"), "ContrastBolusAgent '" + h_.contrast_agent + "': contrast given, not pre-contrast");
  }

  // Localizers, non-axial planes, other body parts, derived images.
  void geometry() {
    const auto tr = h_.repetition_time_ms;
    const size_t slices = v_.slices.size();
    if (f_.gre && slices > 0 && slices <= 3 && tr && *tr < 50)
      e_.support(Label::Other, lr("localizer_geometry"), std::to_string(slices) + "-slice fast GRE (TR " + fmt(*tr) + " ms): localizer");
    else if (contains_ci(h_.sequence_name, "fl2d1") && !contains_ci(h_.sequence_name, "fl2d1r") && slices <= 5)
      e_.support(Label::Other, lr("localizer_geometry"), "SequenceName " + h_.sequence_name + " with " + std::to_string(slices) + " slices: localizer");
    // The loader sets the orientation key only when one series mixes planes: a tri-plane localizer or a
    // set of reformats, never one of the nine (single-plane) acquisitions.
    if (!v_.key.orientation.empty())
      e_.support(Label::Other, lr("multi_orientation"), "series mixes orientations (this one " + v_.key.orientation + "): localizer or reformats");
    if (contains_ci(h_.sequence_name, "tfi2d1"))
      e_.support(Label::Other, lr("localizer_geometry"), "SequenceName " + h_.sequence_name + ": TrueFISP localizer");
    if (v_.plane == "coronal" || v_.plane == "sagittal")
      e_.support(Label::Other, lr("non_axial"), v_.plane + " plane: the nine classes are axial in typical protocols");
    const std::string bp = upper(h_.body_part);
    if (bp == "HEAD" || bp == "BRAIN" || bp == "KNEE" || bp == "SPINE" || bp == "CSPINE" || bp == "BREAST")
      e_.support(Label::Other, lr("non_liver_body_part"), "BodyPartExamined " + h_.body_part + ": not the liver");
    if (has(it_, "DERIVED") && has(it_, "SECONDARY") && !f_.diffusion && !e_.evidence().decisive)
      e_.support(Label::Other, lr("derived_secondary"), "ImageType DERIVED\\SECONDARY: a derived image");
  }

  void keywords() {
    for (const auto& k : hits_)
      e_.support(k.rule->labels, k.rule->lr, "'" + k.pattern + "' in " + k.field + " '" + k.text + "' [rule " + k.rule->id + "]");
  }

  const VolumeInfo& v_;
  const HeaderInfo& h_;
  const std::vector<std::string>& it_;
  const SeriesContext& series_;
  const FusionParams& params_;
  std::vector<std::string> scan_;
  const std::vector<std::string> options_;
  const std::vector<KeywordHit> hits_;
  const std::vector<std::string> words_;
  EvidenceBuilder e_;
  VolumeFacts f_;
  bool derived_ = false, dynamic_ = false, dixon_water_ = false, dixon_phase_ = false, field_map_ = false;
  bool no_fat_suppression_stated_ = false;
  std::string fs_reason_, own_phase_or_map_;
};

}  // namespace

RuleResult header_rules(const VolumeInfo& v, const SeriesContext& series, const KeywordRules& keywords,
                        const FusionParams& params) {
  return Rules(v, series, keywords, params).run();
}

}  // namespace mpmri::evidence
