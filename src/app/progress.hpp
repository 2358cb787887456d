#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal (scripts get clean logs).
#include <chrono>
#include <cstddef>

namespace mpmri {

class Progress {
 public:
  explicit Progress(bool enabled);
  void update(std::size_t folders_done, std::size_t folders_total, std::size_t volumes_in_study);
  void finish();

 private:
  bool enabled_;
  std::size_t studies_ = 0, volumes_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace mpmri
