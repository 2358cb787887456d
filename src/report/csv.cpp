// RFC 4180 reader for the files our writers produce and the truth files users write by hand or in Excel.
#include <fstream>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/report.hpp"

namespace mpmri {

int CsvTable::column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {
std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}
}  // namespace

CsvTable parse_csv(const std::string& input) {
  // Excel writes a UTF-8 byte-order mark; it would otherwise become part of the first column name.
  std::string_view text(input);
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::vector<std::string>> records;
  std::vector<int> starts;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false, field_started = false;
  int line = 1, record_line = 1;
  auto end_field = [&] {
    record.push_back(field);
    field.clear();
    field_started = false;
  };
  auto end_record = [&] {
    end_field();
    bool blank = record.size() == 1 && trim(record[0]).empty();
    if (!blank) {
      records.push_back(std::move(record));
      starts.push_back(record_line);
    }
    record.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      in_quotes = field_started = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r') {
      // CRLF line ends: the \n that follows ends the record.
    } else if (c == '\n') {
      end_record();
      record_line = ++line;
    } else {
      field += c;
      field_started = true;
    }
  }
  if (in_quotes) throw Error(ErrorKind::Input, "CSV: unterminated quoted field starting on line " + std::to_string(record_line));
  if (!field.empty() || !record.empty()) end_record();

  CsvTable t;
  if (records.empty()) return t;
  for (auto& h : records[0]) t.header.push_back(trim(h));
  for (size_t r = 1; r < records.size(); ++r) {
    auto row = std::move(records[r]);
    for (auto& f : row) f = trim(f);
    // A longer row usually means an unquoted comma inside a field: refuse rather than shift columns.
    for (size_t i = t.header.size(); i < row.size(); ++i)
      if (!row[i].empty())
        throw Error(ErrorKind::Input, "CSV line " + std::to_string(starts[r]) + " has " + std::to_string(row.size()) +
                                          " fields but the header has " + std::to_string(t.header.size()));
    row.resize(t.header.size());
    t.rows.push_back(std::move(row));
    t.line_numbers.push_back(starts[r]);
  }
  return t;
}

CsvTable read_csv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  try {
    return parse_csv(s.str());
  } catch (const Error& e) {
    throw Error(e.kind(), path + ": " + e.what());
  }
}

}  // namespace mpmri
