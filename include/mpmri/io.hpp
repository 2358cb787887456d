#pragma once
// Small file helpers shared by every writer.
#include <cstddef>
#include <string>

namespace mpmri {

// Writes to a temporary file in the same folder, flushes, then renames over `path`,
// so a reader never sees a half-written output. Throws Error(Io) on failure.
void write_file_atomic(const std::string& path, const std::string& content);

// The same for writers that make the file themselves (ITK, DCMTK, a copy): a temporary name beside `path`,
// ending in `ending` when the writer picks its format by it (".nii.gz"), then rename_into_place.
std::string temporary_path_for(const std::string& path, const std::string& ending = "");
// Renames `tmp` onto `path`, removing `tmp` when that fails. Throws Error(Io).
void rename_into_place(const std::string& tmp, const std::string& path);

enum class PngPixels { Gray, Bgr };  // 8 bits per sample; Bgr is OpenCV's CV_8UC3 order
// PNG file bytes for 8-bit pixels, rows `row_bytes` apart (0: tightly packed). Throws Error on failure.
std::string encode_png(const unsigned char* pixels, int width, int height, PngPixels layout, size_t row_bytes = 0);

std::string sha256_file(const std::string& path);  // lower-case hex
std::string tool_version();

}  // namespace mpmri
