// Folder walk and header scan: per-file problems become SkippedFile entries, never exceptions.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "dicom/decode.hpp"
#include "dicom/header.hpp"
#include "dicom/nifti_source.hpp"
#include "dicom/splitter.hpp"
#include "mpmri/dicom.hpp"

namespace fs = std::filesystem;

namespace mpmri {

namespace {
constexpr const char* kHiddenReason = "hidden file or macOS metadata (AppleDouble '._*', .DS_Store, __MACOSX/): not DICOM";

// Names that start with '.' (macOS AppleDouble '._1-01.dcm' beside every file copied through a Mac, .DS_Store)
// and the __MACOSX/ folder of zip archives made on a Mac hold metadata, never images.
bool hidden_entry(const fs::path& p) {
  const std::string name = p.filename().string();
  return (!name.empty() && name[0] == '.' && name != "." && name != "..") || name == "__MACOSX";
}

// A skip is an error (it counts in the exit code) unless it is a file we are meant to pass over:
// a non-DICOM file without a DICOM-like name, a hidden or macOS metadata file, a DICOMDIR, a non-image
// object, a colour map, or a folder we already visited through another link. A gzip-compressed DICOM
// (.dcm.gz) was not read, so it counts.
bool skip_is_error(const std::string& path, const std::string& reason) {
  auto starts = [&](const char* p) { return reason.rfind(p, 0) == 0; };
  if (starts("DICOMDIR") || starts("duplicate") || starts("no pixel data") || starts("colour image") || starts("folder already visited") ||
      starts(kHiddenReason))
    return false;
  if (starts("gzip-compressed")) return path.size() > 7 && path.compare(path.size() - 7, 7, ".dcm.gz") == 0;
  if (starts("not DICOM") || starts("empty file")) {
    std::string ext = fs::path(path).extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".dcm" || ext == ".dicom" || ext == ".ima";
  }
  return true;
}

void mark_errors(std::vector<SkippedFile>& skipped) {
  for (auto& s : skipped) s.is_error = skip_is_error(s.path, s.reason);
}
}  // namespace

std::vector<std::string> list_files(const std::vector<std::string>& roots, std::vector<SkippedFile>& skipped) {
  std::vector<std::string> files;
  std::set<std::string> visited;  // canonical folders, so symlink loops end
  std::vector<fs::path> stack;
  for (const auto& root : roots) {
    std::error_code ec;
    auto st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      skipped.push_back({root, "does not exist or cannot be accessed"});
    } else if (fs::is_directory(st)) {
      stack.emplace_back(root);
    } else {
      files.push_back(root);
    }
  }
  while (!stack.empty()) {
    fs::path dir = stack.back();
    stack.pop_back();
    std::error_code ec;
    fs::path canon = fs::canonical(dir, ec);
    if (ec) {
      skipped.push_back({dir.string(), "cannot resolve folder: " + ec.message()});
      continue;
    }
    if (!visited.insert(canon.string()).second) {
      skipped.push_back({dir.string(), "folder already visited (symlink loop or duplicate link to " + canon.string() + ")"});
      continue;
    }
    fs::directory_iterator it(dir, ec), end;
    if (ec) {
      skipped.push_back({dir.string(), "cannot read folder: " + ec.message()});
      continue;
    }
    std::vector<fs::path> subdirs;
    for (; it != end; it.increment(ec)) {
      if (ec) {
        skipped.push_back({dir.string(), "error while listing folder: " + ec.message()});
        break;
      }
      if (hidden_entry(it->path())) {
        skipped.push_back({it->path().string(), kHiddenReason});
        continue;
      }
      std::error_code sec;
      auto st = it->status(sec);  // follows symlinks
      if (sec) {
        skipped.push_back({it->path().string(), "broken link or unreadable entry: " + sec.message()});
      } else if (fs::is_directory(st)) {
        subdirs.push_back(it->path());
      } else if (fs::is_regular_file(st)) {
        files.push_back(it->path().string());
      }
    }
    std::sort(subdirs.rbegin(), subdirs.rend());
    for (auto& s : subdirs) stack.push_back(std::move(s));
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  mark_errors(skipped);
  return files;
}

ScanResult scan_files(const std::vector<std::string>& listed_files, const ScanOptions& options) {
  dicom::init_dcmtk();
  ScanResult result;
  // NIfTI files (and their sidecars) take their own path; everything else is tried as DICOM.
  std::vector<std::string> files = listed_files, nifti_files;
  nifti::take_nifti_files(files, nifti_files);
  std::vector<std::optional<dicom::FileRecord>> records(files.size());
  std::vector<std::string> reasons(files.size());
  int threads = options.threads > 0 ? options.threads : tbb::task_arena::automatic;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(size_t(0), files.size(), [&](size_t i) {
      try {
        records[i] = dicom::read_header(files[i], options, reasons[i]);
      } catch (const std::exception& e) {  // a parser bug on one file must not stop the scan
        reasons[i] = std::string("header could not be read: ") + e.what();
      }
    });
  });
  // study -> series -> files, in a deterministic order.
  std::map<std::string, std::map<std::string, std::vector<const dicom::FileRecord*>>> grouped;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!records[i]) {
      result.skipped.push_back({files[i], reasons[i]});
      continue;
    }
    const auto& h = records[i]->header;
    if (h.series_uid.empty()) {
      result.skipped.push_back({files[i], "no SeriesInstanceUID"});
      continue;
    }
    grouped[h.study_uid][h.series_uid].push_back(&*records[i]);
  }
  for (auto& [study_uid, series_map] : grouped) {
    Study study;
    study.study_uid = study_uid;
    for (auto& [series_uid, series_files] : series_map) {
      auto split = dicom::split_series(series_files);
      for (auto& d : split.dropped) result.skipped.push_back(std::move(d));
      for (auto& f : split.failed) {
        spdlog::warn("series {}: {}", f.series_uid, f.reason);
        result.failed.push_back(std::move(f));
      }
      if (!split.series.volumes.empty()) study.series.push_back(std::move(split.series));
    }
    std::stable_sort(study.series.begin(), study.series.end(), [](const Series& a, const Series& b) {
      return a.volumes.front().header.series_number < b.volumes.front().header.series_number;
    });
    if (!study.series.empty()) result.studies.push_back(std::move(study));
  }
  nifti::scan_nifti(nifti_files, options, result);
  for (const auto& s : result.skipped) spdlog::debug("skipped {}: {}", s.path, s.reason);
  mark_errors(result.skipped);
  return result;
}

std::optional<std::string> read_study_uid(const std::string& path) {
  dicom::init_dcmtk();
  DcmFileFormat ff;
  // Stop at SeriesInstanceUID (0020,000E), the element after the study's: no pixel data, no sequences beyond.
  if (ff.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect,
                          DCM_SeriesInstanceUID).bad())
    return std::nullopt;
  OFString uid;
  if (ff.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, uid).bad() || uid.empty()) return std::nullopt;
  return std::string(uid.c_str());
}

ScanResult scan_folders(const std::vector<std::string>& roots, const ScanOptions& options) {
  std::vector<SkippedFile> skipped;
  auto files = list_files(roots, skipped);
  ScanResult result = scan_files(files, options);
  result.skipped.insert(result.skipped.begin(), skipped.begin(), skipped.end());
  return result;
}

}  // namespace mpmri
