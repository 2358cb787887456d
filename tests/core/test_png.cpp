#include <gtest/gtest.h>
#include <png.h>

#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"

using namespace mpmri;

namespace {

// Decodes PNG bytes into tightly packed 8-bit samples of the given format.
std::vector<unsigned char> decode(const std::string& bytes, png_uint_32 format, int& width, int& height) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) << image.message;
  width = int(image.width), height = int(image.height);
  image.format = format;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(image));
  EXPECT_TRUE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr)) << image.message;
  return pixels;
}

}  // namespace

TEST(Png, GreyRowsWithPaddingRoundTrip) {
  // 3x2 pixels in rows of 5 bytes (2 bytes of padding that must not leak into the image).
  const std::vector<unsigned char> rows = {0, 128, 255, 9, 9, 10, 20, 30, 9, 9};
  std::string png = encode_png(rows.data(), 3, 2, PngPixels::Gray, 5);
  ASSERT_EQ(png.substr(1, 3), "PNG");
  int w = 0, h = 0;
  auto back = decode(png, PNG_FORMAT_GRAY, w, h);
  EXPECT_EQ(w, 3);
  EXPECT_EQ(h, 2);
  EXPECT_EQ(back, (std::vector<unsigned char>{0, 128, 255, 10, 20, 30}));
}

TEST(Png, BgrIsStoredAsTheColoursItNames) {
  const std::vector<unsigned char> bgr = {255, 0, 0, 0, 0, 255};  // one blue pixel, one red pixel
  int w = 0, h = 0;
  auto rgb = decode(encode_png(bgr.data(), 2, 1, PngPixels::Bgr), PNG_FORMAT_RGB, w, h);
  EXPECT_EQ(rgb, (std::vector<unsigned char>{0, 0, 255, 255, 0, 0}));
}

TEST(Png, EmptyImageIsRefused) {
  unsigned char one = 0;
  EXPECT_THROW(encode_png(&one, 0, 1, PngPixels::Gray), Error);
}
