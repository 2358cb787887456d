// --sort: the original DICOM files of each classified series as <dir>/<study>/<series_number>_<label>/<name>,
// hard-linked where the filesystem allows, else copied; never moved, never overwriting. See docs/routing.md.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/routing.hpp"

namespace mpmri {

namespace fs = std::filesystem;

namespace {

bool same_bytes(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::file_size(a, ec) != fs::file_size(b, ec) || ec) return false;
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  std::vector<char> ba(1 << 16), bb(1 << 16);
  while (fa && fb) {
    fa.read(ba.data(), ba.size());
    fb.read(bb.data(), bb.size());
    if (fa.gcount() != fb.gcount() || std::memcmp(ba.data(), bb.data(), size_t(fa.gcount())) != 0) return false;
  }
  return fa.eof() && fb.eof();
}

// link(2) fails when the name exists, which is what makes "never overwrite" race-free: a copy is made under a
// temporary name and linked into place the same way.
enum class Placed { Linked, Copied, Exists, CrossDevice };

Placed link_no_overwrite(const fs::path& from, const fs::path& to) {
  if (::link(from.c_str(), to.c_str()) == 0) return Placed::Linked;
  if (errno == EEXIST) return Placed::Exists;
  if (errno == EXDEV || errno == EPERM || errno == EMLINK) return Placed::CrossDevice;
  throw Error(ErrorKind::Io, "cannot link " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
}

Placed copy_no_overwrite(const fs::path& from, const fs::path& to) {
  const fs::path tmp = temporary_path_for(to.string());
  std::error_code ec;
  fs::copy_file(from, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(ErrorKind::Io, "cannot copy " + from.string() + ": " + ec.message());
  }
  Placed placed = link_no_overwrite(tmp, to);
  fs::remove(tmp, ec);
  return placed == Placed::Linked ? Placed::Copied : placed;
}

class SortRouter : public StudyRouter {
 public:
  explicit SortRouter(const RoutingOptions& options) : root_(options.sort_dir), copy_(options.sort_copy) {}

  void add_study(const StudyResult& study) override {
    for (const auto& series : study.series) {
      if (series.status != VolumeStatus::Ok) continue;
      std::vector<std::string> files;
      std::set<std::string> seen;
      bool nifti = false;
      for (const auto& v : study.volumes) {
        if (v.info.header.series_uid != series.series_uid) continue;
        nifti |= v.info.nifti.has_value();
        for (const auto& s : v.info.slices)
          if (seen.insert(s.path).second) files.push_back(s.path);  // a multi-frame file holds many slices
      }
      if (nifti) {
        spdlog::info("--sort: series {} is a NIfTI file, not DICOM; not sorted", series.series_uid);
        continue;
      }
      const fs::path dir = root_ / safe_path_component(study.study_uid.empty() ? series.study_uid : study.study_uid) /
                           safe_path_component(std::to_string(series.series_number) + "_" + std::string(to_string(series.label)));
      try {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw Error(ErrorKind::Io, "cannot create " + dir.string() + ": " + ec.message());
        for (const auto& f : files) place(f, dir);
      } catch (const std::exception& e) {
        ++failures_;
        spdlog::warn("--sort: series {} not fully sorted: {}", series.series_uid, e.what());
      }
    }
  }

 private:
  // Under its own name if free; the same file already there (a rerun) is left alone; another file of that name
  // makes it <stem>_2<ext>, _3, ...
  void place(const fs::path& from, const fs::path& dir) {
    const std::string stem = from.stem().string(), ext = from.extension().string();
    for (int n = 1;; ++n) {
      const fs::path to = dir / (n == 1 ? from.filename().string() : stem + "_" + std::to_string(n) + ext);
      Placed placed = copy_ ? copy_no_overwrite(from, to) : link_no_overwrite(from, to);
      if (placed == Placed::CrossDevice) {
        if (!warned_cross_device_) spdlog::info("--sort: {} is on another filesystem; copying", root_.string());
        warned_cross_device_ = true;
        copy_ = true;
        placed = copy_no_overwrite(from, to);
      }
      if (placed != Placed::Exists) return;
      std::error_code ec;
      if (fs::equivalent(from, to, ec) || same_bytes(from, to)) return;
    }
  }

  fs::path root_;
  bool copy_;
  bool warned_cross_device_ = false;
};

}  // namespace

std::unique_ptr<StudyRouter> make_sort_router(const RoutingOptions& options) {
  return std::make_unique<SortRouter>(options);
}

}  // namespace mpmri
