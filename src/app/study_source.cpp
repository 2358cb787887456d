#include "study_source.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <utility>

namespace mpmri {

StudySource::StudySource(const std::vector<std::string>& inputs, const ScanOptions& options, const FileSelector& select,
                         bool whole_studies)
    : options_(options) {
  std::vector<std::string> files = list_files(inputs, skipped_);
  if (select) select(files);
  std::map<std::string, std::vector<std::string>> by_folder;
  for (auto& f : files) by_folder[std::filesystem::path(f).parent_path().string()].push_back(std::move(f));
  folders_.reserve(by_folder.size());
  for (auto& [folder, list] : by_folder) {
    std::sort(list.begin(), list.end());
    folders_.push_back(std::move(list));
  }
  if (whole_studies) find_last_folders();
}

void StudySource::find_last_folders() {
  std::vector<std::pair<std::size_t, const std::string*>> all;
  for (std::size_t k = 0; k < folders_.size(); ++k)
    for (const auto& f : folders_[k]) all.emplace_back(k, &f);
  std::vector<std::optional<std::string>> uids(all.size());
  tbb::task_arena arena(options_.threads > 0 ? options_.threads : tbb::task_arena::automatic);
  arena.execute([&] { tbb::parallel_for(std::size_t(0), all.size(), [&](std::size_t i) { uids[i] = read_study_uid(*all[i].second); }); });
  for (std::size_t i = 0; i < all.size(); ++i)
    if (uids[i]) {
      auto& last = last_folder_[*uids[i]];
      last = std::max(last, all[i].first);
    }
}

void StudySource::merge(Study&& study, std::vector<std::string>& touched) {
  auto it = pending_.find(study.study_uid);
  touched.push_back(study.study_uid);
  if (it == pending_.end()) {
    pending_order_.push_back(study.study_uid);
    it = pending_.emplace(study.study_uid, std::move(study)).first;
  } else {
    // A series split over two folders is unusual; keep the parts as they came rather than re-split.
    for (auto& s : study.series) it->second.series.push_back(std::move(s));
  }
  claim_failures(it->second);
}

void StudySource::claim_failures(Study& study) {
  auto mine = std::stable_partition(unclaimed_.begin(), unclaimed_.end(),
                                    [&](const FailedSeries& f) { return f.study_uid != study.study_uid; });
  std::move(mine, unclaimed_.end(), std::back_inserter(study.failed));
  unclaimed_.erase(mine, unclaimed_.end());
}

std::vector<FailedSeries> StudySource::take_unclaimed_failures() { return std::exchange(unclaimed_, {}); }

void StudySource::scan_next_folder() {
  ScanResult scan = scan_files(folders_[next_folder_++], options_);
  for (auto& s : scan.skipped) skipped_.push_back(std::move(s));
  for (auto& f : scan.failed) unclaimed_.push_back(std::move(f));
  for (auto& [uid, study] : pending_) claim_failures(study);
  if (scan.studies.empty()) return;  // a folder without DICOM images says nothing about study ends

  std::vector<std::string> touched;
  for (auto& study : scan.studies) merge(std::move(study), touched);
  std::vector<std::string> still_pending;
  for (auto& uid : pending_order_) {
    auto last = last_folder_.find(uid);
    const bool more_to_come = last != last_folder_.end() && last->second >= next_folder_;
    if (more_to_come || std::find(touched.begin(), touched.end(), uid) != touched.end()) {
      still_pending.push_back(uid);
    } else {
      ready_.push_back(std::move(pending_[uid]));
      pending_.erase(uid);
    }
  }
  pending_order_ = std::move(still_pending);
}

std::optional<Study> StudySource::next() {
  while (ready_.empty() && next_folder_ < folders_.size()) scan_next_folder();
  if (ready_.empty()) {
    for (auto& uid : pending_order_) ready_.push_back(std::move(pending_[uid]));
    pending_.clear();
    pending_order_.clear();
  }
  if (ready_.empty()) return std::nullopt;
  Study s = std::move(ready_.front());
  ready_.erase(ready_.begin());
  return s;
}

}  // namespace mpmri
