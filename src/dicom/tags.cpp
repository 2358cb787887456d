#include "dicom/tags.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace mpmri::dicom {

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (std::isspace(static_cast<unsigned char>(s[b])) || s[b] == '\0')) ++b;
  while (e > b && (std::isspace(static_cast<unsigned char>(s[e - 1])) || s[e - 1] == '\0')) --e;
  return s.substr(b, e - b);
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string get_string(DcmItem* item, const DcmTagKey& tag, bool search_sub) {
  if (!item) return {};
  DcmElement* elem = nullptr;
  if (item->findAndGetElement(tag, elem, search_sub).bad() || !elem) return {};
  OFString value;
  if (elem->getOFStringArray(value).bad()) return {};
  return trim(value.c_str());
}

std::vector<std::string> get_strings(DcmItem* item, const DcmTagKey& tag, bool search_sub) {
  std::vector<std::string> out;
  std::string all = get_string(item, tag, search_sub);
  if (all.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t bs = all.find('\\', start);
    out.push_back(trim(all.substr(start, bs == std::string::npos ? std::string::npos : bs - start)));
    if (bs == std::string::npos) break;
    start = bs + 1;
  }
  return out;
}

std::optional<double> get_number(DcmItem* item, const DcmTagKey& tag, unsigned long pos, bool search_sub) {
  if (!item) return std::nullopt;
  DcmElement* elem = nullptr;
  if (item->findAndGetElement(tag, elem, search_sub).bad() || !elem) return std::nullopt;
  if (pos >= elem->getVM()) return std::nullopt;
  Float64 v = 0;
  switch (elem->ident()) {
    case EVR_DS: case EVR_FD: case EVR_OD: case EVR_FL: case EVR_OF:
      if (elem->getFloat64(v, pos).good()) return v;
      {
        Float32 f = 0;
        if (elem->getFloat32(f, pos).good()) return f;
      }
      return std::nullopt;
    case EVR_IS: case EVR_SL: {
      Sint32 i = 0;
      if (elem->getSint32(i, pos).good()) return i;
      return std::nullopt;
    }
    case EVR_US: {
      Uint16 u = 0;
      if (elem->getUint16(u, pos).good()) return u;
      return std::nullopt;
    }
    case EVR_UL: {
      Uint32 u = 0;
      if (elem->getUint32(u, pos).good()) return u;
      return std::nullopt;
    }
    case EVR_SS: {
      Sint16 s = 0;
      if (elem->getSint16(s, pos).good()) return s;
      return std::nullopt;
    }
    default: {
      // Text-like VRs (or UN) holding a number: parse the pos-th backslash-separated value.
      OFString s;
      if (elem->getOFString(s, pos).bad()) return std::nullopt;
      std::string t = trim(s.c_str());
      if (t.empty()) return std::nullopt;
      char* end = nullptr;
      double d = std::strtod(t.c_str(), &end);
      if (end == t.c_str()) return std::nullopt;
      return d;
    }
  }
}

std::optional<int> get_int(DcmItem* item, const DcmTagKey& tag, bool search_sub) {
  auto d = get_number(item, tag, 0, search_sub);
  // A corrupt header can hold any number (found by fuzzing: 4.2e9 in an int field); out of range means absent.
  if (!d || !std::isfinite(*d) || *d < double(std::numeric_limits<int>::min()) ||
      *d > double(std::numeric_limits<int>::max()))
    return std::nullopt;
  return static_cast<int>(*d);
}

std::optional<std::vector<double>> get_numbers(DcmItem* item, const DcmTagKey& tag, size_t n, bool search_sub) {
  std::vector<double> out;
  for (size_t i = 0; i < n; ++i) {
    auto v = get_number(item, tag, i, search_sub);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

DcmItem* first_item(DcmItem* item, const DcmTagKey& seq) {
  if (!item) return nullptr;
  DcmItem* out = nullptr;
  if (item->findAndGetSequenceItem(seq, out, 0).bad()) return nullptr;
  return out;
}

std::vector<unsigned char> get_bytes(DcmItem* item, const DcmTagKey& tag) {
  std::vector<unsigned char> out;
  if (!item) return out;
  DcmElement* elem = nullptr;
  if (item->findAndGetElement(tag, elem).bad() || !elem) return out;
  Uint8* data = nullptr;
  // getUint8Array works for OB/UN; for other VRs DCMTK refuses and we fall back to the string form.
  if (elem->getUint8Array(data).good() && data) {
    out.assign(data, data + elem->getLength());
    return out;
  }
  OFString s;
  if (elem->getOFStringArray(s).good()) out.assign(s.begin(), s.end());
  return out;
}

std::optional<double> get_private_number(DcmItem* item, const DcmTagKey& tag, char binary_kind) {
  if (!item) return std::nullopt;
  DcmElement* elem = nullptr;
  if (item->findAndGetElement(tag, elem).bad() || !elem) return std::nullopt;
  if (elem->ident() != EVR_UN && elem->ident() != EVR_OB && elem->ident() != EVR_UNKNOWN) return get_number(item, tag);
  auto bytes = get_bytes(item, tag);
  if (binary_kind == 'f' && bytes.size() >= 4) {
    float f;
    std::memcpy(&f, bytes.data(), 4);  // x86/ARM hosts are little endian, as are these transfer syntaxes
    return f;
  }
  if (binary_kind == 'd' && bytes.size() >= 8) {
    double d;
    std::memcpy(&d, bytes.data(), 8);
    return d;
  }
  std::string t(bytes.begin(), bytes.end());
  t = trim(t.substr(0, t.find('\\')));
  if (t.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end == t.c_str()) return std::nullopt;
  return d;
}

std::optional<double> parse_tm(const std::string& raw) {
  std::string tm;
  for (char c : trim(raw)) if (c != ':') tm.push_back(c);
  if (tm.size() < 2 || !std::isdigit(static_cast<unsigned char>(tm[0]))) return std::nullopt;
  auto two = [&](size_t at) -> int {
    if (tm.size() < at + 2) return 0;
    return (tm[at] - '0') * 10 + (tm[at + 1] - '0');
  };
  for (size_t i = 0; i < std::min<size_t>(tm.size(), 6); ++i)
    if (!std::isdigit(static_cast<unsigned char>(tm[i]))) return std::nullopt;
  double s = two(0) * 3600.0 + two(2) * 60.0 + two(4);
  if (tm.size() > 6 && tm[6] == '.') s += std::strtod(tm.c_str() + 6, nullptr);
  return s;
}

std::optional<double> parse_dt_time(const std::string& raw) {
  std::string dt = trim(raw);
  if (dt.size() < 10) return std::nullopt;
  std::string tm = dt.substr(8);
  auto zone = tm.find_first_of("+-");
  if (zone != std::string::npos) tm = tm.substr(0, zone);
  return parse_tm(tm);
}

}  // namespace mpmri::dicom
