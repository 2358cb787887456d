// load_classifier without linking LibTorch into the programs. Linked in, LibTorch cost about 1 s at every start
// (operator registration and lazy symbol binding across ~300 shared libraries), also for `inspect`, `evaluate`
// and header mode, which never run a network. The classifier lives in libmpmri_torch_classifier.so instead,
// opened on first use; `classify` opens it while the first study is decoded.
#include <dlfcn.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "dependency_preload.hpp"
#include "mpmri/error.hpp"
#include "mpmri/model.hpp"
#include "plugin_abi.hpp"

namespace mpmri {
namespace {

namespace fs = std::filesystem;

// Where the plugin may be: named by the user, beside the program (build tree), in PREFIX/lib/mpmri-classify
// (cmake --install), or where this build put it (tests and benchmarks run from other folders).
std::vector<std::string> plugin_candidates() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("MPMRI_TORCH_PLUGIN"); env && *env) paths.push_back(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back((exe.parent_path() / model_plugin::kFileName).string());
    paths.push_back((exe.parent_path().parent_path() / "lib" / "mpmri-classify" / model_plugin::kFileName).string());
  }
  paths.push_back(MPMRI_TORCH_PLUGIN_BUILD_PATH);
  return paths;
}

std::atomic<bool> plugin_open{false};

model_plugin::LoadFn open_plugin() {
  static std::once_flag once;
  static model_plugin::LoadFn load = nullptr;
  static std::string why;
  std::call_once(once, [] {
    for (const auto& path : plugin_candidates()) {
      std::error_code ec;
      if (!fs::is_regular_file(path, ec)) {
        why += path + ": not found; ";
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      const model_plugin::PreloadReport preload = model_plugin::preload_dependencies(path);
      const double preload_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      void* handle = dlopen(path.c_str(), model_plugin::kOpenFlags);
      const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (preload.skipped_why.empty())
        spdlog::debug("opened {} in {:.3f} s ({} of its {} dependencies first, deepest first, in {:.3f} s; {} refused)",
                      path, total_s, preload.opened, preload.listed, preload_s, preload.refused);
      else
        spdlog::debug("opened {} in {:.3f} s (no preload: {})", path, total_s, preload.skipped_why);
      if (!handle) {
        why += path + ": " + dlerror() + "; ";
        continue;
      }
      auto abi = reinterpret_cast<model_plugin::AbiFn>(dlsym(handle, model_plugin::kAbiSymbol));
      auto fn = reinterpret_cast<model_plugin::LoadFn>(dlsym(handle, model_plugin::kLoadSymbol));
      if (!abi || !fn || abi() != model_plugin::abi_tag()) {
        why += path + ": from another build of mpmri-classify; ";
        dlclose(handle);
        continue;
      }
      load = fn;  // stays open for the life of the process: classifiers made by it live that long
      plugin_open = true;
      return;
    }
  });
  if (!load)
    throw Error(ErrorKind::Model, "cannot load the LibTorch classifier plugin (" + why +
                                      "set MPMRI_TORCH_PLUGIN to its path, or use --mode header)");
  return load;
}

}  // namespace

bool torch_runtime_loaded() { return plugin_open; }

std::unique_ptr<ImageClassifier> load_classifier(const std::string& pt_path, const std::string& device, int threads) {
  if (!fs::is_regular_file(pt_path)) throw Error(ErrorKind::Model, "model file not found: " + pt_path);
  model_plugin::LoadFn load = open_plugin();
  int kind = static_cast<int>(ErrorKind::Model);
  char message[4096] = {0};
  ImageClassifier* classifier = load(pt_path.c_str(), device.c_str(), threads, &kind, message, sizeof message);
  if (!classifier) throw Error(static_cast<ErrorKind>(kind), message);
  return std::unique_ptr<ImageClassifier>(classifier);
}

}  // namespace mpmri
