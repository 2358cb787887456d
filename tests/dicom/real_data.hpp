#pragma once
// Access to the shared real scanner DICOM (../shared/dicom); tests skip when it is absent.
#include <filesystem>
#include <string>
#include <vector>

#include "mpmri/dicom.hpp"

namespace mpmri::test {

inline std::filesystem::path shared_dicom() { return MPMRI_SHARED_DICOM; }

inline bool have_shared_dicom() { return std::filesystem::is_directory(shared_dicom()); }

inline std::vector<const VolumeInfo*> all_volumes(const ScanResult& r) {
  std::vector<const VolumeInfo*> out;
  for (const auto& st : r.studies)
    for (const auto& se : st.series)
      for (const auto& v : se.volumes) out.push_back(&v);
  return out;
}

}  // namespace mpmri::test

#define REQUIRE_SHARED_DICOM()                                                                                   \
  do {                                                                                                           \
    if (!mpmri::test::have_shared_dicom())                                                                       \
      GTEST_SKIP() << "real DICOM not found at " << mpmri::test::shared_dicom() << " (set MPMRI_SHARED_DICOM)"; \
  } while (0)
