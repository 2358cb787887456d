// The only file that includes LibTorch: loads the TorchScript network, checks it against its card, runs it.
// Built as a plugin (libmpmri_torch_classifier.so) that classifier_plugin.cpp opens on first use.
#include <ATen/Parallel.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/model.hpp"
#include "plugin_abi.hpp"

namespace mpmri {
namespace {

class TorchClassifier final : public ImageClassifier {
 public:
  TorchClassifier(ModelCard card, torch::jit::Module module, torch::Device device)
      : card_(std::move(card)), module_(std::move(module)), device_(device) {
    for (const auto& name : card_.classes) label_index_.push_back(index_of(*parse_label(name)));
  }

  const ModelCard& card() const override { return card_; }
  const std::vector<int>& label_index() const { return label_index_; }

  // Raw network output [n, classes] for batch[first, first + n); used by load-time checks and predict().
  torch::Tensor forward(const std::vector<std::vector<float>>& batch, size_t first, size_t n) {
    const auto& s = card_.grid.size;
    const size_t per = size_t(s[0]) * size_t(s[1]) * size_t(s[2]);
    torch::Tensor input = torch::empty({int64_t(n), 1, s[2], s[1], s[0]}, torch::kFloat32);
    float* dst = input.data_ptr<float>();
    for (size_t i = 0; i < n; ++i) {
      const auto& volume = batch[first + i];
      if (volume.size() != per)
        throw Error(ErrorKind::Internal, "model input has " + std::to_string(volume.size()) + " voxels, the card's grid needs " +
                                             std::to_string(per));
      std::copy(volume.begin(), volume.end(), dst + i * per);
    }
    // A TorchScript module's forward is not documented as re-entrant; callers on several threads take turns
    // and the intra-op pool keeps every core busy anyway.
    std::lock_guard<std::mutex> lock(mutex_);
    c10::InferenceMode guard;
    torch::Tensor out = module_.forward({input.to(device_)}).toTensor();
    return out.to(torch::kCPU).to(torch::kFloat32).contiguous();
  }

  // In chunks of at most kMaxBatch volumes: oneDNN keeps the kernels it builds for each input shape, so with
  // the batch as big as each study, memory grew with the number of distinct study sizes in an archive.
  std::vector<LabelProbs> predict_or_error(const std::vector<std::vector<float>>& batch, std::string& error) noexcept override {
    try {
      return predict_throwing(batch);
    } catch (const c10::Error& e) {
      error = std::string("LibTorch: ") + e.what_without_backtrace();
    } catch (const std::exception& e) {
      error = e.what();
    } catch (...) {
      error = "unknown error in the image model";
    }
    return {};
  }

  std::vector<LabelProbs> predict_throwing(const std::vector<std::vector<float>>& batch) {
    std::vector<LabelProbs> result;
    for (size_t first = 0; first < batch.size(); first += kMaxBatch) {
      const size_t n = std::min(kMaxBatch, batch.size() - first);
      torch::Tensor probs = torch::softmax(forward(batch, first, n).to(torch::kFloat64), 1).contiguous();
      const double* p = probs.data_ptr<double>();
      const int64_t width = probs.size(1);
      for (size_t i = 0; i < n; ++i) {
        LabelProbs row{};
        for (int64_t c = 0; c < width; ++c) row[label_index_[c]] = p[i * width + c];
        result.push_back(row);
      }
    }
    return result;
  }

