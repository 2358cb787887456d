// Model benchmark: per-volume preprocessing and inference time of the shipped model, its FLOPs (from the
// card, counted at export), and the achieved FLOP rate against this machine's float32 matmul rate measured
// in the same run. Plain timers; prints one figure per line.
//
//   bench_model [MODEL.pt] [--threads N] [--reps N]
#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mpmri/model.hpp"
#include "mpmri/preprocess.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Median of `reps` timings of fn(), in seconds, after one warm-up call.
template <typename F>
double median_time(int reps, F&& fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto start = Clock::now();
    fn();
    t.push_back(seconds_since(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// A volume shaped like a typical scanner series: smooth anatomy-like pattern plus a body outline.
mpmri::VolumeImage scanner_like(int nx, int ny, int nz, double sx, double sz) {
  mpmri::VolumeImage v;
  v.size = {nx, ny, nz};
  v.spacing = {sx, sx, sz};
  v.origin = {-nx * sx / 2, -ny * sx / 2, 0};
  v.voxels.resize(v.voxel_count());
  size_t i = 0;
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x, ++i) {
        double dx = (x - nx / 2.0) / (nx * 0.4), dy = (y - ny / 2.0) / (ny * 0.3);
        v.voxels[i] = dx * dx + dy * dy < 1 ? float(300 + 100 * std::sin(x * 0.1) * std::cos(y * 0.07 + z)) : 5.0f;
      }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model = std::string(MPMRI_SOURCE_DIR) + "/models/default.pt";
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  int reps = 10;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else model = argv[i];
  }
  at::set_num_threads(threads);
  std::printf("model %s, threads %d, median of %d runs\n", model.c_str(), threads, reps);

  auto clf = mpmri::load_classifier(model, "cpu", threads);
  const auto& card = clf->card();
  const auto& g = card.grid.size;
  const double flops = nlohmann::json::parse(card.raw_json).value("flops_per_volume", 0.0);
  std::printf("grid %dx%dx%d (z,y,x), %.3f GFLOP per volume (card)\n", g[2], g[1], g[0], flops / 1e9);

  // Preprocessing: one thread per volume, as the runner does (it parallelises over volumes).
  struct Case { const char* name; mpmri::VolumeImage v; };
  std::vector<Case> cases = {{"256x256x40 T1/DCE-like", scanner_like(256, 256, 40, 1.5, 5)},
                             {"128x128x30 DWI-like", scanner_like(128, 128, 30, 3, 6)},
                             {"512x512x80 thin-slice", scanner_like(512, 512, 80, 0.75, 2.5)}};
  std::vector<float> input;
  for (auto& c : cases) {
    double t = median_time(reps, [&] { input = mpmri::prepare_model_input(c.v, card.grid, card.norm); });
    std::printf("preprocess %-24s %8.2f ms/volume\n", c.name, t * 1e3);
  }

  // Inference.
  for (int batch : {1, 8}) {
    std::vector<std::vector<float>> b(batch, input);
    double t = median_time(reps, [&] { clf->predict(b); });
    double rate = flops * batch / t;
    std::printf("inference batch %d: %8.2f ms/volume, %.2f GFLOP/s\n", batch, t * 1e3 / batch, rate / 1e9);
  }

  // The machine's float32 matmul rate with the same threads: the yardstick for the convolutions.
  torch::Tensor a = torch::rand({2048, 2048}), c = torch::rand({2048, 2048});
  double tmm = median_time(reps, [&] { torch::mm(a, c); });
  double mm_rate = 2.0 * 2048 * 2048 * 2048 / tmm;
  std::printf("matmul 2048x2048: %.2f ms, %.2f GFLOP/s\n", tmm * 1e3, mm_rate / 1e9);
  std::vector<std::vector<float>> b8(8, input);
  double t8 = median_time(reps, [&] { clf->predict(b8); });
  std::printf("inference at batch 8 reaches %.0f%% of the matmul rate (goal >= 30%%)\n",
              100.0 * (flops * 8 / t8) / mm_rate);
  return 0;
}
