#pragma once
// The plan of one synthetic study: which series, in which storage layout, with which vendor's header
// style, geometry, timing and sequence parameters. Pure data; rendering and writing read it.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "contrast.hpp"
#include "mpmri/labels.hpp"

namespace mpmri::synth {

enum class Vendor { Siemens, GE, Philips, Plain, Canon };
const char* vendor_name(Vendor v);  // as written in Manufacturer
Vendor vendor_from_name(const std::string& name);  // siemens, ge, philips, plain, canon; throws Error(Usage)

// Slice geometry in LPS: row direction (along columns index), column direction (along rows), normal.
struct Geometry {
  std::string plane = "axial";  // axial / coronal / sagittal / oblique
  int cols = 256, rows = 192, slices = 30;
  double px = 1.4, py = 1.4;    // column spacing (along a row), row spacing (mm)
  double thickness = 5, gap = 1; // slice thickness and gap between slices (mm)
  Vec3 centre;                  // centre of the slab (mm)
  Vec3 row_dir{1, 0, 0}, col_dir{0, 1, 0}, normal{0, 0, -1};
  bool pe_rows = true;          // phase encoding runs along the column direction (A-P for axial)
  double wrap = 0;              // > 0: phase FOV this much smaller than needed, folded (mm)
};

enum class Derived { None, Adc, Subtraction, DixonWater, DixonFat };

struct VolumePlan {
  Label label = Label::Other;
  std::string kind;             // series_kind in labels.csv
  SeqParams seq;
  Geometry geo;
  Vec3 shift;                   // breath-hold displacement of the abdominal contents (mm)
  int echo_number = 1;
  int temporal_index = 0;       // 1-based when the series holds several phases
  Derived derived = Derived::None;
  std::vector<std::pair<int, int>> sources;  // (series, volume) indices this volume derives from
  double acq_time_s = 0;        // time of day when this volume's acquisition starts
  double duration_s = 20;
  std::vector<std::string> image_type;
  std::string sequence_name;
  double snr = 30;              // liver (or tissue) signal / noise sigma
};

struct SeriesPlan {
  int number = 1;
  std::string kind;
  std::string description, protocol;
  std::string scanning_sequence, sequence_variant, scan_options, acquisition_type = "2D";
  std::string contrast_agent;   // blank before contrast
  double bandwidth = 400;
  int echo_train = 1;
  bool enhanced = false;        // Enhanced MR Image Storage (multi-frame)
  bool multi_te = false, multi_b = false, multi_t = false;  // which keys differ between its volumes
  std::vector<VolumePlan> volumes;
  std::string folder;           // relative folder of its files (scanner layout)
};

struct StudyPlan {
  int index = 0;
  std::uint64_t seed = 0;
  std::string domain;
  Vendor vendor = Vendor::Siemens;
  std::string model;
  double field_t = 1.5;
  bool deidentified = false;
  std::string transfer_syntax = "explicit";  // explicit | implicit | rle | jpegls
  std::string study_uid, patient_id, patient_name, study_date, accession;
  std::string study_description, folder;
  double study_start_s = 0;
  double injection_s = -1;      // time of day of the injection (< 0: no contrast)
  std::string agent;
  double arrival_s = 16, dose_scale = 1;
  std::string phase_rule;       // how phases were timed (documented in synth.json)
  std::vector<SeriesPlan> series;
  nlohmann::json describe() const;
};

// Domain presets: which vendors, fields, noise, resolution and timing ranges.
struct DomainPreset {
  std::string name;
  std::vector<Vendor> vendors;
  std::vector<double> fields;
  double deid_share = 0.15;
  double snr_scale_lo = 1.0, snr_scale_hi = 1.0;
  double res_scale_lo = 1.0, res_scale_hi = 1.0;
  double thick_scale_lo = 1.0, thick_scale_hi = 1.0;
  double timing_jitter_s = 4;
  double enhanced_share = 0.25;  // of the original, non-contrast series of Siemens and Philips studies
};
DomainPreset domain_preset(const std::string& name);  // throws Error(Usage) on unknown names

StudyPlan plan_study(Rng& rng, const DomainPreset& dom, int index, std::uint64_t seed, const SynthOptions& options,
                     const Phantom& ph);

// The UID 2.25.<decimal> derived from the study seed and a path of integers.
std::string make_uid(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0);

}  // namespace mpmri::synth

namespace mpmri::synth::detail {
double round_to(double v, double q);
Geometry axial(Rng& rng, const Phantom& ph, const DomainPreset& dom, int cols, double rows_ratio, double thick,
               double gap, double z_lo, double z_hi, double tilt_deg = 0);
Geometry coronal(Rng& rng, const Phantom& ph, int cols, double thick, double gap, int slices);
Vec3 breath_hold(Rng& rng, double sd);
}  // namespace mpmri::synth::detail
