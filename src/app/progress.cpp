#include "progress.hpp"

#include <cstdio>

namespace mpmri {

Progress::Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

void Progress::update(std::size_t folders_done, std::size_t folders_total, std::size_t volumes_in_study) {
  ++studies_;
  volumes_ += volumes_in_study;
  if (!enabled_) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double fraction = folders_total ? double(folders_done) / double(folders_total) : 1.0;
  double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  const int width = 30;
  int filled = static_cast<int>(fraction * width);
  std::fprintf(stderr, "\r[%.*s%*s] %3.0f%% %zu studies, %zu volumes, %.1f vol/s, ETA %.0fs ", filled,
               "##############################", width - filled, "", fraction * 100, studies_, volumes_,
               elapsed > 0 ? double(volumes_) / elapsed : 0.0, eta);
  std::fflush(stderr);
}

void Progress::finish() {
  if (enabled_ && studies_ > 0) std::fprintf(stderr, "\n");
}

}  // namespace mpmri
