#include "dicom/header.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "dicom/pixel_cache.hpp"
#include "dicom/tags.hpp"
#include "dicom/vendor.hpp"

namespace mpmri::dicom {

namespace {

// Values larger than this stay on disk while scanning (pixel data, big private blobs).
constexpr Uint32 kMaxReadLength = 4096;

std::vector<std::string> upper_all(std::vector<std::string> v) {
  for (auto& s : v) s = upper(s);
  return v;
}

// Enhanced objects keep many attributes inside functional groups; classic ones at the top level.
struct Lookup {
  DcmItem* ds;
  DcmItem* shared;
  DcmItem* frame0;
  std::string str(const DcmTagKey& tag) const {
    std::string v = get_string(ds, tag);
    if (v.empty() && shared) v = get_string(shared, tag, true);
    if (v.empty() && frame0) v = get_string(frame0, tag, true);
    return v;
  }
  std::optional<double> num(const DcmTagKey& tag) const {
    auto v = get_number(ds, tag);
    if (!v && shared) v = get_number(shared, tag, 0, true);
    if (!v && frame0) v = get_number(frame0, tag, 0, true);
    return v;
  }
};

void fill_header(DcmDataset* ds, DcmMetaInfo* meta, FileRecord& rec) {
  HeaderInfo& h = rec.header;
  DcmItem* shared = first_item(ds, DCM_SharedFunctionalGroupsSequence);
  DcmItem* frame0 = first_item(ds, DCM_PerFrameFunctionalGroupsSequence);
  h.enhanced = frame0 != nullptr;
  Lookup l{ds, shared, frame0};

  h.study_uid = get_string(ds, DCM_StudyInstanceUID);
  h.series_uid = get_string(ds, DCM_SeriesInstanceUID);
  h.sop_class_uid = get_string(ds, DCM_SOPClassUID);
  if (h.sop_class_uid.empty()) h.sop_class_uid = get_string(meta, DCM_MediaStorageSOPClassUID);
  rec.sop_instance_uid = get_string(ds, DCM_SOPInstanceUID);
  h.patient_id = get_string(ds, DCM_PatientID);
  h.study_date = get_string(ds, DCM_StudyDate);
  h.modality = get_string(ds, DCM_Modality);
  h.body_part = get_string(ds, DCM_BodyPartExamined);
  h.series_number = get_int(ds, DCM_SeriesNumber).value_or(0);
  h.series_description = get_string(ds, DCM_SeriesDescription);
  h.protocol_name = get_string(ds, DCM_ProtocolName);
  h.manufacturer = get_string(ds, DCM_Manufacturer);
  h.manufacturer_model = get_string(ds, DCM_ManufacturerModelName);
  h.field_strength_t = get_number(ds, DCM_MagneticFieldStrength);
  h.imaging_frequency_mhz = l.num(DCM_ImagingFrequency);
  h.sequence_name = get_string(ds, DCM_SequenceName);
  if (h.sequence_name.empty()) h.sequence_name = l.str(DCM_PulseSequenceName);
  h.scanning_sequence = get_string(ds, DCM_ScanningSequence);
  h.sequence_variant = get_string(ds, DCM_SequenceVariant);
  h.scan_options = get_string(ds, DCM_ScanOptions);
  h.mr_acquisition_type = get_string(ds, DCM_MRAcquisitionType);
  h.image_type = upper_all(get_strings(ds, DCM_ImageType));
  h.repetition_time_ms = l.num(DCM_RepetitionTime);
  h.echo_time_ms = get_number(ds, DCM_EchoTime);
  if (!h.echo_time_ms) h.echo_time_ms = l.num(DCM_EffectiveEchoTime);
  h.inversion_time_ms = get_number(ds, DCM_InversionTime);
  if (!h.inversion_time_ms) h.inversion_time_ms = l.num(DCM_InversionTimes);
  h.flip_angle_deg = l.num(DCM_FlipAngle);
  h.echo_number = get_int(ds, DCM_EchoNumbers);
  h.echo_train_length = get_int(ds, DCM_EchoTrainLength);
  h.diffusion_directionality = upper(l.str(DCM_DiffusionDirectionality));
  h.temporal_index = get_int(ds, DCM_TemporalPositionIdentifier);
  h.number_of_temporal_positions = get_int(ds, DCM_NumberOfTemporalPositions);
  h.trigger_time_ms = l.num(DCM_TriggerTime);
  h.acquisition_time_s = parse_tm(get_string(ds, DCM_AcquisitionTime));
  if (!h.acquisition_time_s) h.acquisition_time_s = parse_dt_time(get_string(ds, DCM_AcquisitionDateTime));
  h.content_time_s = parse_tm(get_string(ds, DCM_ContentTime));
  h.series_time_s = parse_tm(get_string(ds, DCM_SeriesTime));
  h.contrast_agent = l.str(DCM_ContrastBolusAgent);
  h.contrast_start_time_s = parse_tm(l.str(DCM_ContrastBolusStartTime));
  h.contrast_phase = upper(l.str(DCM_ContrastBolusAgentPhase));
  h.spectrally_selected_suppression = upper(l.str(DCM_SpectrallySelectedSuppression));
  h.acquisition_contrast = upper(l.str(DCM_AcquisitionContrast));
  h.slice_thickness_mm = l.num(DCM_SliceThickness);
  h.pixel_bandwidth = l.num(DCM_PixelBandwidth);
  h.photometric = upper(get_string(ds, DCM_PhotometricInterpretation));
  h.transfer_syntax_uid = DcmXfer(ds->getOriginalXfer()).getXferID();
  for (const auto& t : h.image_type) h.mosaic |= (t == "MOSAIC");
  if (get_private_number(ds, DcmTagKey(0x0019, 0x100A), 0).value_or(0) > 1) h.mosaic = true;
  // UIH "VFRAME" mosaics: (0065,1050) counts the tiles (20 tiles of 64x64 in a 320x256 image in dcm_qa_uih).
  if (upper(h.manufacturer).find("UIH") != std::string::npos &&
      get_private_number(ds, DcmTagKey(0x0065, 0x1050), 0).value_or(0) > 1)
    h.mosaic = true;
}

FrameRecord classic_frame(DcmDataset* ds, const HeaderInfo& h) {
  FrameRecord f;
  f.instance_number = get_int(ds, DCM_InstanceNumber).value_or(0);
  f.position = fixed<3>(ds, DCM_ImagePositionPatient);
  f.orientation = fixed<6>(ds, DCM_ImageOrientationPatient);
  f.pixel_spacing = fixed<2>(ds, DCM_PixelSpacing);
  f.echo_number = h.echo_number;
  f.echo_time_ms = h.echo_time_ms;
  if (auto b = classic_b_value(ds, h.manufacturer)) {
    f.b_value = b->value;
    f.b_value_source = b->source;
  }
  f.gradient = classic_gradient(ds);
  f.temporal_index = h.temporal_index;
  f.acquisition_time_s = h.acquisition_time_s;
  f.repetition_time_ms = h.repetition_time_ms;
  f.inversion_time_ms = h.inversion_time_ms;
  f.flip_angle_deg = h.flip_angle_deg;
  f.image_type = h.image_type;
  f.diffusion_directionality = h.diffusion_directionality;
  return f;
}

}  // namespace

bool looks_like_dicom(const std::string& path, std::string& reason) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    reason = "cannot open file";
    return false;
  }
  unsigned char buf[132] = {0};
  in.read(reinterpret_cast<char*>(buf), sizeof buf);
  auto got = static_cast<size_t>(in.gcount());
  if (got == 0) {
    reason = "empty file";
    return false;
  }
  if (got == 132 && std::memcmp(buf + 128, "DICM", 4) == 0) return true;
  // No preamble: accept a dataset that starts with a group 0002/0008 tag (either byte order), as
  // written by old tools and some anonymisers.
  if (got >= 8) {
    unsigned group_le = buf[0] | (buf[1] << 8), group_be = (buf[0] << 8) | buf[1];
    if (group_le == 0x0002 || group_le == 0x0008 || group_be == 0x0008) return true;
  }
  if (got >= 2 && buf[0] == 0x1f && buf[1] == 0x8b) {
    reason = "gzip-compressed (not read: decompress it with gunzip first)";
    return false;
  }
  reason = "not DICOM (no DICM marker at byte 128 and no leading group 0002/0008 tag)";
  return false;
}

