#pragma once
// The seam between the loader and everything after it: plain structs and buffers, no DCMTK/ITK/LibTorch.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mpmri {

// What splits one series into volumes. Unset members did not vary (or were absent).
struct VolumeKey {
  std::optional<int> echo_number;
  std::optional<double> echo_time_ms;
  std::optional<double> b_value;
  std::optional<int> temporal_index;  // 1-based, as TemporalPositionIdentifier
  std::string image_type;             // only set when the series mixes image types
  std::string orientation;            // only set when the series mixes orientations
  std::string describe() const;       // "TE=2.3 b=800 t=2", for logs and evidence
  bool operator<(const VolumeKey& o) const;
  bool operator==(const VolumeKey& o) const;
};

// One image (a classic file, or one frame of an enhanced multi-frame file).
struct SliceRef {
  std::string path;
  int frame = 0;  // 0-based frame within a multi-frame object
  std::array<double, 3> position{};     // ImagePositionPatient (LPS, mm)
  std::optional<double> acquisition_time_s;  // seconds since midnight
  int instance_number = 0;
};

// Header facts read once per volume (representative of its slices). Absent tags stay empty/unset.
struct HeaderInfo {
  std::string study_uid, series_uid, sop_class_uid;
  std::string patient_id, study_date, modality, body_part;
  int series_number = 0;
  std::string series_description, protocol_name;
  std::string manufacturer, manufacturer_model;
  std::optional<double> field_strength_t, imaging_frequency_mhz;
  std::string sequence_name, scanning_sequence, sequence_variant, scan_options;
  std::string mr_acquisition_type;           // 2D / 3D
  std::vector<std::string> image_type;       // ImageType values, upper case
  std::optional<double> repetition_time_ms, echo_time_ms, inversion_time_ms, flip_angle_deg;
  std::optional<int> echo_number, echo_train_length;
  std::optional<double> b_value;
  std::string b_value_source;                // e.g. "(0043,1039)"
  std::string diffusion_directionality;      // (0018,9075)
  std::optional<int> temporal_index, number_of_temporal_positions;
  std::optional<double> trigger_time_ms;
  std::optional<double> acquisition_time_s, content_time_s, series_time_s;  // seconds since midnight
  std::string contrast_agent;                // ContrastBolusAgent
  std::optional<double> contrast_start_time_s;
  std::string contrast_phase;                // (0018,9344) ContrastBolusAgentPhase
  std::string spectrally_selected_suppression;  // (0018,9025)
  std::string acquisition_contrast;          // (0008,9209)
  std::optional<double> slice_thickness_mm;
  std::optional<double> pixel_bandwidth;
  std::array<double, 6> orientation{};       // ImageOrientationPatient (row, column cosines)
  bool has_orientation = false;
  std::string photometric;                   // MONOCHROME2, RGB, ...
  std::string transfer_syntax_uid;
  bool enhanced = false;                     // enhanced multi-frame source
  bool mosaic = false;                       // Siemens mosaic (treated as 2D, see docs/vendor-quirks.md)
  // Modality (0008,0060) names another modality (CT, PT, SR, OT, ...): none of the ten labels applies and no
  // model runs on it. An absent Modality (stripped headers, NIfTI without a sidecar) is taken as MR.
  bool other_modality() const;
};

// A volume whose voxels come from a NIfTI file instead of DICOM slices (src/dicom/nifti_source.cpp):
// load_volume reads them from `path`, 3D volume `index` along the file's 4th dimension.
struct NiftiSource {
  std::string path;  // the .nii / .nii.gz file
  int index = 0;     // 0-based position along the 4th dimension (0 for a 3D file)
};

// One 3D volume found in a series: its header, split key, and the slices that make it, sorted along the normal.
struct VolumeInfo {
  HeaderInfo header;
  VolumeKey key;
  int volume_index = 0;      // 0-based within the series, deterministic order
  int volumes_in_series = 1;
  std::vector<SliceRef> slices;
  std::string plane;         // axial / coronal / sagittal / oblique
  std::array<int, 2> matrix{};  // columns, rows
  std::array<double, 2> pixel_spacing{};  // column spacing, row spacing (mm)
  std::vector<std::string> warnings;  // gaps, uneven spacing, missing slices...
  std::optional<NiftiSource> nifti;   // set for NIfTI input; slices then name the file, frame = slice index
  std::string id() const;    // series_uid + "#" + volume_index, unique within a scan
  // The volume's own TE / b / temporal position: the split key when the series was split on it (the header
  // holds the first slice's value then), else the header's. Every reader asks here.
  std::optional<double> echo_time_ms() const { return key.echo_time_ms ? key.echo_time_ms : header.echo_time_ms; }
  std::optional<double> b_value() const { return key.b_value ? key.b_value : header.b_value; }
  std::optional<int> temporal_index() const { return key.temporal_index ? key.temporal_index : header.temporal_index; }
};

// Decoded voxels with geometry in LPS. Index order x fastest (column), then y (row), then z (slice).
struct VolumeImage {
  std::array<int, 3> size{};
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 3> origin{};
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major 3x3, columns = axis directions
  std::vector<float> voxels;  // rescale slope/intercept applied
  size_t voxel_count() const { return size_t(size[0]) * size_t(size[1]) * size_t(size[2]); }
};

// A file that was not turned into a volume, with the reason.
struct SkippedFile {
  std::string path;
  std::string reason;
  // true when the file looked like DICOM (preamble, DICM magic or .dcm name) but could not be read:
  // it counts as a failure in the exit code; a README or a structured report is skipped, not failed.
  bool is_error = false;
};

// A series (or part of one) that could not be loaded.
struct FailedSeries {
  std::string study_uid, series_uid;
  std::string reason;
};

struct Series {
  std::string study_uid, series_uid;
  std::vector<VolumeInfo> volumes;
};

struct Study {
  std::string study_uid;
  std::vector<Series> series;
  std::vector<FailedSeries> failed;  // its series (or parts) that could not be loaded, found with its files
};

// Result of scanning folders: studies with their series and volumes, plus what was skipped.
struct ScanResult {
  std::vector<Study> studies;
  std::vector<SkippedFile> skipped;
  std::vector<FailedSeries> failed;
};

}  // namespace mpmri
