#pragma once
// Small typed readers over a DCMTK item. Absent or malformed values come back empty, never throw:
// scanners meet every kind of broken header and must decide per file what to do.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mpmri::dicom {

std::string get_string(DcmItem* item, const DcmTagKey& tag, bool search_sub = false);
// All values of a multi-valued string, trimmed.
std::vector<std::string> get_strings(DcmItem* item, const DcmTagKey& tag, bool search_sub = false);
std::optional<double> get_number(DcmItem* item, const DcmTagKey& tag, unsigned long pos = 0, bool search_sub = false);
std::optional<int> get_int(DcmItem* item, const DcmTagKey& tag, bool search_sub = false);
// Reads `n` numeric values (DS/FD/FL...); empty when fewer are present.
std::optional<std::vector<double>> get_numbers(DcmItem* item, const DcmTagKey& tag, size_t n, bool search_sub = false);
// Exactly N numeric values (positions, orientations, spacings) as a fixed array; empty when fewer.
template <size_t N>
std::optional<std::array<double, N>> fixed(DcmItem* item, const DcmTagKey& tag) {
  auto v = get_numbers(item, tag, N);
  if (!v) return std::nullopt;
  std::array<double, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = (*v)[i];
  return out;
}

// First item of a sequence, or null.
DcmItem* first_item(DcmItem* item, const DcmTagKey& seq);

// Private tags are often stored with VR UN (explicit transfer syntaxes written by tools that did not
// know them); these read the raw bytes as text or as little-endian binary float/double.
std::optional<double> get_private_number(DcmItem* item, const DcmTagKey& tag, char binary_kind /* 'f','d',0=text */);
std::vector<unsigned char> get_bytes(DcmItem* item, const DcmTagKey& tag);

// DICOM TM "HHMMSS.frac" (also "HH:MM:SS") -> seconds since midnight.
std::optional<double> parse_tm(const std::string& tm);
// DICOM DT "YYYYMMDDHHMMSS.frac[+ZZZZ]" -> seconds since midnight of its day.
std::optional<double> parse_dt_time(const std::string& dt);

std::string upper(std::string s);
std::string trim(const std::string& s);

}  // namespace mpmri::dicom
