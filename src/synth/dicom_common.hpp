#pragma once
// Internals shared by the classic and enhanced DICOM writers.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <string>
#include <vector>

#include "dicom_writer.hpp"

namespace mpmri::synth::detail {

struct StoredScale {
  int bits_stored = 12;
  bool is_signed = false;
  double target = 2000;        // stored value at the 99.9th percentile
  double factor = 1;           // stored = round(value * factor)
  double rescale_slope = 1;    // Philips: displayed = stored * slope
};

void register_codecs();
void put(DcmItem& it, const DcmTagKey& key, const std::string& value);
void put_private(DcmItem& it, Uint16 group, Uint16 elem, const char* creator, DcmEVR vr, const std::string& value);
std::string join(const std::vector<std::string>& v, const char* sep);
StoredScale choose_scale(const StudyPlan& plan, const SeriesPlan& series, const std::vector<float>& first);
std::vector<Uint16> quantise(const std::vector<float>& v, size_t offset, size_t count, const StoredScale& s);
std::string agent_name(const StudyPlan& plan);
void put_common(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const char* sop_class);
void put_private_tags(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const VolumePlan& v, double scale_slope);
// Image pixel module description of 16-bit monochrome frames (everything but the pixel data itself).
void put_pixel_format(DcmItem& ds, const Geometry& g, const StoredScale& scale);
// General image, image plane, image pixel (not the pixel data) and MR image attributes of slice k.
void put_image_attributes(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const VolumePlan& v, int k,
                          const StoredScale& scale);
// Image type as written (reduced to its first two values when de-identified).
std::vector<std::string> written_image_type(const StudyPlan& plan, const VolumePlan& v);
double slice_time(const SeriesPlan& series, const VolumePlan& v, int k);
std::string file_name(const StudyPlan& plan, const SeriesPlan& series, int instance, int counter, bool nbia);
void save(DcmFileFormat& ff, const StudyPlan& plan, const std::string& path);
SeriesOutput write_enhanced_series(const StudyPlan& plan, const SeriesPlan& series,
                                   const std::vector<std::vector<float>>& volumes, SeriesOutput out, int& file_counter,
                                   bool nbia);

}  // namespace mpmri::synth::detail
