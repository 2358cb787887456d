// `mpmri-classify merge`: shard ledgers into one output folder, in the order one run would have written.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <set>

#include "ledger.hpp"
#include "mpmri/io.hpp"
#include "mpmri/runner.hpp"
#include "shard.hpp"

namespace mpmri {

namespace {

namespace fs = std::filesystem;

// The parameters classify_parameters() records: shards made with other values cannot be merged.
const char* const kMustMatch[] = {"tool_version", "mode", "model_name", "model_sha256", "keyword_rules_sha256",
                                  "fusion_params_sha256"};

std::string value_of(const std::map<std::string, std::string>& meta, const std::string& key) {
  auto it = meta.find(key);
  return it == meta.end() ? "(none)" : it->second;
}

// Thumbnails go along so that a report can be made from the merged folder.
void copy_thumbnails(const fs::path& from, const fs::path& to) {
  if (!fs::is_directory(from / "thumbnails")) return;
  fs::create_directories(to / "thumbnails");
  for (const auto& entry : fs::directory_iterator(from / "thumbnails"))
    fs::copy_file(entry.path(), to / "thumbnails" / entry.path().filename(), fs::copy_options::overwrite_existing);
}

}  // namespace

Outcome run_merge(const MergeOptions& options) {
  if (options.shard_dirs.empty()) throw Error(ErrorKind::Usage, "merge: no shard output folder given");
  std::vector<std::map<std::string, std::string>> metas;
  for (const auto& dir : options.shard_dirs) {
    fs::path ledger = fs::path(dir) / Ledger::kFileName;
    if (!fs::is_regular_file(ledger)) throw Error(ErrorKind::Usage, "merge: " + dir + " holds no " + Ledger::kFileName);
    std::error_code not_there;  // an output folder that does not exist yet is no shard
    if (fs::equivalent(dir, options.out_dir, not_there))
      throw Error(ErrorKind::Usage, "merge: the output folder is one of the shards: " + dir);
    metas.push_back(Ledger(ledger.string(), Ledger::Access::ReadOnly).meta());
  }
  std::set<int> indices;
  const int count = ShardSpec::parse(value_of(metas[0], "shard")).count;
  for (size_t i = 0; i < metas.size(); ++i) {
    const std::string& dir = options.shard_dirs[i];
    for (const char* key : kMustMatch)
      if (value_of(metas[i], key) != value_of(metas[0], key))
        throw Error(ErrorKind::Usage, "merge: " + dir + " was made with another " + key + " (" + value_of(metas[i], key) +
                                          ") than " + options.shard_dirs[0] + " (" + value_of(metas[0], key) + ")");
    ShardSpec shard = ShardSpec::parse(value_of(metas[i], "shard"));
    if (shard.count != count)
      throw Error(ErrorKind::Usage, "merge: " + dir + " is shard " + shard.text() + ", not one of " + std::to_string(count));
    if (!indices.insert(shard.index).second)
      throw Error(ErrorKind::Usage, "merge: shard " + shard.text() + " is given twice (" + dir + ")");
    if (value_of(metas[i], "complete") != "1" && !options.allow_incomplete)
      throw Error(ErrorKind::Usage, "merge: the run of " + dir + " has not finished (resume it, or --allow-incomplete)");
  }
  if (static_cast<int>(indices.size()) != count && !options.allow_incomplete)
    throw Error(ErrorKind::Usage, "merge: " + std::to_string(indices.size()) + " of " + std::to_string(count) +
                                      " shards given (--allow-incomplete to merge them anyway)");

  fs::create_directories(options.out_dir);
  const std::string path = (fs::path(options.out_dir) / Ledger::kFileName).string();
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  Ledger merged(path);
  std::map<std::string, std::string> meta;
  for (const char* key : kMustMatch) meta[key] = value_of(metas[0], key);
  meta["shard"] = "1/1";  // the whole archive: a classify run into OUT resumes it like any other
  meta["complete"] = "1";
  merged.set_meta(meta);
  for (const auto& dir : options.shard_dirs) {
    merged.absorb((fs::path(dir) / Ledger::kFileName).string());
    copy_thumbnails(dir, options.out_dir);
  }

  RunProvenance provenance;
  provenance.tool_version = meta["tool_version"];
  provenance.model_name = meta["model_name"];
  provenance.model_sha256 = meta["model_sha256"];
  provenance.mode = meta["mode"];
  provenance.arguments = options.arguments;
  write_outputs_from_ledger(merged, options.out_dir, provenance);
  Outcome outcome = merged.outcome();
  spdlog::info("merged {} shards: {} studies, {} volumes classified, {} failed; results in {}", options.shard_dirs.size(),
               merged.studies(), outcome.ok, outcome.failed, options.out_dir);
  return outcome;
}

}  // namespace mpmri
