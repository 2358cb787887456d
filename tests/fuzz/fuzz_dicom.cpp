// libFuzzer target: arbitrary bytes as one DICOM file through the loader (header scan, series and volume
// split, pixel decode, geometry). A corrupt file must end as a skipped file, a failed series or an exception
// the runner reports (it catches std::exception per volume); never as a crash, a leak or undefined behaviour.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <exception>
#include <string>

#include "mpmri/dicom.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // per-file warnings are the expected outcome here, by the thousand
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, size_t size) {
  // The loader reads files by path (DCMTK's parser and the pixel decoders work on files).
  static const std::string path = "/tmp/mpmri-fuzz-" + std::to_string(::getpid()) + ".dcm";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  mpmri::ScanOptions options;
  options.threads = 1;
  options.max_voxels = 8u << 20;  // a fuzzed header may claim any size; keep each run small
  try {
    mpmri::ScanResult scan = mpmri::scan_files({path}, options);
    for (const auto& study : scan.studies)
      for (const auto& series : study.series)
        for (const auto& volume : series.volumes) {
          try {
            mpmri::load_volume(volume, options);
          } catch (const std::exception&) {
          }
        }
  } catch (const std::exception&) {
  }
  return 0;
}
