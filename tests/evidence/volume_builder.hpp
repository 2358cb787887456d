#pragma once
// Constructed volumes for the evidence tests: a plausible default, changed field by field.
#include <ostream>
#include <string>
#include <vector>

#include "mpmri/evidence.hpp"
#include "mpmri/prediction.hpp"

namespace mpmri::test {

// The documented priors (data/*.priors.json). Rule mechanics are tested on these, so recalibrating the shipped
// parameters (data/fusion_params.json, data/keyword_rules.json) cannot break them; the tests of the shipped
// defaults (real data, built-in files) use DecisionEngine() itself.
inline std::string prior_keyword_rules() { return std::string(MPMRI_SOURCE_DIR) + "/data/keyword_rules.priors.json"; }
inline std::string prior_fusion_params() { return std::string(MPMRI_SOURCE_DIR) + "/data/fusion_params.priors.json"; }
inline DecisionEngine prior_engine() { return DecisionEngine(DecisionConfig{prior_keyword_rules(), prior_fusion_params()}); }

inline VolumeResult volume(const std::string& series_uid, int series_number = 1) {
  VolumeResult r;
  auto& h = r.info.header;
  h.study_uid = "study";
  h.series_uid = series_uid;
  h.series_number = series_number;
  h.modality = "MR";
  h.field_strength_t = 1.5;
  h.photometric = "MONOCHROME2";
  h.image_type = {"ORIGINAL", "PRIMARY", "M", "ND"};
  h.sop_class_uid = "1.2.840.10008.5.1.4.1.1.4";
  r.info.plane = "axial";
  r.info.matrix = {256, 256};
  r.info.pixel_spacing = {1.5, 1.5};
  r.info.slices.resize(30);
  return r;
}

inline VolumeResult dwi(const std::string& uid, double b, int index = 0) {
  auto r = volume(uid);
  auto& h = r.info.header;
  h.scanning_sequence = "EP\\SE";
  h.echo_time_ms = 60;
  h.repetition_time_ms = 4000;
  h.b_value = b;
  h.b_value_source = "(0043,1039)";
  r.info.key.b_value = b;
  r.info.volume_index = index;
  return r;
}

// 3D fat-suppressed spoiled GRE (VIBE-like), acquired at `t_s` seconds since midnight.
inline VolumeResult vibe(const std::string& uid, int series_number, double t_s) {
  auto r = volume(uid, series_number);
  auto& h = r.info.header;
  h.scanning_sequence = "GR";
  h.sequence_name = "*fl3d1";
  h.mr_acquisition_type = "3D";
  h.scan_options = "FS";
  h.repetition_time_ms = 4.2;
  h.echo_time_ms = 1.9;
  h.flip_angle_deg = 10;
  h.acquisition_time_s = t_s;
  r.info.matrix = {320, 260};
  r.info.pixel_spacing = {1.2, 1.2};
  return r;
}

inline LabelProbs probs(Label top, double p) {
  LabelProbs out;
  out.fill((1 - p) / (kNumLabels - 1));
  out[index_of(top)] = p;
  return out;
}

}  // namespace mpmri::test

namespace mpmri {
// Readable label names in gtest failure messages.
inline void PrintTo(Label l, std::ostream* os) { *os << to_string(l); }
}  // namespace mpmri
