#pragma once
// Vendor-specific places where diffusion facts hide (see docs/vendor-quirks.md).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcitem.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mpmri::dicom {

struct BValue {
  double value = 0;
  std::string source;  // "(0018,9087)"
};

// Classic (one image per file) b-value chain: standard tag, then vendor private tags.
// A GE acquisition that can carry a b-value in (0043,1039): EPI (ScanningSequence EP, ScanOptions EPI_GEMS),
// ImageType DIFFUSION, a GE diffusion gradient (0019,10BB) or an EPI/diffusion PulseSequenceName (0019,109C).
bool ge_diffusion_acquisition(DcmItem* ds);

std::optional<BValue> classic_b_value(DcmItem* ds, const std::string& manufacturer);

// Manufacturer names Canon or Toshiba (CANON_MEC, TOSHIBA_MEC), whose diffusion habits differ (vendor-quirks.md).
bool canon_or_toshiba(const std::string& manufacturer);
// Diffusion gradient direction when known (standard or vendor private); used to tell DWI directions apart.
std::optional<std::array<double, 3>> classic_gradient(DcmItem* ds);

// Siemens CSA header (SV10 or old CSA1): element name -> values. Malformed input gives an empty map.
std::map<std::string, std::vector<std::string>> parse_csa(const std::vector<unsigned char>& bytes);

// GE stores b + 10^9 for some multi-b and synthetic series in (0043,1039).
double ge_b_value(double raw);

}  // namespace mpmri::dicom