 private:
  static constexpr size_t kMaxBatch = 8;
  ModelCard card_;
  torch::jit::Module module_;
  torch::Device device_;
  std::vector<int> label_index_;
  std::mutex mutex_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::unique_ptr<ImageClassifier> load_torch_classifier(const std::string& pt_path, const std::string& device, int threads) {
  const auto t_start = std::chrono::steady_clock::now();
  if (!std::filesystem::is_regular_file(pt_path))
    throw Error(ErrorKind::Model, "model file not found: " + pt_path);
  ModelCard card = read_model_card_for(pt_path);

  std::string digest = sha256_file(pt_path);
  if (card.sha256.empty())
    spdlog::warn("model card {} has no sha256; cannot verify {}", card.path_json, pt_path);
  else if (digest != card.sha256)
    throw Error(ErrorKind::Model, "model file " + pt_path + " does not match its card (sha256 " + digest +
                                      ", card says " + card.sha256 + "): wrong or corrupt file");

  torch::Device dev(torch::kCPU);
  try {
    dev = torch::Device(device);
  } catch (const c10::Error&) {
    throw Error(ErrorKind::Usage, "unknown device \"" + device + "\" (use cpu, cuda or cuda:N)");
  }
  if (dev.is_cuda() && !torch::cuda::is_available())
    throw Error(ErrorKind::Model, "device " + device + " requested but this LibTorch sees no CUDA device");
  if (threads > 0) at::set_num_threads(threads);

  torch::jit::Module module;
  double load_s = 0, optimize_s = 0;
  try {
    torch::jit::GraphOptimizerEnabledGuard freezing_inlines_calls(true);  // see below
    auto t0 = std::chrono::steady_clock::now();
    module = torch::jit::load(pt_path, dev);
    module.eval();
    load_s = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    // Freezing folds batch-norm into the convolutions and, on CPU, moves 3D convs to oneDNN: several times faster
    // on large grids. Models exported by train.py are frozen already (they have no `training` attribute).
    if (dev.is_cpu()) module = torch::jit::optimize_for_inference(module);
    else if (module.hasattr("training")) module = torch::jit::freeze(module);
    optimize_s = seconds_since(t0);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model, "cannot load TorchScript model " + pt_path + ": " + e.what_without_backtrace());
  }

  // The graph is frozen and optimised now; the profiling executor's extra runs (profile, then specialise and
  // recompile) only cost time in a process that runs it a few times (0.1 s at the first pass, measured). The
  // settings are process-wide, and freezing (above) needs the optimising executor's inlining.
  torch::jit::getProfilingMode() = false;
  torch::jit::setGraphExecutorOptimize(false);
  auto classifier = std::make_unique<TorchClassifier>(std::move(card), std::move(module), dev);
  // A dummy pass proves the network accepts the card's grid and emits one score per card class.
  const auto& g = classifier->card().grid.size;
  std::vector<std::vector<float>> dummy(1, std::vector<float>(size_t(g[0]) * g[1] * g[2], 0.0f));
  torch::Tensor out;
  const auto t_check = std::chrono::steady_clock::now();
  try {
    out = classifier->forward(dummy, 0, 1);
  } catch (const c10::Error& e) {
    throw Error(ErrorKind::Model, "model " + pt_path + " rejects the card's input grid " + std::to_string(g[2]) + "x" +
                                      std::to_string(g[1]) + "x" + std::to_string(g[0]) + " (z,y,x): " +
                                      e.what_without_backtrace());
  }
  const size_t n_classes = classifier->card().classes.size();
  if (out.dim() != 2 || out.size(0) != 1 || size_t(out.size(1)) != n_classes)
    throw Error(ErrorKind::Model, "model " + pt_path + " outputs shape " + c10::str(out.sizes()) + " but its card lists " +
                                      std::to_string(n_classes) + " classes");
  spdlog::debug("loaded model {} ({} classes, grid {}x{}x{}) in {:.3f} s: read {:.3f}, optimise {:.3f}, first pass {:.3f}",
                pt_path, n_classes, g[0], g[1], g[2], seconds_since(t_start), load_s, optimize_s, seconds_since(t_check));
  return classifier;
}

}  // namespace
}  // namespace mpmri

extern "C" __attribute__((visibility("default"))) long mpmri_torch_plugin_abi() { return mpmri::model_plugin::abi_tag(); }

extern "C" __attribute__((visibility("default"))) mpmri::ImageClassifier* mpmri_torch_load_classifier(
    const char* pt_path, const char* device, int threads, int* error_kind, char* message, unsigned long message_size) {
  auto fail = [&](mpmri::ErrorKind kind, const char* what) {
    *error_kind = static_cast<int>(kind);
    std::snprintf(message, message_size, "%s", what);
    return nullptr;
  };
  try {
    return mpmri::load_torch_classifier(pt_path, device, threads).release();
  } catch (const mpmri::Error& e) {
    return fail(e.kind(), e.what());
  } catch (const std::exception& e) {
    return fail(mpmri::ErrorKind::Model, e.what());
  }
}
