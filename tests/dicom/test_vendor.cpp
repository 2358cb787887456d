// Vendor b-value chain and the Siemens CSA parser on hand-built headers (the shared data has no
// Siemens classic DWI and no GE 10^9-flagged b-value).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcvrobow.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <string>
#include <cstring>

#include "dicom/dicom_fixtures.hpp"
#include "dicom/vendor.hpp"
#include "mpmri/dicom.hpp"

using namespace mpmri::dicom;

// Private tags are inserted with an explicit VR, as a file with its private creator would give them.

namespace {

void put_i32(std::vector<unsigned char>& b, std::int32_t v) {
  unsigned char x[4];
  std::memcpy(x, &v, 4);
  b.insert(b.end(), x, x + 4);
}

// One SV10 CSA header with a single element `name` holding `value`.
std::vector<unsigned char> csa2(const std::string& name, const std::string& value) {
  std::vector<unsigned char> b = {'S', 'V', '1', '0', 4, 3, 2, 1};
  put_i32(b, 1);   // number of elements
  put_i32(b, 77);  // unused
  std::vector<unsigned char> n(64, 0);
  std::memcpy(n.data(), name.data(), name.size());
  b.insert(b.end(), n.begin(), n.end());
  put_i32(b, 1);                      // VM
  b.insert(b.end(), {'D', 'S', 0, 0});  // VR
  put_i32(b, 3);                      // syngo datatype
  put_i32(b, 1);                      // items
  put_i32(b, 77);
  std::int32_t len = static_cast<std::int32_t>(value.size() + 1);
  for (int i = 0; i < 4; ++i) put_i32(b, i == 3 ? 77 : len);
  b.insert(b.end(), value.begin(), value.end());
  b.push_back(0);
  while (b.size() % 4) b.push_back(0);
  return b;
}

}  // namespace

TEST(dicomVendor, GeFlaggedBValue) {
  EXPECT_DOUBLE_EQ(ge_b_value(1000000800), 800);
  EXPECT_DOUBLE_EQ(ge_b_value(1000), 1000);
  DcmDataset ds;
  ds.putAndInsertString(DcmTagKey(0x0043, 0x0010), "GEMS_PARM_01");
  ds.putAndInsertString(DcmTag(0x0043, 0x1039, EVR_IS), "1000000800\\8\\0\\0");
  ds.putAndInsertString(DCM_ScanningSequence, "EP\\SE");
  auto b = classic_b_value(&ds, "GE MEDICAL SYSTEMS");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(b->value, 800);
  EXPECT_EQ(b->source, "(0043,1039)");
}

// GE writes (0043,1039) on ordinary series too: the real CPTAC-CCRCC 'Ax T1 DualEcho' fgre holds [0, 32, 0, 0].
TEST(dicomVendor, GeSlopIntegerIsNoBValueOutsideDiffusion) {
  DcmDataset ds;
  ds.putAndInsertString(DcmTag(0x0043, 0x1039, EVR_IS), "0\\32\\0\\0");
  ds.putAndInsertString(DCM_ScanningSequence, "GR");
  ds.putAndInsertString(DCM_ScanOptions, "FAST_GEMS\\EDR_GEMS\\FILTERED_GEMS\\ACC_GEMS");
  ds.putAndInsertString(DcmTag(0x0019, 0x109C, EVR_LO), "fgre");
  EXPECT_FALSE(classic_b_value(&ds, "GE MEDICAL SYSTEMS"));
  for (auto [tag, value] : {std::pair{DcmTagKey(DCM_ScanOptions), "SAT_GEMS\\EPI_GEMS\\FS"},
                            std::pair{DcmTagKey(DCM_ImageType), "ORIGINAL\\PRIMARY\\DIFFUSION"}}) {
    DcmDataset dwi;
    dwi.putAndInsertString(DcmTag(0x0043, 0x1039, EVR_IS), "1000\\8\\0\\0");
    dwi.putAndInsertString(tag, value);
    auto b = classic_b_value(&dwi, "GE MEDICAL SYSTEMS");
    ASSERT_TRUE(b) << value;
    EXPECT_DOUBLE_EQ(b->value, 1000);
  }
}

// Canon classic DICOM: "b=1500(0.445,0.000,0.895)" in ImageComments, (0018,9087) empty (dcm2niix Canon/README.md).
TEST(dicomVendor, CanonImageCommentsBValue) {
  DcmDataset ds;
  ds.putAndInsertString(DCM_ImageComments, "b=1500(0.445,0.000,0.895)");
  auto b = classic_b_value(&ds, "CANON_MEC");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(b->value, 1500);
  EXPECT_EQ(b->source, "(0020,4000) ImageComments");
  EXPECT_FALSE(classic_b_value(&ds, "SIEMENS")) << "a comment is read as a b-value only for Canon/Toshiba";
  for (const char* text : {"b=abc", "liver b=800", "b=", "b=800 mm"}) {
    DcmDataset other;
    other.putAndInsertString(DCM_ImageComments, text);
    auto got = classic_b_value(&other, "TOSHIBA_MEC");
    if (std::string(text) == "b=800 mm") {
      ASSERT_TRUE(got) << text;
      EXPECT_DOUBLE_EQ(got->value, 800);
    } else {
      EXPECT_FALSE(got) << text;
    }
  }
  DcmDataset both;
  both.putAndInsertFloat64(DCM_DiffusionBValue, 1000);
  both.putAndInsertString(DCM_ImageComments, "b=1500(0.445,0.000,0.895)");
  EXPECT_DOUBLE_EQ(classic_b_value(&both, "TOSHIBA_MEC")->value, 1000) << "the standard tag wins";
}

