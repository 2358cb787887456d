#include "dicom/vendor.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "dicom/tags.hpp"

namespace mpmri::dicom {

namespace {
std::int32_t read_i32(const std::vector<unsigned char>& b, size_t at) {
  std::int32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
std::string tag_name(std::uint16_t g, std::uint16_t e) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "(%04X,%04X)", g, e);
  return buf;
}
bool contains(const std::string& hay, const char* needle) { return upper(hay).find(needle) != std::string::npos; }
}  // namespace

double ge_b_value(double raw) {
  // 10^9 is added as a flag; values such as 1000000800 mean b=800.
  double b = std::fmod(raw, 1e9);
  return b < 0 ? 0 : b;
}

std::map<std::string, std::vector<std::string>> parse_csa(const std::vector<unsigned char>& b) {
  std::map<std::string, std::vector<std::string>> out;
  size_t at = 0;
  bool csa2 = b.size() >= 4 && std::memcmp(b.data(), "SV10", 4) == 0;
  if (csa2) at = 8;
  if (b.size() < at + 8) return out;
  std::int32_t ntags = read_i32(b, at);
  at += 8;
  if (ntags < 1 || ntags > 1000) return out;
  std::int32_t csa1_first_x0 = -1;
  for (std::int32_t t = 0; t < ntags; ++t) {
    if (b.size() < at + 84) return out;
    char name[65] = {0};
    std::memcpy(name, b.data() + at, 64);
    std::int32_t nitems = read_i32(b, at + 76);
    at += 84;
    if (nitems < 0 || nitems > 10000) return out;
    std::vector<std::string> values;
    for (std::int32_t i = 0; i < nitems; ++i) {
      if (b.size() < at + 16) return out;
      std::int32_t x0 = read_i32(b, at), x1 = read_i32(b, at + 4);
      if (csa1_first_x0 < 0) csa1_first_x0 = x0;
      // CSA1 stores the length as an offset from the first item's x0; SV10 stores it directly.
      std::int32_t len = csa2 ? x1 : x0 - csa1_first_x0;
      at += 16;
      if (len < 0 || b.size() < at + static_cast<size_t>(len)) return out;
      std::string v(reinterpret_cast<const char*>(b.data() + at), static_cast<size_t>(len));
      v = trim(v);
      if (!v.empty()) values.push_back(v);
      at += (static_cast<size_t>(len) + 3) & ~size_t(3);
    }
    out[name] = std::move(values);
  }
  return out;
}

bool ge_diffusion_acquisition(DcmItem* ds) {
  auto any_of = [](const std::vector<std::string>& values, std::initializer_list<const char*> wanted) {
    for (const auto& v : values)
      for (const char* w : wanted)
        if (upper(trim(v)) == w) return true;
    return false;
  };
  if (any_of(get_strings(ds, DCM_ScanningSequence), {"EP"})) return true;
  if (any_of(get_strings(ds, DCM_ScanOptions), {"EPI_GEMS", "EPI2_GEMS"})) return true;
  if (any_of(get_strings(ds, DCM_ImageType), {"DIFFUSION"})) return true;
  if (get_private_number(ds, DcmTagKey(0x0019, 0x10BB), 0)) return true;  // diffusion gradient, frequency axis
  const std::string psd = upper(get_string(ds, DcmTagKey(0x0019, 0x109C)));  // PulseSequenceName: epi2, fgre, ...
  return psd.find("EPI") != std::string::npos || psd.find("DIFF") != std::string::npos;
}

bool canon_or_toshiba(const std::string& manufacturer) { return contains(manufacturer, "CANON") || contains(manufacturer, "TOSHIBA"); }

std::optional<BValue> classic_b_value(DcmItem* ds, const std::string& manufacturer) {
  if (auto v = get_number(ds, DCM_DiffusionBValue)) return BValue{*v, "(0018,9087)"};
  // GE fills slop_int_6..9 (0043,1039) on ordinary series too (a 2D dual-echo fgre holds [0, 32, 0, 0]): it is a
  // b-value only on a diffusion acquisition, as dcm2niix reads it (docs/vendor-quirks.md).
  if (contains(manufacturer, "GE") && ge_diffusion_acquisition(ds)) {
    if (auto v = get_private_number(ds, DcmTagKey(0x0043, 0x1039), 0)) return BValue{ge_b_value(*v), tag_name(0x0043, 0x1039)};
  }
  if (contains(manufacturer, "SIEMENS")) {
    if (auto v = get_private_number(ds, DcmTagKey(0x0019, 0x100C), 0)) return BValue{*v, tag_name(0x0019, 0x100C)};
    auto csa = parse_csa(get_bytes(ds, DcmTagKey(0x0029, 0x1010)));
    auto it = csa.find("B_value");
    if (it != csa.end() && !it->second.empty()) return BValue{std::atof(it->second[0].c_str()), "(0029,1010) CSA B_value"};
  }
  if (contains(manufacturer, "PHILIPS")) {
    if (auto v = get_private_number(ds, DcmTagKey(0x2001, 0x1003), 'f')) return BValue{*v, tag_name(0x2001, 0x1003)};
  }
  // Canon classic DICOM no longer fills (0018,9087): the b-value and gradient are in ImageComments as
  // "b=1500(0.445,0.000,0.895)" (dcm2niix Canon/README.md; dcm_qa_canon).
  if (canon_or_toshiba(manufacturer)) {
    const std::string comment = trim(get_string(ds, DCM_ImageComments));
    if (comment.size() > 2 && (comment[0] == 'b' || comment[0] == 'B') && comment[1] == '=') {
      char* end = nullptr;
      const double b = std::strtod(comment.c_str() + 2, &end);
      if (end != comment.c_str() + 2 && std::isfinite(b) && b >= 0 && b < 100000 && (*end == '(' || *end == '\0' || *end == ' '))
        return BValue{b, "(0020,4000) ImageComments"};
    }
  }
  if (contains(manufacturer, "UIH") || contains(manufacturer, "UNITED IMAGING")) {
    if (auto v = get_private_number(ds, DcmTagKey(0x0065, 0x1009), 'd')) return BValue{*v, tag_name(0x0065, 0x1009)};
  }
  return std::nullopt;
}

std::optional<std::array<double, 3>> classic_gradient(DcmItem* ds) {
  if (auto g = get_numbers(ds, DCM_DiffusionGradientOrientation, 3)) return std::array<double, 3>{(*g)[0], (*g)[1], (*g)[2]};
  // Philips private gradient (2005,10B0..B2) and GE (0019,10BB..BD).
  const std::uint16_t sets[2][4] = {{0x2005, 0x10B0, 0x10B1, 0x10B2}, {0x0019, 0x10BB, 0x10BC, 0x10BD}};
  for (const auto& s : sets) {
    char kind = s[0] == 0x2005 ? 'f' : 0;
    auto x = get_private_number(ds, DcmTagKey(s[0], s[1]), kind);
    auto y = get_private_number(ds, DcmTagKey(s[0], s[2]), kind);
    auto z = get_private_number(ds, DcmTagKey(s[0], s[3]), kind);
    if (x && y && z) return std::array<double, 3>{*x, *y, *z};
  }
  // UIH keeps the direction as FD triplet (0065,1037).
  if (auto g = get_numbers(ds, DcmTagKey(0x0065, 0x1037), 3)) return std::array<double, 3>{(*g)[0], (*g)[1], (*g)[2]};
  return std::nullopt;
}

}  // namespace mpmri::dicom
