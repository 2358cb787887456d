#pragma once
// Stage 5: writers. One function per output format; files appear only when complete (atomic rename).
#include <memory>
#include <string>
#include <vector>

#include "mpmri/prediction.hpp"

namespace mpmri {

// Column layout of volumes.csv (also read back by `evaluate`). echo_time_ms, b_value and temporal_index
// hold the volume's value (split key when the series was split, else the header value; blank if absent).
// study_uid,series_uid,series_number,series_description,volume_index,echo_time_ms,b_value,temporal_index,
// image_type,label,confidence,p_T1WI_In..p_Other,status,reason,evidence,manufacturer,field_strength_t
std::string volumes_csv_header();
std::string volumes_csv_rows(const StudyResult& study);
// series.csv: study_uid,series_uid,series_number,series_description,volumes,label,labels,confidence,status,reason
// (labels = the distinct volume labels joined by ';')
std::string series_csv_header();
std::string series_csv_rows(const StudyResult& study);
std::string csv_escape(const std::string& field);

struct RunProvenance {
  std::string tool_version, model_name, model_sha256, mode;
  std::vector<std::string> arguments;
};

// Streams studies into OUTDIR/{volumes.csv,series.csv,results.json}: rows go to hidden partial files
// as each study finishes (memory stays bounded), and finish() renames them into place.
class ResultsWriter {
 public:
  ResultsWriter(const std::string& out_dir, const RunProvenance& provenance);
  ~ResultsWriter();
  void add_study(const StudyResult& study);
  void add_skipped(const std::vector<SkippedFile>& skipped);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The JSON object for one study (also used for --json on stdout).
std::string study_json(const StudyResult& study);

}  // namespace mpmri
