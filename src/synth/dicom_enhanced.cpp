// Enhanced MR Image Storage writer (multi-frame with per-frame functional groups).
#include "dicom_common.hpp"
#include "mpmri/error.hpp"

namespace mpmri::synth::detail {

SeriesOutput write_enhanced_series(const StudyPlan&, const SeriesPlan& series, const std::vector<std::vector<float>>&,
                                   SeriesOutput, int&) {
  throw Error(ErrorKind::Internal, "enhanced multi-frame output is not written yet (series " + series.kind + ")");
}

}  // namespace mpmri::synth::detail
