#pragma once
// Streams complete studies out of an archive of any size, so memory stays bounded: folders are
// scanned one at a time in sorted order, and a study is handed out as soon as a folder holding
// DICOM files brings none of its files (archives keep a study's series in neighbouring folders:
// NBIA Study/Series/, scanner exports Study/, flat folders). A study whose files are spread over
// distant folders comes out in parts, each part classified, unless `whole_studies`: then every file's
// StudyInstanceUID is read first (read_study_uid, one short header pass) and a study is held until the last
// folder holding its files has been scanned.
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mpmri/dicom.hpp"

namespace mpmri {

class StudySource {
 public:
  // Narrows the listed files before any header is read (--shard, and resuming from the archive ledger).
  using FileSelector = std::function<void(std::vector<std::string>& files)>;
  StudySource(const std::vector<std::string>& inputs, const ScanOptions& options, const FileSelector& select = {},
              bool whole_studies = false);

  // The next complete study, or nullopt when the archive is exhausted.
  std::optional<Study> next();

  // Every study comes out with the failures found with its files (Study::failed). Read these two only after
  // the last next(): the source appends to them while it scans.
  const std::vector<SkippedFile>& skipped() const { return skipped_; }
  // Failures no study came out with: their study had no loadable volume, or came out before they were found.
  std::vector<FailedSeries> take_unclaimed_failures();
  std::size_t folders_total() const { return folders_.size(); }
  std::size_t folders_done() const { return next_folder_; }

 private:
  void scan_next_folder();
  void find_last_folders();
  void merge(Study&& study, std::vector<std::string>& touched);
  void claim_failures(Study& study);  // moves the unclaimed failures of its UID into it

  ScanOptions options_;
  std::vector<std::vector<std::string>> folders_;  // files per folder, folders in sorted order
  std::size_t next_folder_ = 0;
  std::map<std::string, std::size_t> last_folder_;  // whole_studies: study UID -> last folder index holding its files
  std::map<std::string, Study> pending_;            // by study UID
  std::vector<std::string> pending_order_;
  std::vector<Study> ready_;
  std::vector<SkippedFile> skipped_;
  std::vector<FailedSeries> unclaimed_;
};

}  // namespace mpmri
