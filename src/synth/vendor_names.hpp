#pragma once
// Vendor header styles (reference Table 2): descriptions, protocol and sequence names, scanning
// sequence terms and image types for every kind of series the generator makes.
#include <string>
#include <vector>

#include "protocol.hpp"

namespace mpmri::synth {

struct NameContext {
  std::string kind;       // localizer, t2_nofs_cor, t2_nofs_ax, inopp_2d, dixon_3d, dixon_water, dixon_fat,
                          // t2fs, mrcp, dwi, adc, dce, subtraction, hbp
  FatSup fatsup = FatSup::None;
  bool single_shot = false;
  std::string phase;      // pre, arterial, portal, delayed, hbp (dce) ; in, opp (separate inopp series)
  bool one_series = true; // phases or echoes or b-values held in one series
  std::vector<int> bvalues;
  int echo = 1;           // 1 = opposed (first echo), 2 = in-phase
  int bvalue = 0;         // this volume's b-value (dwi)
  int variant = 0;        // a random draw for naming variants
};

struct Naming {
  std::string description, protocol, sequence_name, scanning_sequence, sequence_variant, scan_options;
  std::vector<std::string> image_type;
};

// Series-level names (description, protocol, sequence terms).
Naming vendor_naming(Vendor v, const NameContext& c);

std::string vendor_model(Vendor v, double field_t, int variant);

}  // namespace mpmri::synth
