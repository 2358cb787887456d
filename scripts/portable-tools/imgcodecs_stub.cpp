// Stand-in for libopencv_imgcodecs in the portable training tools only (make.sh). Synthesis and preprocessing
// for training write no images, and the real library drags in GDAL, OpenEXR, x265 and ICU (over 100 MB of
// shared objects). A call returns false, which the callers already treat as "no thumbnail / no preview".
#include <string>
#include <vector>

namespace cv {
class _InputArray;
bool imwrite(const std::string&, const _InputArray&, const std::vector<int>&) { return false; }
bool imencode(const std::string&, const _InputArray&, std::vector<unsigned char>&, const std::vector<int>&) {
  return false;
}
}  // namespace cv