TEST(dicomVendor, StandardTagWinsOverPrivate) {
  DcmDataset ds;
  ds.putAndInsertFloat64(DCM_DiffusionBValue, 50);
  ds.putAndInsertString(DcmTag(0x0043, 0x1039, EVR_IS), "1000\\8\\0\\0");
  auto b = classic_b_value(&ds, "GE MEDICAL SYSTEMS");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(b->value, 50);
  EXPECT_EQ(b->source, "(0018,9087)");
}

TEST(dicomVendor, SiemensCsaBValue) {
  auto blob = csa2("B_value", "800");
  auto parsed = parse_csa(blob);
  ASSERT_EQ(parsed.count("B_value"), 1u);
  EXPECT_EQ(parsed["B_value"].front(), "800");
  DcmDataset ds;
  ds.putAndInsertUint8Array(DcmTag(0x0029, 0x1010, EVR_OB), blob.data(), static_cast<unsigned long>(blob.size()));
  auto b = classic_b_value(&ds, "SIEMENS");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(b->value, 800);
  EXPECT_NE(b->source.find("(0029,1010)"), std::string::npos);
  EXPECT_FALSE(classic_b_value(&ds, "Philips")) << "private tags are read only for their vendor";
}

TEST(dicomVendor, SiemensClassicPrivateBValue) {
  DcmDataset ds;
  ds.putAndInsertString(DcmTag(0x0019, 0x100C, EVR_IS), "1400");
  auto b = classic_b_value(&ds, "SIEMENS");
  ASSERT_TRUE(b);
  EXPECT_DOUBLE_EQ(b->value, 1400);
  EXPECT_EQ(b->source, "(0019,100C)");
}

TEST(dicomVendor, MalformedCsaGivesNothing) {
  std::vector<unsigned char> junk = {'S', 'V', '1', '0', 4, 3, 2, 1, 0xFF, 0xFF, 0xFF, 0x7F};
  EXPECT_TRUE(parse_csa(junk).empty());
  EXPECT_TRUE(parse_csa({}).empty());
  auto truncated = csa2("B_value", "800");
  truncated.resize(truncated.size() - 10);
  EXPECT_NO_THROW(parse_csa(truncated));
}

// Toshiba/Canon write DiffusionBValue only on images with a diffusion gradient (dcm2niix Canon/README.md): in
// their DWI series the untagged images are the b = 0 volume. Another vendor's untagged image stays without b.
TEST(dicomVendorSplit, CanonB0ImagesWithoutBValueAreBZero) {
  for (const std::string vendor : {"TOSHIBA_MEC", "CANON_MEC", "SIEMENS"}) {
    mpmri::test::TempDir t;
    int instance = 1;
    for (std::optional<double> b : {std::optional<double>(), std::optional<double>(800.0)})
      for (int z = 0; z < 3; ++z) {
        mpmri::test::FakeSlice s;
        s.series_uid = "1.2.3.4.7";
        s.manufacturer = vendor;
        s.instance = instance++;
        s.position = std::array<double, 3>{0, 0, double(z)};
        s.b_value = b;
        s.echo_time = 70;
        mpmri::test::write_slice(t.path / ("im" + std::to_string(s.instance) + ".dcm"), s);
      }
    auto r = mpmri::scan_folders({t.path.string()});
    ASSERT_EQ(r.studies.size(), 1u) << vendor;
    ASSERT_EQ(r.studies[0].series.size(), 1u) << vendor;
    const auto& vols = r.studies[0].series[0].volumes;
    ASSERT_EQ(vols.size(), 2u) << vendor;
    std::set<std::string> bs;
    for (const auto& v : vols) bs.insert(v.b_value() ? std::to_string(std::lround(*v.b_value())) : "none");
    if (vendor == "SIEMENS")
      EXPECT_EQ(bs, (std::set<std::string>{"none", "800"})) << "only Canon/Toshiba omit b = 0 by design";
    else
      EXPECT_EQ(bs, (std::set<std::string>{"0", "800"})) << vendor;
  }
}

// The b = 0 reading is for acquired images: a derived map stored without b in the same Canon series (an ADC or
// exponential ADC) keeps no b-value.
TEST(dicomVendorSplit, CanonDerivedMapWithoutBValueIsNotBZero) {
  mpmri::test::TempDir t;
  int instance = 1;
  for (int kind = 0; kind < 2; ++kind)
    for (int z = 0; z < 3; ++z) {
      mpmri::test::FakeSlice s;
      s.series_uid = "1.2.3.4.8";
      s.manufacturer = "CANON_MEC";
      s.instance = instance++;
      s.position = std::array<double, 3>{0, 0, double(z)};
      s.echo_time = 70;
      if (kind == 0) s.b_value = 1000.0, s.image_type = "ORIGINAL\\PRIMARY\\OTHER";
      else s.image_type = "DERIVED\\PRIMARY\\ADC";
      mpmri::test::write_slice(t.path / ("im" + std::to_string(s.instance) + ".dcm"), s);
    }
  auto r = mpmri::scan_folders({t.path.string()});
  ASSERT_EQ(r.studies.size(), 1u);
  std::set<std::string> bs;
  for (const auto& v : r.studies[0].series.at(0).volumes) bs.insert(v.b_value() ? std::to_string(std::lround(*v.b_value())) : "none");
  EXPECT_EQ(bs, (std::set<std::string>{"none", "1000"}));
}
