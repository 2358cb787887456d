#include "mpmri/volume.hpp"

#include <cctype>
#include <sstream>
#include <tuple>

namespace mpmri {

std::string VolumeKey::describe() const {
  std::ostringstream s;
  const char* sep = "";
  auto put = [&](const char* name, auto value) {
    s << sep << name << "=" << value;
    sep = " ";
  };
  if (echo_number) put("echo", *echo_number);
  if (echo_time_ms) put("TE", *echo_time_ms);
  if (b_value) put("b", *b_value);
  if (temporal_index) put("t", *temporal_index);
  if (!image_type.empty()) put("type", image_type);
  if (!orientation.empty()) put("plane", orientation);
  return s.str();
}

static auto tie_key(const VolumeKey& k) {
  return std::tie(k.echo_number, k.echo_time_ms, k.b_value, k.temporal_index, k.image_type, k.orientation);
}
bool VolumeKey::operator<(const VolumeKey& o) const { return tie_key(*this) < tie_key(o); }
bool VolumeKey::operator==(const VolumeKey& o) const { return tie_key(*this) == tie_key(o); }

bool HeaderInfo::other_modality() const {
  std::string m;
  for (char c : modality)
    if (c != ' ') m.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return !m.empty() && m != "MR";
}

std::string VolumeInfo::id() const { return header.series_uid + "#" + std::to_string(volume_index); }

}  // namespace mpmri
