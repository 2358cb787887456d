#pragma once
// Small file helpers shared by every writer.
#include <string>

namespace mpmri {

// Writes to a temporary file in the same folder, flushes, then renames over `path`,
// so a reader never sees a half-written output. Throws Error(Io) on failure.
void write_file_atomic(const std::string& path, const std::string& content);

std::string sha256_file(const std::string& path);  // lower-case hex
std::string tool_version();

}  // namespace mpmri
