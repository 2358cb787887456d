#pragma once
// A one-line progress bar on stderr, drawn when stderr is a terminal; elsewhere (a batch job's log) the same
// counts are logged once a minute.
#include <chrono>
#include <cstddef>

namespace mpmri {

class Progress {
 public:
  // studies_done_before: studies an earlier run into the same output folder finished (skipped as done).
  explicit Progress(bool enabled, long studies_done_before = 0);
  void update(std::size_t folders_done, std::size_t folders_total, std::size_t volumes_in_study, bool study_failed);
  void finish();

 private:
  bool enabled_;
  long skipped_as_done_;
  std::size_t studies_ = 0, failed_ = 0, volumes_ = 0;
  std::chrono::steady_clock::time_point start_, last_logged_;
};

}  // namespace mpmri
