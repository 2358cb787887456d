#pragma once
// The archive ledger: OUT/ledger.sqlite records every study as its results are committed (one transaction per
// study, SQLite in WAL mode), with the files that made it (size, mtime) and its output rows. A run into the same
// folder skips what is recorded and unchanged; volumes.csv, series.csv and results.json are always written from
// the ledger, so an interrupted and resumed run gives the same files as an uninterrupted one (docs/archives.md).
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/report.hpp"
#include "mpmri/volume.hpp"

struct sqlite3;

namespace mpmri {

// One committed study (or part of a study, when its files lie in distant folders).
struct LedgerStudy {
  std::string sort_key;  // archive_relative_path of its first file: the order of the outputs
  std::string study_uid;
  long ok = 0, failed = 0;  // as the exit code counts them: volumes ok, volumes and volume-less series failed
  std::string volumes_csv, series_csv, study_json;  // rendered rows, written out as they are
  std::vector<std::string> files;                   // every file a volume of it was read from
};

// What must match for a ledger to be resumed or merged: tool version, mode, model and rule/parameter files.
using LedgerParameters = std::map<std::string, std::string>;

class Ledger {
 public:
  static constexpr const char* kFileName = "ledger.sqlite";
  enum class Access { ReadWrite, ReadOnly };
  explicit Ledger(const std::string& path, Access access = Access::ReadWrite);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  bool empty() const;  // nothing recorded yet: no study, no skipped file
  std::map<std::string, std::string> meta() const;
  void set_meta(const std::map<std::string, std::string>& values);

  // Resuming: drops recorded studies whose files changed, vanished or gained a new neighbour in their folders
  // (they are redone), and removes from `files` the files of the studies it keeps and the skipped files it
  // knows unchanged. Returns the number of studies kept.
  long keep_unchanged(std::vector<std::string>& files);

  // One transaction: the study and the files skipped since the last commit; a study owning any of its files
  // before (an earlier part, a changed study) is replaced.
  void commit_study(const LedgerStudy& study, const std::vector<SkippedFile>& new_skipped);
  void add_skipped(const std::vector<SkippedFile>& skipped);
  // Series that failed in studies without a single volume: replaced as a whole at the end of each run.
  void replace_orphans(const std::vector<FailedSeries>& orphans);

  void for_each_study(const std::function<void(const LedgerStudy&)>& visit) const;  // sort_key order, no files
  std::vector<SkippedFile> skipped() const;       // sorted by path, reason
  std::vector<FailedSeries> orphans() const;      // sorted by study, series, reason
  long studies() const;
  Outcome outcome() const;  // over everything recorded: the exit code of the whole archive

  // Merging: copies another ledger's studies, skipped files and orphans in; throws Error(Input) when a study
  // is in both (shards that overlap).
  void absorb(const std::string& other_path);

  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// volumes.csv, series.csv and results.json from the ledger, each written to a hidden file and renamed.
void write_outputs_from_ledger(const Ledger& ledger, const std::string& out_dir, const RunProvenance& provenance);

}  // namespace mpmri
