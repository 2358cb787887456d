// Our volumes against dcm2niix's NIfTI for every image series under ../shared/dicom: same geometry
// (compared in physical LPS space, ITK's NIfTI reader converts from RAS) and identical voxel values.
#include <gtest/gtest.h>

#include "dicom/dcm2niix_reference.hpp"
#include "dicom/dicom_fixtures.hpp"
#include "dicom/real_data.hpp"
#include "mpmri/dicom.hpp"

using namespace mpmri;
using namespace mpmri::test;

TEST(dicomVsDcm2niix, EveryLosslessVolumeMatches) {
  REQUIRE_SHARED_DICOM();
  if (!have_dcm2niix()) GTEST_SKIP() << "dcm2niix is not installed";
  mpmri::test::TempDir out;
  Dcm2niixOutput reference = run_dcm2niix(shared_dicom(), out.path);
  const auto& by_series = reference.by_series;
  auto& names = reference.names;
  ASSERT_FALSE(by_series.empty());
  auto scan = scan_folders({mpmri::test::shared_dicom().string()});
  int matched = 0, excused = 0;
  for (const auto* v : mpmri::test::all_volumes(scan)) {
    std::string why = deliberate_difference(*v);
    std::string label = v->header.series_description + " [" + v->key.describe() + "] " + v->id();
    if (!why.empty()) {
      ++excused;
      std::cout << "[ differs  ] " << label << ": " << why << "\n";
      continue;
    }
    auto it = by_series.find(v->header.series_uid);
    if (it == by_series.end()) {
      ADD_FAILURE() << label << ": dcm2niix wrote nothing for this series";
      continue;
    }
    VolumeImage img = load_volume(*v);
    std::string details;
    bool ok = false;
    for (size_t f = 0; f < it->second.size() && !ok; ++f) {
      Match m = compare(img, it->second[f].GetPointer());
      ok = m.geometry && m.values;
      details += "\n  " + names[it->first][f] + ": " + m.detail;
    }
    EXPECT_TRUE(ok) << label << details;
    if (ok) ++matched;
  }
  std::cout << "[ dcm2niix ] " << matched << " volumes identical, " << excused << " deliberately different\n";
  EXPECT_GT(matched, 40);
}
