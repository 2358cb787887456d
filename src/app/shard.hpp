#pragma once
// --shard I/N: which part of an archive one process classifies, decided from paths alone so that N processes
// split an archive of any size without any of them reading every header first (docs/archives.md).
#include <string>
#include <vector>

namespace mpmri {

struct ShardSpec {
  int index = 1;  // 1-based, as Slurm array task ids usually are
  int count = 1;
  bool whole_archive() const { return count == 1; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
  static ShardSpec parse(const std::string& text);  // "I/N" with 1 <= I <= N; throws Error(Usage)
};

// A file's path below the input it was found under, prefixed with that input's position ("000001/Study/x.dcm"),
// so that keys and orders stay the same when the archive is staged elsewhere (node-local scratch).
std::string archive_relative_path(const std::string& file, const std::vector<std::string>& inputs);

// The unit that goes to one shard: the first folder below an input ("000000/Patient7"), or the input itself
// for files lying directly in it. A study's files share it in every layout that keeps a study (or a patient)
// below one top-level folder: scanner exports, NBIA downloads, mpmri-synth.
std::string shard_unit(const std::string& relative_path);

// FNV-1a of the unit: stable across machines, compilers and runs (std::hash is none of these).
int shard_of(const std::string& unit, int count);

// Keeps the files of `shard` (the rest belong to the other shards).
void keep_shard_files(std::vector<std::string>& files, const std::vector<std::string>& inputs, const ShardSpec& shard);

}  // namespace mpmri
