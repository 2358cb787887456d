// Per-image attributes of the classic MR Image IOD, file naming and saving with the chosen transfer syntax.
#include <dcmtk/dcmjpls/djrparam.h>

#include <cmath>
#include <cstdio>

#include "dicom_common.hpp"
#include "mpmri/error.hpp"
#include "render.hpp"

namespace mpmri::synth::detail {

std::vector<std::string> written_image_type(const StudyPlan& plan, const VolumePlan& v) {
  std::vector<std::string> it = v.image_type;
  if (it.empty()) it = {"ORIGINAL", "PRIMARY"};
  // De-identification keeps only original/derived and primary; MR images need a third value.
  if (plan.deidentified && it.size() > 2) it.resize(2);
  if (it.size() < 3) it.push_back("OTHER");
  return it;
}

double slice_time(const SeriesPlan& series, const VolumePlan& v, int k) {
  if (series.acquisition_type == "3D" || v.geo.slices <= 1) return v.acq_time_s;
  // 2D multi-slice: interleaved order (odd slices first) spread over the acquisition.
  int n = v.geo.slices;
  int order = k % 2 == 0 ? k / 2 : (n + 1) / 2 + k / 2;
  return v.acq_time_s + v.duration_s * order / n;
}

void put_image_attributes(DcmItem& ds, const StudyPlan& plan, const SeriesPlan& series, const VolumePlan& v, int k,
                          const StoredScale& scale) {
  const Geometry& g = v.geo;
  const bool deid = plan.deidentified;
  put(ds, DCM_ImageType, join(written_image_type(plan, v), "\\"));
  double t = slice_time(series, v, k);
  put(ds, DCM_AcquisitionNumber, std::to_string(v.temporal_index > 0 ? v.temporal_index : 1));
  put(ds, DCM_AcquisitionDate, plan.study_date);
  put(ds, DCM_AcquisitionTime, format_tm(t));
  put(ds, DCM_ContentDate, plan.study_date);
  put(ds, DCM_ContentTime, format_tm(v.acq_time_s + v.duration_s + 3));
  // Image plane.
  Vec3 pos = voxel_position(g, 0, 0, k);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s\\%s\\%s", format_ds(pos.x).c_str(), format_ds(pos.y).c_str(), format_ds(pos.z).c_str());
  put(ds, DCM_ImagePositionPatient, buf);
  std::snprintf(buf, sizeof buf, "%s\\%s\\%s\\%s\\%s\\%s", format_ds(g.row_dir.x).c_str(), format_ds(g.row_dir.y).c_str(),
                format_ds(g.row_dir.z).c_str(), format_ds(g.col_dir.x).c_str(), format_ds(g.col_dir.y).c_str(),
                format_ds(g.col_dir.z).c_str());
  put(ds, DCM_ImageOrientationPatient, buf);
  put(ds, DCM_PixelSpacing, format_ds(g.py) + "\\" + format_ds(g.px));
  put(ds, DCM_SliceThickness, format_ds(g.thickness));
  put(ds, DCM_SpacingBetweenSlices, format_ds(g.thickness + g.gap));
  Vec3 nrm{g.row_dir.y * g.col_dir.z - g.row_dir.z * g.col_dir.y, g.row_dir.z * g.col_dir.x - g.row_dir.x * g.col_dir.z,
           g.row_dir.x * g.col_dir.y - g.row_dir.y * g.col_dir.x};
  put(ds, DCM_SliceLocation, format_ds(dot(voxel_position(g, (g.cols - 1) / 2.0, (g.rows - 1) / 2.0, k), nrm)));
  // Image pixel.
  put_pixel_format(ds, g, scale);
  if (plan.vendor == Vendor::Philips) {
    put(ds, DCM_RescaleIntercept, "0");
    put(ds, DCM_RescaleSlope, format_ds(scale.rescale_slope));
    put(ds, DCM_RescaleType, "US");
  }
  double wc = scale.target * 0.45 / scale.rescale_slope;
  put(ds, DCM_WindowCenter, format_ds(std::round(wc)));
  put(ds, DCM_WindowWidth, format_ds(std::round(wc * 2)));
  // MR image.
  put(ds, DCM_ScanningSequence, series.scanning_sequence.empty() ? "RM" : series.scanning_sequence);
  put(ds, DCM_SequenceVariant, series.sequence_variant.empty() ? "NONE" : series.sequence_variant);
  put(ds, DCM_ScanOptions, series.scan_options);
  put(ds, DCM_MRAcquisitionType, series.acquisition_type);
  if (!deid && !v.sequence_name.empty()) put(ds, DCM_SequenceName, v.sequence_name.substr(0, 16));
  put(ds, DCM_RepetitionTime, format_ds(v.seq.tr));
  put(ds, DCM_EchoTime, format_ds(v.seq.te));
  if (v.seq.family == Family::Stir) put(ds, DCM_InversionTime, format_ds(v.seq.ti));
  put(ds, DCM_EchoTrainLength, std::to_string(series.echo_train));
  put(ds, DCM_EchoNumbers, std::to_string(v.echo_number));
  put(ds, DCM_NumberOfAverages, "1");
  put(ds, DCM_FlipAngle, format_ds(v.seq.flip));
  put(ds, DCM_PixelBandwidth, format_ds(v.seq.family == Family::EpiDwi ? 1800 : series.bandwidth));
  const bool pe_rows = g.pe_rows;
  put(ds, DCM_InPlanePhaseEncodingDirection, pe_rows ? "COL" : "ROW");
  put(ds, DCM_PercentPhaseFieldOfView, format_ds(100.0 * g.rows / g.cols));
  put(ds, DCM_PercentSampling, "100");
  put(ds, DCM_NumberOfPhaseEncodingSteps, std::to_string(pe_rows ? g.rows : g.cols));
  put(ds, DCM_AcquisitionMatrix, pe_rows ? "0\\" + std::to_string(g.cols) + "\\" + std::to_string(g.rows) + "\\0"
                                          : std::to_string(g.cols) + "\\0\\0\\" + std::to_string(g.rows));
  put(ds, DCM_TransmitCoilName, "Body");
  if (series.multi_t) {
    put(ds, DCM_TemporalPositionIdentifier, std::to_string(v.temporal_index));
    put(ds, DCM_NumberOfTemporalPositions, std::to_string(series.volumes.size()));
  }
  if (!deid && v.seq.family == Family::EpiDwi && series.kind == "dwi") {
    Float64 b = v.seq.b;
    ds.putAndInsertFloat64(DCM_DiffusionBValue, b);
    put(ds, DCM_DiffusionDirectionality, b > 0 ? "ISOTROPIC" : "NONE");
  }
  if (!deid && !series.contrast_agent.empty()) {
    Rng rng(mix_seed(plan.seed, 6));
    if (rng.chance(0.6)) {  // many sites leave the contrast module empty even after injection
      put(ds, DCM_ContrastBolusAgent, agent_name(plan));
      put(ds, DCM_ContrastBolusRoute, "IV");
      put(ds, DCM_ContrastBolusStartTime, format_tm(plan.injection_s));
      put(ds, DCM_ContrastBolusVolume, format_ds(plan.agent == "gadoterate" ? 15 : 7.5));
    } else {
      put(ds, DCM_ContrastBolusAgent, "");
    }
  }
}

std::string file_name(const StudyPlan& plan, const SeriesPlan& series, int instance, int counter, bool nbia) {
  char buf[96];
  if (nbia) {
    std::snprintf(buf, sizeof buf, "1-%02d.dcm", instance);
    return buf;
  }
  switch (plan.vendor) {
    case Vendor::Siemens: std::snprintf(buf, sizeof buf, "IM-%04d-%04d.dcm", series.number, instance); break;
    case Vendor::GE: std::snprintf(buf, sizeof buf, "i%d.MRDC.%d", 100000 + counter, instance); break;
    case Vendor::Philips: std::snprintf(buf, sizeof buf, "IM_%04d", counter); break;
    case Vendor::Canon: std::snprintf(buf, sizeof buf, "I%07d", counter); break;
    case Vendor::Plain: std::snprintf(buf, sizeof buf, "%d.dcm", instance); break;
  }
  return buf;
}

void save(DcmFileFormat& ff, const StudyPlan& plan, const std::string& path) {
  DcmDataset& ds = *ff.getDataset();
  E_TransferSyntax xfer = EXS_LittleEndianExplicit;
  if (plan.transfer_syntax == "implicit") xfer = EXS_LittleEndianImplicit;
  OFCondition c = EC_Normal;
  if (plan.transfer_syntax == "rle") {
    xfer = EXS_RLELossless;
    c = ds.chooseRepresentation(xfer, nullptr);
  } else if (plan.transfer_syntax == "jpegls") {
    xfer = EXS_JPEGLSLossless;
    DJLSRepresentationParameter param(2, OFTrue);
    c = ds.chooseRepresentation(xfer, &param);
  }
  if (c.bad() || !ds.canWriteXfer(xfer)) throw Error(ErrorKind::Internal, "cannot encode " + path + " as " + plan.transfer_syntax + ": " + c.text());
  c = ff.saveFile(path.c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
  if (c.bad()) throw Error(ErrorKind::Io, "cannot write " + path + ": " + c.text());
}

}  // namespace mpmri::synth::detail
