#pragma once
// What a classify run does with the archive ledger (ledger.hpp): picks this shard's files less those already
// done, commits each study as it is finished, keeps the outputs readable during a long run and writes them
// from the ledger at the end.
#include <chrono>
#include <string>
#include <vector>

#include "ledger.hpp"
#include "mpmri/report.hpp"
#include "mpmri/runner.hpp"
#include "shard.hpp"

namespace mpmri {

// What must match for a ledger to be resumed or merged (README "Archives").
LedgerParameters classify_parameters(const ClassifyOptions& options, const RunProvenance& provenance);

class ArchiveRun {
 public:
  // Opens OUT/ledger.sqlite (creating OUT); refuses a ledger made with other parameters or another shard
  // unless options.fresh, which starts it anew, and refuses a folder another run is writing to.
  ArchiveRun(const ClassifyOptions& options, const RunProvenance& provenance);
  ~ArchiveRun();
  ArchiveRun(const ArchiveRun&) = delete;
  ArchiveRun& operator=(const ArchiveRun&) = delete;

  // StudySource's file selector: this shard's files, less those of studies recorded and unchanged.
  void select_files(std::vector<std::string>& files);
  long studies_kept() const { return kept_; }

  // The skipped files added to `all` since the last call (called by the one thread that scans).
  std::vector<SkippedFile> take_new_skipped(const std::vector<SkippedFile>& all);

  // One transaction: the study and the skipped files found while scanning for it. Rewrites the outputs from
  // the ledger when options.refresh_seconds have passed since they were last written.
  void commit(const StudyResult& study, const Outcome& counted, const std::vector<SkippedFile>& new_skipped);

  // Records the series no study claimed and the remaining skipped files, marks the run complete, writes the outputs;
  // returns the outcome of everything in the ledger (the whole shard, earlier runs included).
  Outcome finish(const std::vector<FailedSeries>& orphans, const std::vector<SkippedFile>& skipped);

 private:
  void write_outputs();

  const ClassifyOptions& options_;
  int lock_fd_;  // held (flock) for the whole run
  RunProvenance provenance_;
  ShardSpec shard_;
  Ledger ledger_;
  long kept_ = 0;
  size_t skipped_taken_ = 0;
  std::chrono::steady_clock::time_point last_written_;
};

}  // namespace mpmri