std::optional<FileRecord> read_header(const std::string& path, const ScanOptions& options, std::string& reason) {
  if (!looks_like_dicom(path, reason)) return std::nullopt;
  DcmFileFormat ff;
  OFCondition cond = ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, kMaxReadLength, ERM_autoDetect);
  if (cond.bad()) {
    reason = std::string("unreadable DICOM: ") + cond.text();
    return std::nullopt;
  }
  DcmDataset* ds = ff.getDataset();
  DcmMetaInfo* meta = ff.getMetaInfo();
  std::string sop_class = get_string(ds, DCM_SOPClassUID);
  if (sop_class.empty()) sop_class = get_string(meta, DCM_MediaStorageSOPClassUID);
  if (sop_class == UID_MediaStorageDirectoryStorage) {
    reason = "DICOMDIR (a directory of other files, not an image)";
    return std::nullopt;
  }
  auto describe_class = [&]() {
    const char* name = dcmFindNameOfUID(sop_class.c_str());
    return name ? std::string(name) : (sop_class.empty() ? std::string("no SOP class") : sop_class);
  };
  DcmElement* pixel = nullptr;
  if (ds->findAndGetElement(DCM_PixelData, pixel).bad() || !pixel) {
    reason = "no pixel data (" + describe_class() + ")";
    return std::nullopt;
  }
  FileRecord rec;
  rec.path = path;
  rec.rows = get_int(ds, DCM_Rows).value_or(0);
  rec.columns = get_int(ds, DCM_Columns).value_or(0);
  rec.samples_per_pixel = get_int(ds, DCM_SamplesPerPixel).value_or(1);
  rec.bits_allocated = get_int(ds, DCM_BitsAllocated).value_or(0);
  rec.number_of_frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
  if (rec.rows <= 0 || rec.columns <= 0 || rec.number_of_frames <= 0) {
    reason = "missing or invalid Rows/Columns/NumberOfFrames";
    return std::nullopt;
  }
  if (rec.bits_allocated != 8 && rec.bits_allocated != 16 && rec.bits_allocated != 32) {
    reason = "unsupported BitsAllocated " + std::to_string(rec.bits_allocated);
    return std::nullopt;
  }
  fill_header(ds, meta, rec);
  const std::string& pi = rec.header.photometric;
  if (rec.samples_per_pixel != 1 || pi.rfind("RGB", 0) == 0 || pi.rfind("YBR", 0) == 0 || pi == "PALETTE COLOR") {
    reason = "colour image (" + pi + "): colour maps are not classified (see docs/vendor-quirks.md)";
    return std::nullopt;
  }
  double voxels = double(rec.rows) * rec.columns * rec.number_of_frames;
  if (voxels > double(options.max_voxels)) {
    reason = "header claims " + std::to_string(rec.columns) + "x" + std::to_string(rec.rows) + "x" +
             std::to_string(rec.number_of_frames) + " voxels, over the limit of " + std::to_string(options.max_voxels);
    return std::nullopt;
  }
  double expected = voxels * (rec.bits_allocated / 8);
  Uint32 stored = pixel->getLength();
  std::error_code ec;
  auto file_size = std::filesystem::file_size(path, ec);
  if (!DcmXfer(ds->getOriginalXfer()).isEncapsulated()) {
    if (double(stored) < expected) {
      reason = "pixel data holds " + std::to_string(stored) + " bytes but the header claims " +
               std::to_string(static_cast<unsigned long long>(expected));
      return std::nullopt;
    }
    if (!ec && stored > file_size) {
      reason = "truncated file: pixel data length exceeds the file size";
      return std::nullopt;
    }
  }
  remember_layout(path, ds, pixel);
  if (rec.header.enhanced) {
    read_enhanced_frames(ds, rec);
    if (rec.frames.size() != static_cast<size_t>(rec.number_of_frames)) {
      reason = "enhanced object has " + std::to_string(rec.frames.size()) + " functional group items for " +
               std::to_string(rec.number_of_frames) + " frames";
      return std::nullopt;
    }
  } else {
    FrameRecord f = classic_frame(ds, rec.header);
    if (f.b_value) {
      rec.header.b_value = f.b_value;
      rec.header.b_value_source = f.b_value_source;
    }
    if (rec.number_of_frames == 1) {
      rec.frames.push_back(f);
    } else {
      // Multi-frame without functional groups: frames are stacked along the normal at
      // SpacingBetweenSlices; without it their positions are unknown.
      // SpacingBetweenSlices; without it (or without a position) the splitter orders them by frame number.
      auto step = get_number(ds, DCM_SpacingBetweenSlices);
      bool stacked = step && f.position && f.orientation;
      std::array<double, 3> n{};
      if (stacked) {
        const auto& o = *f.orientation;
        n = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]};
      }
      for (int i = 0; i < rec.number_of_frames; ++i) {
        FrameRecord fi = f;
        fi.frame = i;
        fi.instance_number = i + 1;
        if (stacked) {
          for (int k = 0; k < 3; ++k) (*fi.position)[k] += i * *step * n[k];
        } else {
          fi.position.reset();
        }
        rec.frames.push_back(fi);
      }
    }
  }
  return rec;
}

}  // namespace mpmri::dicom
