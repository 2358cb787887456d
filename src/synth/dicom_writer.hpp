#pragma once
// Writes one planned series as DICOM with DCMTK: classic MR Image Storage (one file per slice) or
// Enhanced MR Image Storage (one multi-frame file per volume), vendor-styled, optionally compressed.
#include <string>
#include <vector>

#include "protocol.hpp"

namespace mpmri::synth {

struct WrittenFile {
  std::string path;
  std::size_t bytes = 0;
};

struct SeriesOutput {
  std::string dir;  // absolute folder holding the files
  std::vector<WrittenFile> files;
};

// `volumes[v]` holds the float image of series.volumes[v] (x fastest). File names follow the vendor's
// export style (scanner layout) or NBIA's 1-NN.dcm (when nbia_dir is not empty).
SeriesOutput write_series(const StudyPlan& plan, const SeriesPlan& series, const std::vector<std::vector<float>>& volumes,
                          const std::string& study_dir, const std::string& nbia_dir, int& file_counter);

// "2.3", "4.62", "1000": DICOM DS text as written into the header (and into labels.csv).
std::string format_ds(double v);
// Seconds since midnight -> HHMMSS.ffffff.
std::string format_tm(double seconds);

}  // namespace mpmri::synth
