// Fuzz builds only (MPMRI_FUZZ): they are compiled with clang, which Debian's ITK headers refuse, so the GDCM
// fallback (JPEG 2000 through ITK) is left out and those files fail as "cannot decode".
#include "dicom/decode.hpp"

namespace mpmri::dicom {

bool decode_with_gdcm(const std::string&, int, int, const std::vector<FrameTarget>&, size_t, std::string& why) {
  why = "no JPEG 2000 decoder in this build (fuzzing build without ITK's GDCM)";
  return false;
}

}  // namespace mpmri::dicom
