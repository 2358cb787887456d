// Enhanced MR Image Storage: one multi-frame file per series holding every volume's frames, with shared
// and per-frame functional groups and a dimension index (stack position plus echo, b-value or temporal
// position), as Siemens XA and Philips export. Written only for original, non-contrast series.
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "dicom_common.hpp"
#include "mpmri/error.hpp"
#include "render.hpp"

namespace mpmri::synth::detail {

namespace {

DcmItem& add_item(DcmItem& parent, const DcmTagKey& seq) {
  DcmItem* it = nullptr;
  if (parent.findOrCreateSequenceItem(seq, it, -2).bad() || !it)
    throw Error(ErrorKind::Internal, std::string("cannot create item in ") + DcmTag(seq).getTagName());
  return *it;
}

void code(DcmItem& it, const char* value, const char* scheme, const char* meaning) {
  put(it, DCM_CodeValue, value);
  put(it, DCM_CodingSchemeDesignator, scheme);
  put(it, DCM_CodeMeaning, meaning);
}

std::string datetime(const StudyPlan& plan, double seconds) { return plan.study_date + format_tm(seconds); }

std::string yes(bool b) { return b ? "YES" : "NO"; }

const char* acquisition_contrast(Family f) {
  switch (f) {
    case Family::EpiDwi: return "DIFFUSION";
    case Family::Stir: return "STIR";
    case Family::Gre2D: case Family::Gre3D: return "T1";
    case Family::Ssfp: return "MIXED";
    default: return "T2";
  }
}

std::string fat_term(FatSup f) {
  switch (f) {
    case FatSup::None: case FatSup::Stir: return "NONE";
    default: return "FAT";
  }
}

// Frame-level MR description shared by all frames of the series.
void put_shared_groups(DcmItem& shared, const StudyPlan& plan, const SeriesPlan& series, const VolumePlan& v,
                       const StoredScale& scale) {
  const Geometry& g = v.geo;
  const SeqParams& q = v.seq;
  DcmItem& pm = add_item(shared, DCM_PixelMeasuresSequence);
  put(pm, DCM_PixelSpacing, format_ds(g.py) + "\\" + format_ds(g.px));
  put(pm, DCM_SliceThickness, format_ds(g.thickness));
  put(pm, DCM_SpacingBetweenSlices, format_ds(g.thickness + g.gap));
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s\\%s\\%s\\%s\\%s\\%s", format_ds(g.row_dir.x).c_str(), format_ds(g.row_dir.y).c_str(),
                format_ds(g.row_dir.z).c_str(), format_ds(g.col_dir.x).c_str(), format_ds(g.col_dir.y).c_str(),
                format_ds(g.col_dir.z).c_str());
  put(add_item(shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient, buf);
  DcmItem& fa = add_item(shared, DCM_FrameAnatomySequence);
  code(add_item(fa, DCM_AnatomicRegionSequence), "818981001", "SCT", "Abdomen");
  put(fa, DCM_FrameLaterality, "U");
  DcmItem& pvt = add_item(shared, DCM_PixelValueTransformationSequence);
  put(pvt, DCM_RescaleIntercept, "0");
  put(pvt, DCM_RescaleSlope, format_ds(scale.rescale_slope));
  put(pvt, DCM_RescaleType, "US");
  DcmItem& voi = add_item(shared, DCM_FrameVOILUTSequence);
  double wc = std::round(scale.target * 0.45);
  put(voi, DCM_WindowCenter, format_ds(wc));
  put(voi, DCM_WindowWidth, format_ds(2 * wc));
  std::vector<std::string> it = written_image_type(plan, v);
  while (it.size() < 4) it.push_back(it.size() == 2 ? "OTHER" : "NONE");
  it.resize(4);
  DcmItem& ft = add_item(shared, DCM_MRImageFrameTypeSequence);
  put(ft, DCM_FrameType, join(it, "\\"));
  put(ft, DCM_PixelPresentation, "MONOCHROME");
  put(ft, DCM_VolumetricProperties, "VOLUME");
  put(ft, DCM_VolumeBasedCalculationTechnique, "NONE");
  put(ft, DCM_ComplexImageComponent, "MAGNITUDE");
  put(ft, DCM_AcquisitionContrast, acquisition_contrast(q.family));
  DcmItem& tm = add_item(shared, DCM_MRTimingAndRelatedParametersSequence);
  put(tm, DCM_RepetitionTime, format_ds(q.tr));
  put(tm, DCM_FlipAngle, format_ds(q.flip));
  put(tm, DCM_EchoTrainLength, std::to_string(series.echo_train));
  const bool gre = q.family == Family::Gre2D || q.family == Family::Gre3D || q.family == Family::Ssfp;
  put(tm, DCM_RFEchoTrainLength, gre ? "0" : std::to_string(series.echo_train));
  put(tm, DCM_GradientEchoTrainLength, gre ? std::to_string(series.echo_train) : "0");
  DcmItem& sar = add_item(tm, DCM_SpecificAbsorptionRateSequence);
  put(sar, DCM_SpecificAbsorptionRateDefinition, "IEC_WHOLE_BODY");
  Float64 sar_value = 0.8;
  sar.putAndInsertFloat64(DCM_SpecificAbsorptionRateValue, sar_value);
  for (const char* type : {"STATIC FIELD", "RF", "GRADIENT"}) {
    DcmItem& om = add_item(tm, DCM_OperatingModeSequence);
    put(om, DCM_OperatingModeType, type);
    put(om, DCM_OperatingMode, "IEC_NORMAL");
  }
  DcmItem& fov = add_item(shared, DCM_MRFOVGeometrySequence);
  put(fov, DCM_InPlanePhaseEncodingDirection, g.pe_rows ? "COLUMN" : "ROW");
  put(fov, DCM_MRAcquisitionFrequencyEncodingSteps, std::to_string(g.pe_rows ? g.cols : g.rows));
  put(fov, DCM_MRAcquisitionPhaseEncodingStepsInPlane, std::to_string(g.pe_rows ? g.rows : g.cols));
  put(fov, DCM_PercentSampling, "100");
  put(fov, DCM_PercentPhaseFieldOfView, format_ds(100.0 * g.rows / g.cols));
  if (!series.multi_te) {
    Float64 te = q.te;
    add_item(shared, DCM_MREchoSequence).putAndInsertFloat64(DCM_EffectiveEchoTime, te);
  }
  DcmItem& mod = add_item(shared, DCM_MRModifierSequence);
  put(mod, DCM_InversionRecovery, yes(q.family == Family::Stir));
  if (q.family == Family::Stir) {
    Float64 ti = q.ti;
    mod.putAndInsertFloat64(DCM_InversionTimes, ti);
  }
  put(mod, DCM_FlowCompensation, "NONE");
  put(mod, DCM_Spoiling, gre ? "RF" : "NONE");
  put(mod, DCM_T2Preparation, "NO");
  put(mod, DCM_SpectrallySelectedExcitation, "NONE");
  put(mod, DCM_SpatialPresaturation, "NONE");
  put(mod, DCM_PartialFourier, "NO");
  put(mod, DCM_ParallelAcquisition, "NO");
  DcmItem& im = add_item(shared, DCM_MRImagingModifierSequence);
  put(im, DCM_MagnetizationTransfer, "NONE");
  put(im, DCM_BloodSignalNulling, "NO");
  put(im, DCM_Tagging, "NONE");
  put(im, DCM_TransmitterFrequency, format_ds(42.577478 * plan.field_t));
  put(im, DCM_PixelBandwidth, format_ds(q.family == Family::EpiDwi ? 1800 : series.bandwidth));
  DcmItem& rc = add_item(shared, DCM_MRReceiveCoilSequence);
  put(rc, DCM_ReceiveCoilName, "Body18");
  put(rc, DCM_ReceiveCoilManufacturerName, vendor_name(plan.vendor));
  put(rc, DCM_ReceiveCoilType, "MULTICOIL");
  put(rc, DCM_QuadratureReceiveCoil, "NO");
  DcmItem& coil = add_item(rc, DCM_MultiCoilDefinitionSequence);
  put(coil, DCM_MultiCoilElementName, "BO1");
  put(coil, DCM_MultiCoilElementUsed, "YES");
  DcmItem& tc = add_item(shared, DCM_MRTransmitCoilSequence);
  put(tc, DCM_TransmitCoilName, "Body");
  put(tc, DCM_TransmitCoilManufacturerName, vendor_name(plan.vendor));
  put(tc, DCM_TransmitCoilType, "BODY");
  put(add_item(shared, DCM_MRAveragesSequence), DCM_NumberOfAverages, "1");
  if (q.family == Family::EpiDwi && !series.multi_b) {
    DcmItem& d = add_item(shared, DCM_MRDiffusionSequence);
    Float64 b = q.b;
    d.putAndInsertFloat64(DCM_DiffusionBValue, b);
    put(d, DCM_DiffusionDirectionality, b > 0 ? "ISOTROPIC" : "NONE");
  }
}

}  // namespace

SeriesOutput write_enhanced_series(const StudyPlan& plan, const SeriesPlan& series,
                                   const std::vector<std::vector<float>>& volumes, SeriesOutput out, int& file_counter,
                                   bool nbia) {
  const VolumePlan& v0 = series.volumes.front();
  const Geometry& g = v0.geo;
  const StoredScale scale = choose_scale(plan, series, volumes.front());
  DcmFileFormat ff;
  DcmDataset& ds = *ff.getDataset();
  put_common(ds, plan, series, UID_EnhancedMRImageStorage);
  ds.findAndDeleteElement(DCM_ImagingFrequency);  // classic-only attributes
  ds.findAndDeleteElement(DCM_ImagedNucleus);
  put(ds, DCM_SOPInstanceUID, make_uid(plan.seed, 3, std::uint64_t(series.number), 1));
  put(ds, DCM_InstanceNumber, "1");
  put(ds, DCM_ContentDate, plan.study_date);
  put(ds, DCM_ContentTime, format_tm(series.volumes.back().acq_time_s + series.volumes.back().duration_s + 3));
  std::vector<std::string> it = written_image_type(plan, v0);
  while (it.size() < 4) it.push_back(it.size() == 2 ? "OTHER" : "NONE");
  it.resize(4);
  put(ds, DCM_ImageType, join(it, "\\"));
  put(ds, DCM_AcquisitionNumber, "1");
  put(ds, DCM_PixelPresentation, "MONOCHROME");
  put(ds, DCM_VolumetricProperties, "VOLUME");
  put(ds, DCM_VolumeBasedCalculationTechnique, "NONE");
  put(ds, DCM_ComplexImageComponent, "MAGNITUDE");
  put(ds, DCM_AcquisitionContrast, acquisition_contrast(v0.seq.family));
  put(ds, DCM_AcquisitionDateTime, datetime(plan, v0.acq_time_s));
  double total = 0;
  for (const auto& v : series.volumes) total += v.duration_s;
  put(ds, DCM_AcquisitionDuration, format_ds(total));
  put(ds, DCM_ContentQualification, "PRODUCT");
  put(ds, DCM_ResonantNucleus, "1H");
  put(ds, DCM_KSpaceFiltering, "NONE");
  put(ds, DCM_ApplicableSafetyStandardAgency, "IEC");
  put(ds, DCM_DeviceSerialNumber, std::to_string(10000 + plan.seed % 90000));
  if (plan.model.empty()) put(ds, DCM_ManufacturerModelName, "SYNTH");
  put(ds, DCM_BurnedInAnnotation, "NO");
  put(ds, DCM_LossyImageCompression, "00");
  put(ds, DCM_PresentationLUTShape, "IDENTITY");
  // MR pulse sequence module.
  const SeqParams& q = v0.seq;
  const bool gre = q.family == Family::Gre2D || q.family == Family::Gre3D || q.family == Family::Ssfp;
  if (!plan.deidentified)  // SH: at most 16 characters
    put(ds, DCM_PulseSequenceName, (v0.sequence_name.empty() ? series.protocol : v0.sequence_name).substr(0, 16));
  put(ds, DCM_MRAcquisitionType, series.acquisition_type);
  put(ds, DCM_EchoPulseSequence, gre ? "GRADIENT" : "SPIN");
  if (!gre) put(ds, DCM_MultipleSpinEcho, yes(series.echo_train > 1));
  put(ds, DCM_MultiPlanarExcitation, yes(series.acquisition_type == "2D"));
  put(ds, DCM_PhaseContrast, "NO");
  put(ds, DCM_TimeOfFlightContrast, "NO");
  put(ds, DCM_SteadyStatePulseSequence, q.family == Family::Ssfp ? "TRUE_FISP" : "NONE");
  put(ds, DCM_EchoPlanarPulseSequence, yes(q.family == Family::EpiDwi));
  put(ds, DCM_SaturationRecovery, "NO");
  put(ds, DCM_SpectrallySelectedSuppression, fat_term(q.fatsup));
  put(ds, DCM_OversamplingPhase, "NONE");
  put(ds, DCM_GeometryOfKSpaceTraversal, "RECTILINEAR");
  put(ds, DCM_RectilinearPhaseEncodeReordering, "LINEAR");
  put(ds, DCM_SegmentedKSpaceTraversal, series.echo_train > 60 || q.family == Family::EpiDwi ? "SINGLE" : "PARTIAL");
  if (series.acquisition_type == "3D") put(ds, DCM_CoverageOfKSpace, "FULL");
  put(ds, DCM_NumberOfKSpaceTrajectories, "1");
  ds.insertEmptyElement(DCM_AcquisitionContextSequence);
  // Dimensions: stack position, plus the key that separates the volumes.
  const std::string dim_uid = make_uid(plan.seed, 7, std::uint64_t(series.number));
  put(add_item(ds, DCM_DimensionOrganizationSequence), DCM_DimensionOrganizationUID, dim_uid);
  auto add_dim = [&](const DcmTagKey& index, const DcmTagKey& group, const char* label) {
    DcmItem& d = add_item(ds, DCM_DimensionIndexSequence);
    d.putAndInsertTagKey(DCM_DimensionIndexPointer, index);
    d.putAndInsertTagKey(DCM_FunctionalGroupPointer, group);
    put(d, DCM_DimensionOrganizationUID, dim_uid);
    put(d, DCM_DimensionDescriptionLabel, label);
  };
  add_dim(DCM_StackID, DCM_FrameContentSequence, "Stack ID");
  add_dim(DCM_InStackPositionNumber, DCM_FrameContentSequence, "In-Stack Position Number");
  const bool extra = series.multi_te || series.multi_b || series.multi_t;
  if (series.multi_te) add_dim(DCM_EffectiveEchoTime, DCM_MREchoSequence, "Effective Echo Time");
  if (series.multi_b) add_dim(DCM_DiffusionBValue, DCM_MRDiffusionSequence, "Diffusion b-value");
  if (series.multi_t) add_dim(DCM_TemporalPositionIndex, DCM_FrameContentSequence, "Temporal Position Index");
  put_shared_groups(add_item(ds, DCM_SharedFunctionalGroupsSequence), plan, series, v0, scale);
  // Frames: every slice of every volume.
  const size_t per_slice = size_t(g.cols) * g.rows;
  std::vector<Uint16> pixels;
  int frames = 0;
  for (size_t vi = 0; vi < series.volumes.size(); ++vi) {
    const VolumePlan& v = series.volumes[vi];
    for (int k = 0; k < v.geo.slices; ++k) {
      ++frames;
      DcmItem& pf = add_item(ds, DCM_PerFrameFunctionalGroupsSequence);
      DcmItem& fc = add_item(pf, DCM_FrameContentSequence);
      put(fc, DCM_FrameAcquisitionNumber, std::to_string(vi + 1));
      double t = slice_time(series, v, k);
      put(fc, DCM_FrameReferenceDateTime, datetime(plan, t));
      put(fc, DCM_FrameAcquisitionDateTime, datetime(plan, t));
      put(fc, DCM_FrameAcquisitionDuration, format_ds(v.duration_s * 1000 / std::max(1, v.geo.slices)));
      Uint32 idx[3] = {1, Uint32(k + 1), Uint32(vi + 1)};
      fc.putAndInsertUint32Array(DCM_DimensionIndexValues, idx, extra ? 3 : 2);
      if (series.multi_t) put(fc, DCM_TemporalPositionIndex, std::to_string(v.temporal_index));
      put(fc, DCM_StackID, "1");
      put(fc, DCM_InStackPositionNumber, std::to_string(k + 1));
      Vec3 pos = voxel_position(v.geo, 0, 0, k);
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s\\%s\\%s", format_ds(pos.x).c_str(), format_ds(pos.y).c_str(), format_ds(pos.z).c_str());
      put(add_item(pf, DCM_PlanePositionSequence), DCM_ImagePositionPatient, buf);
      if (series.multi_te) {
        Float64 te = v.seq.te;
        add_item(pf, DCM_MREchoSequence).putAndInsertFloat64(DCM_EffectiveEchoTime, te);
      }
      if (series.multi_b) {
        DcmItem& d = add_item(pf, DCM_MRDiffusionSequence);
        Float64 b = v.seq.b;
        d.putAndInsertFloat64(DCM_DiffusionBValue, b);
        put(d, DCM_DiffusionDirectionality, b > 0 ? "ISOTROPIC" : "NONE");
      }
      std::vector<Uint16> px = quantise(volumes[vi], size_t(k) * per_slice, per_slice, scale);
      pixels.insert(pixels.end(), px.begin(), px.end());
    }
  }
  put(ds, DCM_NumberOfFrames, std::to_string(frames));
  put_pixel_format(ds, g, scale);
  ds.putAndInsertUint16Array(DCM_PixelData, pixels.data(), unsigned(pixels.size()));
  // Enhanced objects carry b-values and echo times per frame in standard macros; no private copies.
  ++file_counter;
  std::string path = (std::filesystem::path(out.dir) / file_name(plan, series, 1, file_counter, nbia)).string();
  save(ff, plan, path);
  std::error_code ec;
  out.files.push_back({path, std::size_t(std::filesystem::file_size(path, ec))});
  return out;
}

}  // namespace mpmri::synth::detail
