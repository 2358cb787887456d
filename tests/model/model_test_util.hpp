#pragma once
// Scratch folders and card editing for the model tests; the tiny model lives in tests/data.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace mpmri::test {

inline std::string tiny_dir() { return std::string(MPMRI_SOURCE_DIR) + "/tests/data"; }

inline nlohmann::json tiny_card_json() {
  std::ifstream f(tiny_dir() + "/tiny_model.json");
  return nlohmann::json::parse(f);
}

// A fresh folder under the system temp dir, removed when the object dies.
struct ScratchDir {
  std::filesystem::path path;
  ScratchDir() {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() / ("mpmri-model-test-" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

}  // namespace mpmri::test
