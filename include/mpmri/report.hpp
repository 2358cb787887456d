#pragma once
// Stage 5: writers. One function per output format; files appear only when complete (atomic rename).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpmri/prediction.hpp"
#include "mpmri/volume.hpp"

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
  // A study already rendered by volumes_csv_rows, series_csv_rows and study_json (kept in the archive ledger).
  void add_rendered(const std::string& volumes_rows, const std::string& series_rows, const std::string& json);
  void add_skipped(const std::vector<SkippedFile>& skipped);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The row of a series that failed before it had a single volume.
SeriesResult failed_series_result(const FailedSeries& failed);

// The JSON object for one study (also used for --json on stdout, one line per study).
std::string study_json(const StudyResult& study);

// RFC 4180 reading, for files our writers made (volumes.csv, series.csv) and truth files.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;   // each padded to header.size()
  std::vector<int> line_numbers;                // 1-based line where each row starts, for messages
  int column(const std::string& name) const;    // -1 when absent
};
CsvTable parse_csv(const std::string& text);    // throws Error(Input) on an unterminated quote
CsvTable read_csv_file(const std::string& path);  // throws Error(Io) when unreadable

// Thumbnails: OUTDIR/thumbnails/<thumbnail_file_name(...)>; the HTML reports look them up by that name.
std::string thumbnail_file_name(const std::string& series_uid, int volume_index);
// Middle slice along z, windowed to its 1st-99th percentile, longest side scaled to max_side,
// pixel spacing honoured; written atomically. Throws Error(Input) for an empty image.
void write_thumbnail_png(const VolumeImage& image, const std::string& path, int max_side = 128);

// A confusion matrix as a paper-ready PNG heatmap: colour = row-normalised share, text = count.
// rows = truth classes, columns = predicted classes (may hold one extra column such as "(missing)").
void write_confusion_png(const std::vector<std::string>& row_names, const std::vector<std::string>& col_names,
                         const std::vector<std::vector<long>>& counts, const std::string& path);

// One thumbnail card of an HTML report (read from volumes.csv, or built by `evaluate`).
struct ReportVolume {
  std::string study_uid, series_uid, series_description, image_type;
  int series_number = 0, volume_index = 0;
  std::string key;            // "TE=2.3 b=800 t=2"
  std::optional<int> temporal_index;
  std::string label, truth;   // truth empty when unknown
  double confidence = 0;
  std::string status = "ok", reason, evidence;
  std::string thumbnail;      // PNG path; missing file = a placeholder box
};
std::vector<ReportVolume> read_report_volumes(const std::string& volumes_csv);

// A single self-contained HTML file (images inlined as data: URIs), streamed section by section into a
// hidden partial file and renamed into place by finish(), so a big batch never sits in memory.
// The building block of both reports; an unfinished document is removed by the destructor.
class HtmlDocument {
 public:
  HtmlDocument(const std::string& path, const std::string& title);
  ~HtmlDocument();
  void add_html(const std::string& trusted_markup);  // caller-built markup (escape with html_escape)
  void add_png(const std::string& png_path, const std::string& caption);
  // One study's volumes as a thumbnail grid in reading order (T1 in/opp, T2, DWI, ADC, DCE, others).
  void add_study(const std::string& heading, std::vector<ReportVolume> volumes);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
std::string html_escape(const std::string& text);
// The <section> add_study writes, for callers that stream it elsewhere first.
std::string study_section_html(const std::string& heading, std::vector<ReportVolume> volumes);
// Reading order used by add_study (exposed for tests): localizers first, then by label, series, time.
void sort_reading_order(std::vector<ReportVolume>& volumes);

// The self-contained HTML report of a classify run: studies are streamed in, thumbnails are read from
// out_dir/thumbnails/<thumbnail_file_name(series_uid, volume_index)> and embedded, and finish() writes
// the file atomically.
class HtmlReport {
 public:
  HtmlReport(const std::string& html_path, const std::string& out_dir);
  ~HtmlReport();
  void add_study(const StudyResult& study);
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
// The cards add_study shows for one study (exposed for evaluate and tests).
std::vector<ReportVolume> report_volumes(const StudyResult& study, const std::string& out_dir);

// The same report rebuilt afterwards from OUTDIR/volumes.csv and OUTDIR/thumbnails/.
void write_classify_report(const std::string& out_dir, const std::string& html_path);

}  // namespace mpmri
