#include "mpmri/io.hpp"

namespace mpmri {
std::string tool_version() { return MPMRI_VERSION; }
}  // namespace mpmri
