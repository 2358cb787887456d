// Loader benchmark: scan + decode + volume build over real DICOM folders against dcm2niix on the same
// folders, warm cache, in the same run. Usage: bench_loader [--reps N] [FOLDER...]
// (default: every folder of ../shared/dicom). Prints medians and the ratio ours / dcm2niix.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <tbb/parallel_for_each.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// CPU seconds (user + system) of this process or of its finished children; wall time on a shared
// machine depends on the load, CPU time much less.
double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

struct OurRun {
  double seconds = 0, cpu = 0;
  size_t volumes = 0, voxels = 0, failed = 0, skipped = 0;
};

OurRun run_ours(const std::vector<std::string>& folders) {
  OurRun r;
  double c0 = cpu_seconds(RUSAGE_SELF);
  auto t0 = Clock::now();
  mpmri::ScanResult scan = mpmri::scan_folders(folders);
  std::vector<const mpmri::VolumeInfo*> volumes;
  for (const auto& st : scan.studies)
    for (const auto& se : st.series)
      for (const auto& v : se.volumes) volumes.push_back(&v);
  std::atomic<size_t> voxels{0}, failed{0};
  // Volumes are independent, as in the study runner; load_volume itself also spreads over files.
  tbb::parallel_for_each(volumes.begin(), volumes.end(), [&](const mpmri::VolumeInfo* v) {
    try {
      voxels += mpmri::load_volume(*v).voxels.size();
    } catch (const mpmri::Error&) {
      ++failed;
    }
  });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.cpu = cpu_seconds(RUSAGE_SELF) - c0;
  r.volumes = volumes.size();
  r.voxels = voxels;
  r.failed = failed + scan.failed.size();
  r.skipped = scan.skipped.size();
  return r;
}

double run_dcm2niix(const std::vector<std::string>& folders, const fs::path& out, double& cpu) {
  double c0 = cpu_seconds(RUSAGE_CHILDREN);
  auto t0 = Clock::now();
  for (const auto& f : folders) {
    fs::remove_all(out);
    fs::create_directories(out);
    std::string cmd = "dcm2niix -z n -b n -o '" + out.string() + "' '" + f + "' > /dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "dcm2niix reported an error on %s\n", f.c_str());
  }
  cpu = cpu_seconds(RUSAGE_CHILDREN) - c0;
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  // Duplicate-file warnings would repeat every run; errors still reach stderr.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::err);
  int reps = 5;
  std::vector<std::string> folders;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      folders.push_back(a);
    }
  }
  if (folders.empty()) {
    fs::path root = MPMRI_SHARED_DICOM;
    if (!fs::is_directory(root)) {
      std::fprintf(stderr, "no folders given and %s is missing\n", root.c_str());
      return 2;
    }
    for (const auto& e : fs::directory_iterator(root))
      if (e.is_directory()) folders.push_back(e.path().string());
    std::sort(folders.begin(), folders.end());
  }
  bool have_dcm2niix = std::system("dcm2niix -h > /dev/null 2>&1") == 0;
  fs::path out = fs::temp_directory_path() / ("bench-loader-" + std::to_string(std::random_device{}()));

  // Warm the page cache (and DCMTK's dictionary) before timing either tool.
  OurRun warm = run_ours(folders);
  double cpu = 0;
  if (have_dcm2niix) run_dcm2niix(folders, out, cpu);

  std::vector<double> ours, theirs, ours_cpu, theirs_cpu;
  for (int i = 0; i < reps; ++i) {
    OurRun r = run_ours(folders);
    ours.push_back(r.seconds);
    ours_cpu.push_back(r.cpu);
    if (have_dcm2niix) {
      theirs.push_back(run_dcm2niix(folders, out, cpu));
      theirs_cpu.push_back(cpu);
    }
  }
  fs::remove_all(out);
  std::printf("folders: %zu, volumes: %zu, voxels: %zu, failed: %zu, skipped files: %zu\n", folders.size(), warm.volumes,
              warm.voxels, warm.failed, warm.skipped);
  std::printf("mpmri scan+decode+build: median %.3f s wall, %.3f s CPU over %d runs\n", median(ours), median(ours_cpu), reps);
  if (!have_dcm2niix) {
    std::printf("dcm2niix not installed: no ratio\n");
    return 0;
  }
  std::printf("dcm2niix -z n:           median %.3f s wall, %.3f s CPU over %d runs\n", median(theirs), median(theirs_cpu), reps);
  std::printf("ratio mpmri / dcm2niix:  %.2f wall (goal <= 0.50), %.2f CPU\n", median(ours) / median(theirs),
              median(ours_cpu) / median(theirs_cpu));
  return 0;
}
