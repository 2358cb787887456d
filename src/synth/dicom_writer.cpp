#include "dicom_writer.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmjpls/djencode.h>
#include <dcmtk/dcmjpls/djrparam.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "dicom_common.hpp"
#include "mpmri/error.hpp"

namespace mpmri::synth {

namespace fs = std::filesystem;

std::string format_ds(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string format_tm(double seconds) {
  seconds = std::fmod(std::max(seconds, 0.0), 86400.0);
  int h = int(seconds / 3600), m = int(std::fmod(seconds, 3600) / 60);
  double s = std::fmod(seconds, 60.0);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d%02d%09.6f", h, m, s);
  return buf;
}

namespace detail {

void register_codecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // DCMTK logs codec chatter at info level to stdout; only its warnings and errors are worth seeing.
    OFLog::configure(OFLogger::WARN_LOG_LEVEL);
    DcmRLEEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
  });
}

void put(DcmItem& it, const DcmTagKey& key, const std::string& value) {
  OFCondition c = it.putAndInsertString(DcmTag(key), value.c_str());
  if (c.bad()) throw Error(ErrorKind::Internal, std::string("DCMTK put ") + DcmTag(key).getTagName() + ": " + c.text());
}

void put_pixel_format(DcmItem& ds, const Geometry& g, const StoredScale& scale) {
  put(ds, DCM_SamplesPerPixel, "1");
  put(ds, DCM_PhotometricInterpretation, "MONOCHROME2");
  put(ds, DCM_Rows, std::to_string(g.rows));
  put(ds, DCM_Columns, std::to_string(g.cols));
  put(ds, DCM_BitsAllocated, "16");
  put(ds, DCM_BitsStored, std::to_string(scale.bits_stored));
  put(ds, DCM_HighBit, std::to_string(scale.bits_stored - 1));
  put(ds, DCM_PixelRepresentation, scale.is_signed ? "1" : "0");
}

void put_private(DcmItem& it, Uint16 group, Uint16 elem, const char* creator, DcmEVR vr, const std::string& value) {
  it.putAndInsertString(DcmTag(group, 0x0010, EVR_LO), creator);
  DcmTag tag(group, Uint16(0x1000 | (elem & 0xFF)), creator);
  tag.setVR(DcmVR(vr));
  OFCondition c = it.putAndInsertString(tag, value.c_str());
  if (c.bad()) throw Error(ErrorKind::Internal, std::string("DCMTK private tag: ") + c.text());
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
  return s;
}

StoredScale choose_scale(const StudyPlan& plan, const SeriesPlan& series, const std::vector<float>& first) {
  Rng rng(mix_seed(plan.seed, 50, std::uint64_t(series.number)));
  StoredScale s;
  const bool adc = series.kind == "adc";
  switch (plan.vendor) {
    case Vendor::Siemens: s.bits_stored = 12, s.target = rng.uniform(800, 3000); break;
    case Vendor::GE: s.bits_stored = 16, s.is_signed = true, s.target = rng.uniform(1500, 12000); break;
    case Vendor::Philips: s.bits_stored = 12, s.target = rng.uniform(1000, 3500), s.rescale_slope = rng.uniform(1.2, 4.5); break;
    case Vendor::Plain: s.bits_stored = 16, s.target = rng.uniform(2000, 40000); break;
    case Vendor::Canon: s.bits_stored = 16, s.target = rng.uniform(1000, 8000); break;
  }
  if (adc) {  // ADC maps are stored in 10^-6 mm2/s as integers
    s.bits_stored = std::max(s.bits_stored, 12);
    s.rescale_slope = 1;
    s.factor = 1;
    return s;
  }
  std::vector<float> sub;
  for (size_t i = 0; i < first.size(); i += 7) sub.push_back(first[i]);
  size_t k = size_t(0.999 * double(sub.size() - 1));
  std::nth_element(sub.begin(), sub.begin() + long(k), sub.end());
  double p = std::max(1e-6, double(sub[k]));
  s.factor = s.target / p / s.rescale_slope;
  return s;
}

std::vector<Uint16> quantise(const std::vector<float>& v, size_t offset, size_t count, const StoredScale& s) {
  std::vector<Uint16> out(count);
  const double maxv = s.is_signed ? 32767.0 : double((1u << s.bits_stored) - 1);
  for (size_t q = 0; q < count; ++q) {
    double x = std::round(double(v[offset + q]) * s.factor);
    out[q] = Uint16(std::clamp(x, 0.0, maxv));
  }
  return out;
}

std::string agent_name(const StudyPlan& plan) {
  if (plan.agent == "gadoxetate") return plan.vendor == Vendor::GE ? "Eovist" : "Primovist";
  if (plan.agent == "gadobutrol") return "Gadovist";
  return "Dotarem";
}

