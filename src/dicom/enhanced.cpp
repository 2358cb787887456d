// Enhanced multi-frame objects: every frame's geometry and acquisition facts come from its
// PerFrameFunctionalGroupsSequence item, falling back to the SharedFunctionalGroupsSequence item.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcsequen.h>

#include <functional>

#include "dicom/header.hpp"
#include "dicom/tags.hpp"

namespace mpmri::dicom {

namespace {

// The macro `seq` from the frame's own item, else from the shared item.
DcmItem* macro(DcmItem* frame, DcmItem* shared, const DcmTagKey& seq) {
  if (DcmItem* m = first_item(frame, seq)) return m;
  return first_item(shared, seq);
}

FrameRecord read_frame(DcmItem* frame, DcmItem* shared, const HeaderInfo& h, int index) {
  FrameRecord f;
  f.frame = index;
  f.instance_number = index + 1;
  f.position = fixed<3>(macro(frame, shared, DCM_PlanePositionSequence), DCM_ImagePositionPatient);
  f.orientation = fixed<6>(macro(frame, shared, DCM_PlaneOrientationSequence), DCM_ImageOrientationPatient);
  f.pixel_spacing = fixed<2>(macro(frame, shared, DCM_PixelMeasuresSequence), DCM_PixelSpacing);
  if (DcmItem* echo = macro(frame, shared, DCM_MREchoSequence)) f.echo_time_ms = get_number(echo, DCM_EffectiveEchoTime);
  if (!f.echo_time_ms) f.echo_time_ms = h.echo_time_ms;
  if (DcmItem* timing = macro(frame, shared, DCM_MRTimingAndRelatedParametersSequence)) {
    f.repetition_time_ms = get_number(timing, DCM_RepetitionTime);
    f.flip_angle_deg = get_number(timing, DCM_FlipAngle);
  }
  if (!f.repetition_time_ms) f.repetition_time_ms = h.repetition_time_ms;
  if (!f.flip_angle_deg) f.flip_angle_deg = h.flip_angle_deg;
  if (DcmItem* mod = macro(frame, shared, DCM_MRModifierSequence)) f.inversion_time_ms = get_number(mod, DCM_InversionTimes);
  if (!f.inversion_time_ms) f.inversion_time_ms = h.inversion_time_ms;
  if (DcmItem* diff = macro(frame, shared, DCM_MRDiffusionSequence)) {
    if (auto b = get_number(diff, DCM_DiffusionBValue)) {
      f.b_value = *b;
      f.b_value_source = "(0018,9117)>(0018,9087)";
    }
    f.diffusion_directionality = upper(get_string(diff, DCM_DiffusionDirectionality));
    if (DcmItem* dir = first_item(diff, DCM_DiffusionGradientDirectionSequence))
      f.gradient = fixed<3>(dir, DCM_DiffusionGradientOrientation);
  }
  if (DcmItem* content = first_item(frame, DCM_FrameContentSequence)) {
    f.temporal_index = get_int(content, DCM_TemporalPositionIndex);
    f.acquisition_time_s = parse_dt_time(get_string(content, DCM_FrameAcquisitionDateTime));
    if (auto stack_pos = get_int(content, DCM_InStackPositionNumber)) f.instance_number = *stack_pos;
  }
  if (!f.acquisition_time_s) f.acquisition_time_s = h.acquisition_time_s;
  if (DcmItem* type = macro(frame, shared, DCM_MRImageFrameTypeSequence)) {
    for (auto& v : get_strings(type, DCM_FrameType)) f.image_type.push_back(upper(v));
  }
  if (f.image_type.empty()) f.image_type = h.image_type;
  return f;
}

}  // namespace

void read_enhanced_frames(DcmItem* ds, FileRecord& rec) {
  DcmSequenceOfItems* per_frame = nullptr;
  if (ds->findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per_frame).bad() || !per_frame) return;
  DcmItem* shared = first_item(ds, DCM_SharedFunctionalGroupsSequence);
  int index = 0;
  // Walk the list once; getItem(i) would make this quadratic in the number of frames.
  for (DcmObject* obj = per_frame->nextInContainer(nullptr); obj; obj = per_frame->nextInContainer(obj)) {
    rec.frames.push_back(read_frame(static_cast<DcmItem*>(obj), shared, rec.header, index++));
  }
  // Enhanced objects carry no EchoNumbers per frame; the header gets the first frame's facts.
  if (!rec.frames.empty()) {
    const FrameRecord& f0 = rec.frames.front();
    if (f0.b_value) {
      rec.header.b_value = f0.b_value;
      rec.header.b_value_source = f0.b_value_source;
    }
    if (!rec.header.echo_time_ms) rec.header.echo_time_ms = f0.echo_time_ms;
    if (rec.header.diffusion_directionality.empty()) rec.header.diffusion_directionality = f0.diffusion_directionality;
    if (rec.header.image_type.empty()) rec.header.image_type = f0.image_type;
  }
}

std::array<double, 2> enhanced_rescale(DcmItem* ds, int frame) {
  DcmItem* frame_item = nullptr;
  ds->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame_item, frame);
  DcmItem* shared = first_item(ds, DCM_SharedFunctionalGroupsSequence);
  DcmItem* pvt = macro(frame_item, shared, DCM_PixelValueTransformationSequence);
  DcmItem* src = pvt ? pvt : ds;
  return {get_number(src, DCM_RescaleSlope).value_or(1.0), get_number(src, DCM_RescaleIntercept).value_or(0.0)};
}

}  // namespace mpmri::dicom
