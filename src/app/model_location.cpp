#include <cstdlib>
#include <filesystem>

#include "mpmri/runner.hpp"

namespace mpmri {

std::string default_model_path() {
  if (const char* env = std::getenv("MPMRI_MODEL"); env && *env) return env;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path installed = exe.parent_path().parent_path() / "share" / "mpmri-classify" / "models" / "default.pt";
    if (fs::exists(installed)) return installed.string();
  }
  return std::string(MPMRI_SOURCE_DIR) + "/models/default.pt";
}

}  // namespace mpmri