// Modules shared by classic and enhanced objects: patient, study, series, equipment, frame of reference.
void put_common(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const char* sop_class) {
  Rng rng(mix_seed(plan.seed, 5));
  const bool deid = plan.deidentified;
  put(ds, DCM_SpecificCharacterSet, "ISO_IR 100");
  put(ds, DCM_SOPClassUID, sop_class);
  put(ds, DCM_PatientName, plan.patient_name);
  put(ds, DCM_PatientID, plan.patient_id);
  put(ds, DCM_PatientBirthDate, "");
  put(ds, DCM_PatientSex, rng.chance(0.5) ? "M" : "F");
  char buf[32];
  std::snprintf(buf, sizeof buf, "%03dY", rng.integer(25, 85));
  put(ds, DCM_PatientAge, buf);
  put(ds, DCM_PatientWeight, format_ds(std::round(rng.uniform(50, 110))));
  put(ds, DCM_StudyInstanceUID, plan.study_uid);
  put(ds, DCM_StudyDate, plan.study_date);
  put(ds, DCM_StudyTime, format_tm(plan.study_start_s));
  put(ds, DCM_ReferringPhysicianName, "");
  put(ds, DCM_StudyID, "1");
  put(ds, DCM_AccessionNumber, deid ? "" : plan.accession);
  if (!deid) put(ds, DCM_StudyDescription, plan.study_description);
  put(ds, DCM_Modality, "MR");
  put(ds, DCM_SeriesInstanceUID, make_uid(plan.seed, 2, std::uint64_t(series.number)));
  put(ds, DCM_SeriesNumber, std::to_string(series.number));
  if (!deid) {
    put(ds, DCM_SeriesDescription, series.description);
    put(ds, DCM_ProtocolName, series.protocol);
  }
  put(ds, DCM_SeriesDate, plan.study_date);
  put(ds, DCM_SeriesTime, format_tm(series.volumes.front().acq_time_s));
  put(ds, DCM_BodyPartExamined, "ABDOMEN");
  put(ds, DCM_PatientPosition, rng.chance(0.7) ? "HFS" : "FFS");
  put(ds, DCM_FrameOfReferenceUID, make_uid(plan.seed, 4));
  put(ds, DCM_PositionReferenceIndicator, "");
  put(ds, DCM_Manufacturer, vendor_name(plan.vendor));
  if (!plan.model.empty()) put(ds, DCM_ManufacturerModelName, plan.model);
  put(ds, DCM_SoftwareVersions, "mpmri-synth");
  put(ds, DCM_MagneticFieldStrength, format_ds(plan.field_t));
  put(ds, DCM_ImagedNucleus, "1H");
  put(ds, DCM_ImagingFrequency, format_ds(42.577478 * plan.field_t * (1 + rng.normal(0, 2e-6))));
}

// Vendor private tags carrying the b-value, dynamic numbering and scale (stripped when de-identified).
void put_private_tags(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const VolumePlan& v, double scale_slope) {
  if (plan.deidentified) return;
  const bool dwi = v.seq.family == Family::EpiDwi && series.kind == "dwi";
  switch (plan.vendor) {
    case Vendor::Siemens:
      if (dwi) put_private(ds, 0x0019, 0x0C, "SIEMENS MR HEADER", EVR_IS, std::to_string(int(v.seq.b)));
      break;
    case Vendor::GE:
      put_private(ds, 0x0019, 0x9C, "GEMS_ACQU_01", EVR_LO, v.sequence_name);
      if (dwi) {
        long long b = (long long)v.seq.b + (series.multi_b ? 1000000000LL : 0);
        put_private(ds, 0x0043, 0x39, "GEMS_PARM_01", EVR_IS, std::to_string(b) + "\\8\\0\\0");
      }
      break;
    case Vendor::Philips:
      if (dwi) put_private(ds, 0x2001, 0x03, "Philips Imaging DD 001", EVR_FL, format_ds(v.seq.b));
      if (series.multi_t) {
        put_private(ds, 0x2001, 0x08, "Philips Imaging DD 001", EVR_IS, std::to_string(v.temporal_index));
        put_private(ds, 0x2001, 0x81, "Philips Imaging DD 001", EVR_IS, std::to_string(series.volumes.size()));
      }
      put_private(ds, 0x2005, 0x0E, "Philips MR Imaging DD 001", EVR_FL, format_ds(1.0 / scale_slope));
      break;
    default: break;
  }
}

}  // namespace detail

using namespace detail;

SeriesOutput write_series(const StudyPlan& plan, const SeriesPlan& series, const std::vector<std::vector<float>>& volumes,
                          const std::string& study_dir, const std::string& nbia_dir, int& file_counter) {
  register_codecs();
  SeriesOutput out;
  out.dir = nbia_dir.empty() ? (fs::path(study_dir) / series.folder).string() : nbia_dir;
  std::error_code ec;
  fs::create_directories(out.dir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + out.dir + ": " + ec.message());
  if (series.enhanced) return write_enhanced_series(plan, series, volumes, out, file_counter, !nbia_dir.empty());
  const StoredScale scale = choose_scale(plan, series, volumes.front());
  int instance = 0;
  for (size_t vi = 0; vi < series.volumes.size(); ++vi) {
    const VolumePlan& v = series.volumes[vi];
    const Geometry& g = v.geo;
    const size_t per_slice = size_t(g.cols) * g.rows;
    for (int k = 0; k < g.slices; ++k) {
      ++instance;
      DcmFileFormat ff;
      DcmDataset& ds = *ff.getDataset();
      put_common(ds, plan, series, UID_MRImageStorage);
      put(ds, DCM_SOPInstanceUID, make_uid(plan.seed, 3, std::uint64_t(series.number), std::uint64_t(instance)));
      put(ds, DCM_InstanceNumber, std::to_string(instance));
      put_image_attributes(ds, plan, series, v, k, scale);
      std::vector<Uint16> px = quantise(volumes[vi], size_t(k) * per_slice, per_slice, scale);
      ds.putAndInsertUint16Array(DCM_PixelData, px.data(), unsigned(px.size()));
      put_private_tags(ds, plan, series, v, scale.rescale_slope);
      ++file_counter;
      std::string path = (fs::path(out.dir) / file_name(plan, series, instance, file_counter, !nbia_dir.empty())).string();
      save(ff, plan, path);
      out.files.push_back({path, std::size_t(fs::file_size(path, ec))});
    }
  }
  return out;
}

}  // namespace mpmri::synth
