#include "shard.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>

#include "mpmri/error.hpp"
#include "mpmri/runner.hpp"

namespace mpmri {

namespace fs = std::filesystem;

ShardSpec ShardSpec::parse(const std::string& text) {
  ShardSpec s;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d/%d%c", &s.index, &s.count, &tail) != 2 || s.count < 1 || s.index < 1 ||
      s.index > s.count)
    throw Error(ErrorKind::Usage, "--shard wants I/N with 1 <= I <= N, got '" + text + "'");
  return s;
}

std::string archive_relative_path(const std::string& file, const std::vector<std::string>& inputs) {
  const fs::path f = fs::path(file).lexically_normal();
  // The longest input holding the file: `a` and `a/b` given together still name each file once.
  int best = -1;
  size_t best_length = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const fs::path root = fs::path(inputs[i]).lexically_normal();
    auto [r, p] = std::mismatch(root.begin(), root.end(), f.begin(), f.end());
    bool inside = r == root.end() || (std::next(r) == root.end() && r->empty());  // "dir/" ends in an empty part
    if (inside && (best < 0 || root.native().size() > best_length)) {
      best = static_cast<int>(i);
      best_length = root.native().size();
    }
  }
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "%06d/", best < 0 ? 999999 : best);
  if (best < 0) return prefix + f.generic_string();
  const fs::path root = fs::path(inputs[best]).lexically_normal();
  std::string rel = f == root ? f.filename().string() : f.lexically_relative(root).generic_string();  // a file given itself
  return prefix + rel;
}

std::string shard_unit(const std::string& relative_path) {
  size_t first = relative_path.find('/');          // after the input's position
  size_t second = relative_path.find('/', first + 1);
  if (second == std::string::npos) return relative_path.substr(0, first);  // directly in the input
  return relative_path.substr(0, second);
}

int shard_of(const std::string& unit, int count) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : unit) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int>(h % static_cast<uint64_t>(count));
}

void keep_shard_files(std::vector<std::string>& files, const std::vector<std::string>& inputs, const ShardSpec& shard) {
  if (shard.whole_archive()) return;
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const std::string& f) {
                               return shard_of(shard_unit(archive_relative_path(f, inputs)), shard.count) !=
                                      shard.index - 1;
                             }),
              files.end());
}

std::vector<std::string> shard_entries(const std::string& archive, const std::string& shard_text) {
  const ShardSpec shard = ShardSpec::parse(shard_text);
  std::vector<std::string> entries;
  std::error_code ec;
  for (fs::directory_iterator it(archive, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.') continue;  // hidden entries are never classified (list_files)
    // The unit of shard_unit(): a folder on its own, files lying directly in the archive all together.
    std::string unit = it->is_directory() ? "000000/" + name : "000000";
    if (shard_of(unit, shard.count) == shard.index - 1) entries.push_back(name);
  }
  if (ec) throw Error(ErrorKind::Input, "cannot list " + archive + ": " + ec.message());
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace mpmri
