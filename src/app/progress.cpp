#include "progress.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace mpmri {

Progress::Progress(bool enabled, long studies_done_before)
    : enabled_(enabled), skipped_as_done_(studies_done_before), start_(std::chrono::steady_clock::now()),
      last_logged_(start_) {}

void Progress::update(std::size_t folders_done, std::size_t folders_total, std::size_t volumes_in_study,
                      bool study_failed) {
  ++studies_;
  failed_ += study_failed ? 1 : 0;
  volumes_ += volumes_in_study;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  double fraction = folders_total ? double(folders_done) / double(folders_total) : 1.0;
  double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  std::size_t folders_to_go = folders_total - folders_done;
  if (!enabled_) {
    if (now - last_logged_ < std::chrono::minutes(1)) return;
    last_logged_ = now;
    spdlog::info("{} studies done, {} skipped as done, {} with failures, {} folders to go; {:.1f} vol/s, ETA {:.0f} s",
                 studies_, skipped_as_done_, failed_, folders_to_go, elapsed > 0 ? double(volumes_) / elapsed : 0.0, eta);
    return;
  }
  const int width = 30;
  int filled = static_cast<int>(fraction * width);
  std::fprintf(stderr, "\r[%.*s%*s] %3.0f%% %zu done, %ld skipped as done, %zu failed, %zu folders to go, %.1f vol/s, ETA %.0fs ",
               filled, "##############################", width - filled, "", fraction * 100, studies_, skipped_as_done_,
               failed_, folders_to_go, elapsed > 0 ? double(volumes_) / elapsed : 0.0, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && studies_ > 0) std::fprintf(stderr, "\n");
}

}  // namespace mpmri
