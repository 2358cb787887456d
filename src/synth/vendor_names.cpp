#include "vendor_names.hpp"

#include <string>

#include "mpmri/error.hpp"

namespace mpmri::synth {

namespace {
using IT = std::vector<std::string>;

std::string join_b(const std::vector<int>& b, const char* sep) {
  std::string s;
  for (size_t i = 0; i < b.size(); ++i) s += (i ? sep : "") + std::to_string(b[i]);
  return s;
}
int bmax(const std::vector<int>& b) { return b.empty() ? 800 : b.back(); }

Naming siemens(const NameContext& c) {
  Naming n;
  const bool v = c.variant % 2;
  if (c.kind == "localizer") {
    n = {"localizer", "localizer", v ? "*tfi2d1_192" : "*fl2d1", v ? "GR" : "GR", v ? "SK" : "SP", "", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
  } else if (c.kind == "t2_nofs_cor") {
    n = {"t2_haste_cor_bh", "t2_haste_cor_bh", "*h2d1_256", "SE", "SK\\SP\\OSP", "PFP\\SAT2", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
  } else if (c.kind == "t2_nofs_ax") {
    n = v ? Naming{"t2_haste_tra_bh", "t2_haste_tra_bh", "*h2d1_256", "SE", "SK\\SP\\OSP", "PFP", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}}
          : Naming{"t2_tse_tra_trig", "t2_tse_tra_trig", "*tse2d1_21", "SE", "SK\\SP\\OSP", "PFP\\RT", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
  } else if (c.kind == "inopp_2d") {
    std::string base = "t1_fl2d_opp-in_tra_bh";
    n = {base, base, "*fl2d2", "GR", "SP\\OSP", "", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
    if (!c.one_series) n.description = base + (c.phase == "in" ? "_in" : "_opp");
  } else if (c.kind == "dixon_3d") {
    std::string base = "t1_vibe_dixon_tra_bh";
    n = {base + (c.phase == "in" ? "_in" : "_opp"), base, "*fl3d2", "GR", "SP\\OSP", "",
         {"ORIGINAL", "PRIMARY", "M", c.phase == "in" ? "IN_PHASE" : "OUT_PHASE", "NORM", "DIS2D"}};
    if (c.one_series) n.description = base;
  } else if (c.kind == "dixon_water" || c.kind == "dixon_fat") {
    bool w = c.kind == "dixon_water";
    n = {std::string("t1_vibe_dixon_tra_bh_") + (w ? "W" : "F"), "t1_vibe_dixon_tra_bh", "*fl3d2", "GR", "SP\\OSP", "",
         {"DERIVED", "PRIMARY", "DIXON", w ? "WATER" : "FAT", "NORM", "DIS2D"}};
  } else if (c.kind == "t2fs") {
    if (c.fatsup == FatSup::Stir) n = {"t2_tirm_tra_bh", "t2_tirm_tra_bh", "*tir2d1_13", "SE\\IR", "SK\\SP\\MP", "IR\\PFP", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
    else if (c.single_shot) n = {"t2_haste_fs_tra_bh", "t2_haste_fs_tra_bh", "*h2d1_256", "SE", "SK\\SP\\OSP", "PFP\\FS", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
    else n = {v ? "t2_tse_fs_tra_rt" : "t2_tse_fs_tra_bh", "t2_tse_fs_tra", "*tse2d1_17", "SE", "SK\\SP\\OSP", "PFP\\FS", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
  } else if (c.kind == "mrcp") {
    n = {"t2_haste_cor_mrcp_thick_slab", "t2_haste_cor_mrcp", "*h2d1_256", "SE", "SK\\SP\\OSP", "PFP\\FS", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
  } else if (c.kind == "dwi") {
    std::string base = "ep2d_diff_b" + join_b(c.bvalues, "_") + "_tra";
    n = {base + "_TRACEW", base, "*ep_b" + std::to_string(c.bvalue) + "t", "EP", "SK\\SP", "PFP\\FS",
         {"ORIGINAL", "PRIMARY", "DIFFUSION", "TRACEW", "ND", "NORM"}};
  } else if (c.kind == "adc") {
    std::string base = "ep2d_diff_b" + join_b(c.bvalues, "_") + "_tra";
    n = {base + "_ADC", base, "*ep_b" + std::to_string(c.bvalues.front()) + "_" + std::to_string(bmax(c.bvalues)), "EP", "SK\\SP", "PFP\\FS",
         {"DERIVED", "PRIMARY", "DIFFUSION", "ADC", "ND", "NORM"}};
  } else if (c.kind == "dce" || c.kind == "hbp") {
    std::string base = c.one_series ? "t1_vibe_fs_tra_bh_dyn" : "t1_vibe_fs_tra_bh";
    n = {base, base, c.one_series ? "*fldyn3d1" : "*fl3d1", "GR", "SP\\OSP", "PFP\\FS", {"ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"}};
    if (!c.one_series && v) {
      static const std::pair<const char*, const char*> sfx[] = {{"pre", "_pre"}, {"arterial", "_art"}, {"portal", "_pv"}, {"delayed", "_3min"}, {"hbp", "_20min"}};
      for (auto& [p, s] : sfx)
        if (c.phase == p) n.description += s;
    } else if (c.kind == "hbp") {
      n.description += "_20min";
    }
  } else if (c.kind == "subtraction") {
    n = {"t1_vibe_fs_tra_bh_SUB", "t1_vibe_fs_tra_bh", "*fl3d1", "GR", "SP\\OSP", "PFP\\FS", {"DERIVED", "PRIMARY", "M", "SUB", "NORM", "DIS2D"}};
  }
  return n;
}

Naming ge(const NameContext& c) {
  Naming n;
  const bool v = c.variant % 2;
  const IT orig = {"ORIGINAL", "PRIMARY", "OTHER"};
  if (c.kind == "localizer") n = {"3-Pl Loc", "ABD LIVER", "3-Plane", "GR", "SS", "FAST_GEMS", {"ORIGINAL", "PRIMARY", "LOCALIZER"}};
  else if (c.kind == "t2_nofs_cor") n = {"Cor SSFSE BH", "ABD LIVER", "ssfse", "SE", "SK", "FAST_GEMS\\NPW_GEMS\\PFF", orig};
  else if (c.kind == "t2_nofs_ax") n = {v ? "Ax SSFSE BH" : "Ax T2 FRFSE", "ABD LIVER", v ? "ssfse" : "frfse", "SE", "SK", "FAST_GEMS\\NPW_GEMS", orig};
  else if (c.kind == "inopp_2d") {
    n = {"AX DUAL ECHO BH", "ABD LIVER", "fgrs", "GR", "SS\\SP", "FAST_GEMS", orig};
    if (!c.one_series) n.description = c.phase == "in" ? "AX InPhase" : "AX OutPhase";
  } else if (c.kind == "dixon_3d") {
    n = {c.phase == "in" ? "InPhase: BH Ax LAVA-Flex" : "OutPhase: BH Ax LAVA-Flex", "ABD LIVER", "efgre3d", "GR", "SS\\SK", "FAST_GEMS\\ACC_GEMS\\EDR_GEMS",
         {"DERIVED", "PRIMARY", "DIXON", c.phase == "in" ? "IN_PHASE" : "OUT_PHASE"}};
  } else if (c.kind == "dixon_water" || c.kind == "dixon_fat") {
    bool w = c.kind == "dixon_water";
    n = {std::string(w ? "WATER" : "FAT") + ": BH Ax LAVA-Flex", "ABD LIVER", "efgre3d", "GR", "SS\\SK", "FAST_GEMS\\ACC_GEMS\\EDR_GEMS",
         {"DERIVED", "PRIMARY", "DIXON", w ? "WATER" : "FAT"}};
  } else if (c.kind == "t2fs") {
    if (c.fatsup == FatSup::Stir) n = {"Ax T2 STIR ASSET", "ABD LIVER", "fse-ir", "SE\\IR", "SK", "IR_GEMS\\FAST_GEMS\\NPW_GEMS", orig};
    else if (c.single_shot) n = {"Ax SSFSE FS BH", "ABD LIVER", "ssfse", "SE", "SK", "FAST_GEMS\\FS", orig};
    else n = {v ? "Ax T2 FRFSE FS" : "AX T2 FSE fs RTr", "ABD LIVER", "frfse", "SE", "SK", "FAST_GEMS\\FS\\NPW_GEMS", orig};
  } else if (c.kind == "mrcp") n = {"Cor SSFSE MRCP thick slab", "ABD LIVER", "ssfse", "SE", "SK", "FAST_GEMS\\FS", orig};
  else if (c.kind == "dwi") n = {v ? "OAx DWI Asset" : "AX DWI " + join_b(c.bvalues, "-"), "ABD LIVER", "epi2", "EP\\SE", "SK", "EPI_GEMS\\ACC_GEMS\\FS", orig};
  else if (c.kind == "adc") n = {v ? "Apparent Diffusion Coefficient (mm2/s)" : "ADC (10^-6 mm2/s)", "ABD LIVER", "epi2", "EP\\SE", "SK", "EPI_GEMS\\ACC_GEMS\\FS", {"DERIVED", "PRIMARY", "ADC"}};
  else if (c.kind == "dce" || c.kind == "hbp") {
    if (c.one_series) n = {"Ax LAVA MPh BH", "ABD LIVER", "efgre3d", "GR", "SS\\SK", "FAST_GEMS\\ACC_GEMS\\FS\\MP_GEMS", orig};
    else {
      static const std::pair<const char*, const char*> nm[] = {{"pre", "Ph1/Ax LAVA"}, {"arterial", "Ph2/Ax LAVA"}, {"portal", "Ph3/Ax LAVA"}, {"delayed", "Ax LAVA 3min"}, {"hbp", "Ax LAVA 20min HBP"}};
      n = {"Ax LAVA", "ABD LIVER", "efgre3d", "GR", "SS\\SK", "FAST_GEMS\\ACC_GEMS\\FS", orig};
      for (auto& [p, s] : nm)
        if (c.phase == p) n.description = s;
      if (!v && c.phase != "hbp") n.description = "Ax LAVA BH";
    }
  } else if (c.kind == "subtraction") n = {"SUB 2", "ABD LIVER", "efgre3d", "GR", "SS\\SK", "FAST_GEMS\\FS", {"DERIVED", "SECONDARY", "COMBINED"}};
  return n;
}

Naming philips(const NameContext& c) {
  Naming n;
  const bool v = c.variant % 2;
  const IT ffe = {"ORIGINAL", "PRIMARY", "M_FFE", "M", "FFE"}, se = {"ORIGINAL", "PRIMARY", "M_SE", "M", "SE"};
  if (c.kind == "localizer") n = {"SURVEY", "SURVEY", "", "GR", "SS", "", ffe};
  else if (c.kind == "t2_nofs_cor") n = {"T2W_SSH_COR BH", "T2W_SSH_COR BH", "", "SE", "SK", "", se};
  else if (c.kind == "t2_nofs_ax") n = {v ? "T2W_TSE_TRA" : "sT2W_SSH_TRA BH", v ? "T2W_TSE_TRA" : "sT2W_SSH_TRA BH", "", "SE", "SK", "", se};
  else if (c.kind == "inopp_2d") {
    n = {"T1_FFE_IP_OP BH", "T1_FFE_IP_OP BH", "", "GR", "SP", "", ffe};
    if (!c.one_series) n.description = c.phase == "in" ? "T1_FFE_IP BH" : "T1_FFE_OP BH";
  } else if (c.kind == "dixon_3d") {
    std::string t = c.phase == "in" ? "IP" : "OP";
    n = {"mDIXON_TRA_BH_" + t, "mDIXON_TRA_BH", "", "GR", "SP", "", {"DERIVED", "PRIMARY", t, t, "DERIVED"}};
  } else if (c.kind == "dixon_water" || c.kind == "dixon_fat") {
    std::string t = c.kind == "dixon_water" ? "W" : "F";
    n = {"mDIXON_TRA_BH_" + t, "mDIXON_TRA_BH", "", "GR", "SP", "", {"DERIVED", "PRIMARY", t, t, "DERIVED"}};
  } else if (c.kind == "t2fs") {
    if (c.fatsup == FatSup::Stir) n = {"T2W_STIR_TRA", "T2W_STIR_TRA", "", "SE\\IR", "SK", "IR", {"ORIGINAL", "PRIMARY", "M_IR", "M", "IR"}};
    else n = {c.fatsup == FatSup::Spir ? "T2W_SPIR_TRA" : (v ? "T2W_SPAIR" : "eT2W_SPAIR SENSE"), "T2W_SPAIR", "", "SE", "SK", "FS", se};
  } else if (c.kind == "mrcp") n = {"MRCP_SSh_thick slab", "MRCP_SSh_thick slab", "", "SE", "SK", "FS", se};
  else if (c.kind == "dwi") n = {v ? "DWI_b" + join_b(c.bvalues, "_") + " SENSE" : "dSSh_DWI", "DWI", "", "SE\\EP", "SK", "FS", se};
  else if (c.kind == "adc") n = {v ? "dADC" : "dADC Map", "DWI", "", "SE\\EP", "SK", "FS", {"ORIGINAL", "PRIMARY", "ADC_SE", "ADC", "SE"}};
  else if (c.kind == "dce" || c.kind == "hbp") {
    n = {c.one_series ? "eTHRIVE_BH dyn" : "eTHRIVE_BH", "eTHRIVE_BH", "", "GR", "SP", "FS", ffe};
    if (!c.one_series && c.phase == "pre") n.description = "eTHRIVE_BH pre";
    if (c.phase == "hbp") n.description = "eTHRIVE_BH HBP 20min";
    else if (c.phase == "delayed" && v) n.description = "eTHRIVE_BH 5min";
  } else if (c.kind == "subtraction") n = {"eTHRIVE_BH SUB", "eTHRIVE_BH", "", "GR", "SP", "FS", {"DERIVED", "PRIMARY", "SUBTRACTION", "M", "FFE"}};
  return n;
}

Naming plain(const NameContext& c) {
  Naming n;
  const IT orig = {"ORIGINAL", "PRIMARY"}, der = {"DERIVED", "PRIMARY"};
  if (c.kind == "localizer") n = {"LOCALIZER", "", "", "GR", "NONE", "", orig};
  else if (c.kind == "t2_nofs_cor") n = {"T2 COR", "", "", "SE", "NONE", "", orig};
  else if (c.kind == "t2_nofs_ax") n = {"T2 AX", "", "", "SE", "NONE", "", orig};
  else if (c.kind == "inopp_2d" || c.kind == "dixon_3d") n = {c.one_series ? "T1 DUAL" : (c.phase == "in" ? "T1 IN" : "T1 OUT"), "", "", "GR", "NONE", "", orig};
  else if (c.kind == "dixon_water") n = {"WATER", "", "", "GR", "NONE", "", der};
  else if (c.kind == "dixon_fat") n = {"FAT", "", "", "GR", "NONE", "", der};
  else if (c.kind == "t2fs") n = {"T2 FS", "", "", c.fatsup == FatSup::Stir ? "IR" : "SE", "NONE", c.fatsup == FatSup::Stir ? "" : "FS", orig};
  else if (c.kind == "mrcp") n = {"MRCP", "", "", "SE", "NONE", "FS", orig};
  else if (c.kind == "dwi") n = {"DWI", "", "", "EP", "NONE", "FS", orig};
  else if (c.kind == "adc") n = {"ADC", "", "", "EP", "NONE", "FS", der};
  else if (c.kind == "dce" || c.kind == "hbp") {
    n = {"T1 DYN", "", "", "GR", "NONE", "FS", orig};
    if (!c.one_series) {
      static const std::pair<const char*, const char*> nm[] = {{"pre", "T1 PRE"}, {"arterial", "ARTERIAL"}, {"portal", "PORTAL"}, {"delayed", "DELAYED"}, {"hbp", "HBP"}};
      for (auto& [p, s] : nm)
        if (c.phase == p) n.description = s;
    }
  } else if (c.kind == "subtraction") n = {"SUB", "", "", "GR", "NONE", "FS", der};
  return n;
}

// Canon (Toshiba) style: held out of the train domain.
Naming canon(const NameContext& c) {
  Naming n;
  const IT orig = {"ORIGINAL", "PRIMARY", "OTHER"};
  if (c.kind == "localizer") n = {"Locator", "Locator", "FE2D", "GR", "SP", "", {"ORIGINAL", "PRIMARY", "LOCALIZER"}};
  else if (c.kind == "t2_nofs_cor") n = {"FASE_COR_BH", "FASE_COR_BH", "FASE2D", "SE", "SK", "", orig};
  else if (c.kind == "t2_nofs_ax") n = {"FASE_AX_BH", "FASE_AX_BH", "FASE2D", "SE", "SK", "", orig};
  else if (c.kind == "inopp_2d" || c.kind == "dixon_3d") {
    n = {"FFE2D_DUAL_ECHO", "FFE2D_DUAL_ECHO", c.kind == "dixon_3d" ? "FE3D" : "FE2D", "GR", "SP", "", orig};
    if (!c.one_series) n.description = c.phase == "in" ? "T1 In-Phase" : "T1 Out-Phase";
  } else if (c.kind == "dixon_water" || c.kind == "dixon_fat") {
    n = {c.kind == "dixon_water" ? "WFS_W" : "WFS_F", "WFS", "FE3D", "GR", "SP", "", {"DERIVED", "PRIMARY", "OTHER"}};
  } else if (c.kind == "t2fs") {
    if (c.fatsup == FatSup::Stir) n = {"FASE_STIR_AX", "FASE_STIR_AX", "FASE2D", "IR", "SK", "IR", orig};
    else n = {"T2_FASE_FS_AX", "T2_FASE_FS_AX", "FASE2D", "SE", "SK", "FS", orig};
  } else if (c.kind == "mrcp") n = {"MRCP_2D_THICK", "MRCP_2D_THICK", "FASE2D", "SE", "SK", "FS", orig};
  else if (c.kind == "dwi") n = {"DWI_b" + join_b(c.bvalues, "_"), "DWI", "SE_EPI", "EP", "SK", "FS", orig};
  else if (c.kind == "adc") n = {"ADC", "DWI", "SE_EPI", "EP", "SK", "FS", {"DERIVED", "SECONDARY", "OTHER"}};
  else if (c.kind == "dce" || c.kind == "hbp") {
    static const std::pair<const char*, const char*> nm[] = {{"pre", "Quick3D pre"}, {"arterial", "Quick3D art"}, {"portal", "Quick3D PV"}, {"delayed", "Quick3D del"}, {"hbp", "Quick3D HBP"}};
    n = {"Quick3D dyn", "Quick3D", "FE3D", "GR", "SP", "FS", orig};
    if (!c.one_series || c.phase == "hbp")
      for (auto& [p, s] : nm)
        if (c.phase == p) n.description = s;
  } else if (c.kind == "subtraction") n = {"Quick3D SUB", "Quick3D", "FE3D", "GR", "SP", "FS", {"DERIVED", "SECONDARY", "OTHER"}};
  return n;
}
}  // namespace

Naming vendor_naming(Vendor v, const NameContext& c) {
  switch (v) {
    case Vendor::Siemens: return siemens(c);
    case Vendor::GE: return ge(c);
    case Vendor::Philips: return philips(c);
    case Vendor::Plain: return plain(c);
    case Vendor::Canon: return canon(c);
  }
  return plain(c);
}

std::string vendor_model(Vendor v, double field_t, int variant) {
  const bool hi = field_t > 2;
  switch (v) {
    case Vendor::Siemens: return hi ? (variant % 2 ? "Skyra" : "Prisma") : (variant % 2 ? "Aera" : "Avanto_fit");
    case Vendor::GE: return hi ? "DISCOVERY MR750" : (variant % 2 ? "SIGNA Artist" : "Optima MR450w");
    case Vendor::Philips: return hi ? "Ingenia" : (variant % 2 ? "Achieva" : "Ingenia");
    case Vendor::Plain: return "";
    case Vendor::Canon: return hi ? "Vantage Galan 3T" : "Vantage Orian";
  }
  return "";
}

Vendor vendor_from_name(const std::string& n) {
  if (n == "siemens") return Vendor::Siemens;
  if (n == "ge") return Vendor::GE;
  if (n == "philips") return Vendor::Philips;
  if (n == "plain") return Vendor::Plain;
  if (n == "canon") return Vendor::Canon;
  throw Error(ErrorKind::Usage, "unknown vendor '" + n + "' (siemens, ge, philips, plain, canon)");
}

const char* vendor_name(Vendor v) {
  switch (v) {
    case Vendor::Siemens: return "SIEMENS";
    case Vendor::GE: return "GE MEDICAL SYSTEMS";
    case Vendor::Philips: return "Philips Medical Systems";
    case Vendor::Plain: return "";
    case Vendor::Canon: return "CANON_MEC";
  }
  return "";
}

}  // namespace mpmri::synth
