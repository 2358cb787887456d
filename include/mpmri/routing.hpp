#pragma once
// Routing outputs: what a run does with the series it classified besides reporting them. Each output receives
// every finished StudyResult (as ResultsWriter does) from `classify`, or from `export` reading a finished
// run's results.json. See docs/routing.md.
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mpmri/labels.hpp"
#include "mpmri/prediction.hpp"

namespace mpmri {

struct RoutingOptions {
  // --nifti: one .nii.gz (+ JSON sidecar, + .bval/.bvec for diffusion) per classified volume.
  std::string nifti_dir;
  std::string nifti_name = "%p/%d/%l";  // naming template, see nifti_file_stem()
  std::set<Label> nifti_labels;         // empty = every label but Other
  // --sort: the original DICOM files as <dir>/<study>/<series_number>_<label>/<name>.
  std::string sort_dir;
  bool sort_copy = false;               // copies even where a hard link would do
  // --sr: one DICOM Comprehensive SR per study.
  std::string sr_dir;
  bool any() const { return !nifti_dir.empty() || !sort_dir.empty() || !sr_dir.empty(); }
};

// One routing output. add_study is called once per study, in run order, from one thread at a time; every file
// it writes appears under its final name only when complete. A volume or series that cannot be routed is
// logged and counted in failures(), never thrown: the run's other outputs must not depend on it.
class StudyRouter {
 public:
  virtual ~StudyRouter() = default;
  virtual void add_study(const StudyResult& study) = 0;
  virtual void finish() {}
  int failures() const { return failures_; }

 protected:
  int failures_ = 0;
};

// The outputs asked for in `options`, in the order nifti, sort, sr. Throws Error(Usage) on a bad template.
std::vector<std::unique_ptr<StudyRouter>> make_routers(const RoutingOptions& options);

std::unique_ptr<StudyRouter> make_nifti_router(const RoutingOptions& options);
std::unique_ptr<StudyRouter> make_sort_router(const RoutingOptions& options);
std::unique_ptr<StudyRouter> make_sr_router(const RoutingOptions& options);

// The path of a volume's NIfTI file relative to the output folder, without extension, from `name_template`:
// %p PatientID, %d StudyDate, %i StudyInstanceUID, %l label, %s SeriesNumber, %t SeriesDescription,
// %u SeriesInstanceUID, %v volume index in the series, %% a percent sign; '/' makes folders. Empty %p and %d
// become the study UID. Each component is reduced to [A-Za-z0-9._-]. Throws Error(Usage) on an unknown %x.
std::string nifti_file_stem(const std::string& name_template, const StudyResult& study, const VolumeResult& volume);

// A path component made safe: characters outside [A-Za-z0-9._-] become '_', "." and ".." become "_".
std::string safe_path_component(const std::string& text);

// The private coding scheme of the SR labels (docs/routing.md).
inline constexpr const char* kSrCodingScheme = "99MPMRI";
// Code meaning of each label in that scheme.
std::string label_code_meaning(Label label);

}  // namespace mpmri
