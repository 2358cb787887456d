#include <gtest/gtest.h>

#include "mpmri/labels.hpp"
#include "mpmri/volume.hpp"

using namespace mpmri;

TEST(Labels, RoundTripAllNames) {
  for (int i = 0; i < kNumLabels; ++i) {
    auto parsed = parse_label(kLabelNames[i]);
    ASSERT_TRUE(parsed.has_value()) << kLabelNames[i];
    EXPECT_EQ(index_of(*parsed), i);
  }
}

TEST(Labels, AliasesAndCaseAreAccepted) {
  EXPECT_EQ(parse_label("dwi_highb"), Label::DWI_HighB);
  EXPECT_EQ(parse_label("Portal Venous"), Label::DCE_Portal);
  EXPECT_EQ(parse_label("opposed-phase"), Label::T1WI_Opp);
  EXPECT_FALSE(parse_label("T1WI").has_value());
  EXPECT_FALSE(parse_label("").has_value());
}

TEST(VolumeKey, DescribesOnlyWhatIsSetAndOrders) {
  VolumeKey a, b;
  EXPECT_EQ(a.describe(), "");
  a.b_value = 0;
  b.b_value = 800;
  EXPECT_EQ(b.describe(), "b=800");
  EXPECT_TRUE(a < b);
  EXPECT_FALSE(a == b);
}
