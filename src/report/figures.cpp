// Thumbnails and the confusion-matrix heatmap, drawn with OpenCV and written atomically.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/report.hpp"

namespace mpmri {

namespace {

void write_png_atomic(const cv::Mat& img, const std::string& path) {
  if (img.depth() != CV_8U || (img.channels() != 1 && img.channels() != 3))
    throw Error(ErrorKind::Internal, "cannot encode PNG for " + path + ": not an 8-bit grey or BGR image");
  write_file_atomic(path, encode_png(img.data, img.cols, img.rows, img.channels() == 1 ? PngPixels::Gray : PngPixels::Bgr,
                                     img.step[0]));
}

// Matplotlib-like "Blues": white for 0, deep blue for 1. BGR order.
cv::Scalar blues(double t) {
  t = std::clamp(t, 0.0, 1.0);
  const double stops[][3] = {{247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
  double x = t * 4;
  int i = std::min(3, static_cast<int>(x));
  double f = x - i;
  double rgb[3];
  for (int k = 0; k < 3; ++k) rgb[k] = stops[i][k] + f * (stops[i + 1][k] - stops[i][k]);
  return cv::Scalar(rgb[2], rgb[1], rgb[0]);
}

void put_centered(cv::Mat& img, const std::string& text, cv::Point center, double scale, cv::Scalar colour,
                  int thickness) {
  int base = 0;
  cv::Size sz = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, scale, thickness, &base);
  cv::putText(img, text, {center.x - sz.width / 2, center.y + sz.height / 2}, cv::FONT_HERSHEY_SIMPLEX, scale, colour,
              thickness, cv::LINE_AA);
}

}  // namespace

std::string thumbnail_file_name(const std::string& series_uid, int volume_index) {
  // UIDs are digits and dots; anything else (hand-made data) is replaced so the name stays a plain file.
  std::string safe;
  for (char c : series_uid) safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  return safe + "_" + std::to_string(volume_index) + ".png";
}

void write_thumbnail_png(const VolumeImage& image, const std::string& path, int max_side) {
  const int nx = image.size[0], ny = image.size[1], nz = image.size[2];
  if (nx <= 0 || ny <= 0 || nz <= 0 || image.voxels.size() < image.voxel_count())
    throw Error(ErrorKind::Input, "thumbnail: empty or inconsistent image for " + path);
  if (max_side < 8) throw Error(ErrorKind::Usage, "thumbnail: max_side must be at least 8");
  const size_t plane = size_t(nx) * ny;
  const float* slice = image.voxels.data() + plane * size_t(nz / 2);
  cv::Mat f(ny, nx, CV_32F);
  std::vector<float> finite;
  finite.reserve(plane);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      float v = slice[size_t(y) * nx + x];
      f.at<float>(y, x) = v;
      if (std::isfinite(v)) finite.push_back(v);
    }
  // A 1st-99th percentile window keeps a few hot voxels (vessels, fat) from turning the liver grey.
  float lo = 0, hi = 1;
  if (!finite.empty()) {
    size_t a = static_cast<size_t>(0.01 * double(finite.size() - 1));
    size_t b = static_cast<size_t>(0.99 * double(finite.size() - 1));
    std::nth_element(finite.begin(), finite.begin() + a, finite.end());
    lo = finite[a];
    std::nth_element(finite.begin(), finite.begin() + b, finite.end());
    hi = finite[b];
  }
  cv::Mat u8(ny, nx, CV_8U);
  const float range = hi > lo ? hi - lo : 1.0f;
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x) {
      float v = f.at<float>(y, x);
      float t = std::isfinite(v) ? (v - lo) / range : 0.0f;
      u8.at<uchar>(y, x) = static_cast<uchar>(std::lround(255.0f * std::clamp(t, 0.0f, 1.0f)));
    }
  // Physical aspect, so anisotropic pixels (e.g. 0.7 x 1.4 mm) do not squash the anatomy.
  double sx = image.spacing[0] > 0 ? image.spacing[0] : 1, sy = image.spacing[1] > 0 ? image.spacing[1] : 1;
  double w_mm = nx * sx, h_mm = ny * sy;
  double scale = max_side / std::max(w_mm, h_mm);
  int w = std::max(1, static_cast<int>(std::lround(w_mm * scale)));
  int h = std::max(1, static_cast<int>(std::lround(h_mm * scale)));
  cv::Mat out;
  cv::resize(u8, out, {w, h}, 0, 0, (w < nx || h < ny) ? cv::INTER_AREA : cv::INTER_LINEAR);
  write_png_atomic(out, path);
}

