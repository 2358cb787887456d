#pragma once
// Stage "synth": physics-based synthetic liver mpMRI studies written as scanner-like DICOM, with their
// truth (labels.csv). It uses only mpmri_core types; it never calls the classifier or the header rules.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mpmri/labels.hpp"
#include "mpmri/volume.hpp"

namespace mpmri::synth {

struct SynthOptions {
  std::string out_dir;
  int studies = 1;
  std::uint64_t seed = 1;
  std::string domain = "train";         // see domain_names() and docs/synthetic-data.md
  bool preview = false;                 // one PNG montage per study
  std::string layout = "scanner";       // scanner | nbia
  double deidentify_fraction = -1;      // < 0: the domain's default share
  int jobs = 0;                         // 0 = all cores
  int first_index = 0;                  // studies first_index .. first_index+studies-1
  // Bodies: "phantom" (shapes, the default), "real" (TotalSegmentator subjects' anatomy) or "mix" (half
  // each, drawn per study); real bodies read anatomy_dir/anatomy and anatomy_dir/real.
  std::string anatomy = "phantom";
  std::string anatomy_dir = "../shared";
  // Test and analysis hooks (not on the command line). clean_artefacts switches off the bias field,
  // ghosting, wrap, EPI distortion, spectral fat-suppression failure and breath-hold shifts, so ROI
  // ratios follow the signal equations.
  bool clean_artefacts = false;
  std::string vendor;               // siemens|ge|philips|plain|canon instead of the domain's draw
  std::string transfer_syntax;      // explicit|implicit|rle|jpegls instead of the draw
  double liver_fat_fraction = -1;   // >= 0: the liver's proton-density fat fraction
  int max_slices = 0;               // > 0: keep at most this many central slices per volume (fast tests)
  bool force_enhanced = false;      // every eligible series as Enhanced MR (Siemens/Philips)
};

std::vector<std::string> domain_names();
std::vector<std::string> anatomy_names();

// The exact header of labels.csv.
std::string labels_csv_header();

// One row of labels.csv: one volume.
struct LabelRow {
  std::string study_uid, series_uid;
  std::string echo_time_ms;  // the DICOM decimal string, only when the series' volumes differ in TE
  std::string b_value;       // only when the series' volumes differ in b
  std::string temporal_index;  // only when the series' volumes differ in temporal position
  Label label = Label::Other;
  std::string manufacturer;
  double field_strength_t = 1.5;
  std::string domain;
  bool deidentified = false;
  std::string series_kind;
};
std::string to_csv_line(const LabelRow& row);

struct StudySummary {
  int index = 0;
  std::string folder;  // absolute path of the study's folder (scanner layout) or its NBIA study folder
  std::string study_uid;
  std::vector<LabelRow> rows;
  int files = 0;
  double seconds = 0;
};

// Generates study `index` (its RNG seed derives from (options.seed, index) only) and writes its files,
// DIR/<study>/labels.csv and DIR/<study>/synth.json. Does not touch the top-level labels.csv.
StudySummary generate_study(const SynthOptions& options, int index);

// Generates all requested studies (in parallel), then merges every per-study labels.csv under out_dir
// into out_dir/labels.csv (atomically) and, for the nbia layout, writes out_dir/metadata.csv.
std::vector<StudySummary> run_synth(const SynthOptions& options);

// ---- Noise-free access for tests and analysis -------------------------------------------------
// Tissues of the phantom, in the order used by tissue_name().
enum class Tissue : std::uint8_t {
  Air = 0, SubcutFat, Muscle, Bone, Marrow, Disc, Csf, Cavity, VisceralFat, Liver, HepaticVein, PortalVein,
  Spleen, KidneyCortex, KidneyMedulla, Aorta, Ivc, Pancreas, StomachWall, StomachContent, Bowel, Gallbladder,
  Lung, Heart, Hcc, Cyst, Hemangioma, Metastasis, BileDuct, Count
};
const char* tissue_name(Tissue t);

// A rendered volume with the dominant tissue of every voxel (the share of that tissue in the voxel's
// footprint is in `purity`, 0..1), in the same geometry as `image`.
struct TruthVolume {
  VolumeImage image;                 // rendered signal before the vendor's stored scaling (ADC: 10^-6 mm2/s)
  std::vector<std::uint8_t> tissue;  // Tissue per voxel
  std::vector<float> purity;
  Label label = Label::Other;
  std::string series_kind;
  double echo_time_ms = 0, b_value = -1, seconds_after_injection = -1e9;
  int series_number = 0;
};

struct StudyTruth {
  std::vector<TruthVolume> volumes;  // in series order, then volume order
  std::string json;                  // every generating parameter, as in synth.json
};

// Re-renders every volume of study `index` in memory, exactly as generate_study would write them
// (same seeds), optionally without noise. Nothing is written.
StudyTruth render_study_truth(const SynthOptions& options, int index, bool noise_free);

// Rewrites out_dir/labels.csv (atomically) as the merge of every per-study labels.csv below out_dir.
void merge_study_labels(const std::string& out_dir);

}  // namespace mpmri::synth