void write_confusion_png(const std::vector<std::string>& row_names, const std::vector<std::string>& col_names,
                         const std::vector<std::vector<long>>& counts, const std::string& path) {
  const int nr = static_cast<int>(row_names.size()), nc = static_cast<int>(col_names.size());
  if (nr == 0 || nc == 0 || static_cast<int>(counts.size()) != nr)
    throw Error(ErrorKind::Internal, "confusion image: matrix shape does not match the class names");
  const int cell = 84, font_h = 16;
  const double label_scale = 0.62;
  int label_w = 0;
  for (const auto* names : {&row_names, &col_names})
    for (const auto& n : *names) {
      int base = 0;
      label_w = std::max(label_w, cv::getTextSize(n, cv::FONT_HERSHEY_SIMPLEX, label_scale, 1, &base).width);
    }
  const int left = label_w + 60, top = 50, bottom = label_w + 60, right = 30;
  cv::Mat img(top + nr * cell + bottom, left + nc * cell + right, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Scalar ink(40, 40, 40);
  for (int r = 0; r < nr; ++r) {
    long row_total = 0;
    for (long v : counts[r]) row_total += v;
    for (int c = 0; c < nc; ++c) {
      long v = c < static_cast<int>(counts[r].size()) ? counts[r][c] : 0;
      double share = row_total > 0 ? double(v) / double(row_total) : 0.0;
      cv::Rect box(left + c * cell, top + r * cell, cell, cell);
      cv::rectangle(img, box, blues(share), cv::FILLED);
      cv::rectangle(img, box, cv::Scalar(225, 225, 225), 1);
      cv::Scalar text = share > 0.5 ? cv::Scalar(255, 255, 255) : ink;
      if (v == 0) {
        // Empty cells stay quiet so the reader's eye goes to the diagonal and the real confusions.
        put_centered(img, "0", {box.x + cell / 2, box.y + cell / 2}, 0.6, cv::Scalar(190, 190, 190), 1);
        continue;
      }
      put_centered(img, std::to_string(v), {box.x + cell / 2, box.y + cell / 2 - 10}, 0.75, text, 2);
      if (row_total > 0) {
        char pct[16];
        std::snprintf(pct, sizeof pct, "%.0f%%", 100.0 * share);
        put_centered(img, pct, {box.x + cell / 2, box.y + cell / 2 + 16}, 0.48, text, 1);
      }
    }
    int base = 0;
    cv::Size sz = cv::getTextSize(row_names[r], cv::FONT_HERSHEY_SIMPLEX, label_scale, 1, &base);
    cv::putText(img, row_names[r], {left - 10 - sz.width, top + r * cell + cell / 2 + font_h / 2 - 2},
                cv::FONT_HERSHEY_SIMPLEX, label_scale, ink, 1, cv::LINE_AA);
  }
  // Column names are drawn on a strip that is then rotated, since OpenCV cannot draw vertical text.
  cv::Mat strip(nc * cell, label_w + 20, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int c = 0; c < nc; ++c) {
    int base = 0;
    cv::Size sz = cv::getTextSize(col_names[c], cv::FONT_HERSHEY_SIMPLEX, label_scale, 1, &base);
    cv::putText(strip, col_names[c], {label_w + 10 - sz.width, c * cell + cell / 2 + font_h / 2 - 2},
                cv::FONT_HERSHEY_SIMPLEX, label_scale, ink, 1, cv::LINE_AA);
  }
  cv::Mat rotated;
  // Counter-clockwise, the right-aligned ends of the names meet the matrix and read bottom to top.
  cv::rotate(strip, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
  rotated.copyTo(img(cv::Rect(left, top + nr * cell + 8, rotated.cols, rotated.rows)));
  put_centered(img, "Predicted", {left + nc * cell / 2, img.rows - 22}, 0.7, ink, 2);
  cv::Mat ylab(40, 200, CV_8UC3, cv::Scalar(255, 255, 255));
  put_centered(ylab, "Truth", {100, 20}, 0.7, ink, 2);
  cv::rotate(ylab, ylab, cv::ROTATE_90_COUNTERCLOCKWISE);
  int ytop = std::max(0, top + nr * cell / 2 - 100);
  if (ytop + ylab.rows <= img.rows) ylab.copyTo(img(cv::Rect(4, ytop, ylab.cols, ylab.rows)));
  write_png_atomic(img, path);
}

}  // namespace mpmri
