// --nifti: one .nii.gz per classified volume through ITK's NIfTI writer, laid out as dcm2niix lays out a DICOM
// series (rows flipped, so voxel order and qform/sform match its output), with a BIDS-style JSON sidecar that
// src/dicom/nifti_source.cpp reads back, and .bval/.bvec for diffusion volumes. See docs/routing.md.
#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkImportImageFilter.h>
#include <itkNiftiImageIO.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/routing.hpp"

namespace mpmri {

namespace fs = std::filesystem;
using nlohmann::json;

std::string safe_path_component(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    out.push_back(keep ? c : '_');
  }
  if (out.empty() || out == "." || out == "..") out = "_";
  return out;
}

std::string nifti_file_stem(const std::string& name_template, const StudyResult& study, const VolumeResult& volume) {
  const HeaderInfo& h = volume.info.header;
  const std::string study_uid = study.study_uid.empty() ? h.study_uid : study.study_uid;
  std::string out, component;
  auto flush = [&] {
    if (!out.empty()) out += '/';
    out += safe_path_component(component);
    component.clear();
  };
  for (size_t i = 0; i < name_template.size(); ++i) {
    char c = name_template[i];
    if (c == '/') {
      if (!component.empty()) flush();
      continue;
    }
    if (c != '%') {
      component += c;
      continue;
    }
    if (++i == name_template.size()) throw Error(ErrorKind::Usage, "NIfTI name template ends in '%': " + name_template);
    switch (name_template[i]) {
      case 'p': component += h.patient_id.empty() ? study_uid : h.patient_id; break;
      case 'd': component += h.study_date.empty() ? study_uid : h.study_date; break;
      case 'i': component += study_uid; break;
      case 'l': component += to_string(volume.label); break;
      case 's': component += std::to_string(h.series_number); break;
      case 't': component += h.series_description; break;
      case 'u': component += h.series_uid; break;
      case 'v': component += std::to_string(volume.info.volume_index); break;
      case '%': component += '%'; break;
      default:
        throw Error(ErrorKind::Usage, std::string("unknown NIfTI name field %") + name_template[i] +
                                          " (known: %p %d %i %l %s %t %u %v %%)");
    }
  }
  if (!component.empty()) flush();
  if (out.empty()) throw Error(ErrorKind::Usage, "NIfTI name template gives an empty name: '" + name_template + "'");
  return out;
}

namespace {

// The smallest voxel type that holds every value exactly: dcm2niix's int16/uint16 for plain MR magnitudes,
// float32 where rescaling made fractions.
enum class VoxelType { Int16, UInt16, Float32 };

VoxelType smallest_exact_type(const std::vector<float>& voxels) {
  bool integral = true, fits_int16 = true, fits_uint16 = true;
  for (float v : voxels) {
    if (v != std::floor(v)) {
      integral = false;
      break;
    }
    fits_int16 = fits_int16 && v >= -32768.0f && v <= 32767.0f;
    fits_uint16 = fits_uint16 && v >= 0.0f && v <= 65535.0f;
  }
  if (integral && fits_int16) return VoxelType::Int16;
  if (integral && fits_uint16) return VoxelType::UInt16;
  return VoxelType::Float32;
}

// dcm2niix's layout of a DICOM series: rows flipped (its first row is the DICOM's last), columns and slices as
// they are. Our volume's z ascends along row x column, so the stored axes become left-handed, like dcm2niix's,
// and the project's reader (nifti_io.cpp) flips the rows back.
template <class Pixel>
void write_nifti_as(const VolumeImage& image, const std::string& path) {
  using Image = itk::Image<Pixel, 3>;
  const size_t nx = size_t(image.size[0]), ny = size_t(image.size[1]), nz = size_t(image.size[2]);
  auto out = Image::New();
  typename Image::RegionType region;
  for (unsigned a = 0; a < 3; ++a) region.SetSize(a, static_cast<itk::SizeValueType>(image.size[a]));
  out->SetRegions(region);
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  for (unsigned r = 0; r < 3; ++r) {
    spacing[r] = image.spacing[r];
    // Voxel (0,0,0) of the file is the last row of the first slice.
    origin[r] = image.origin[r] + image.direction[r * 3 + 1] * image.spacing[1] * double(ny - 1);
    for (unsigned c = 0; c < 3; ++c) direction[r][c] = image.direction[r * 3 + c] * (c == 1 ? -1.0 : 1.0);
  }
  out->SetSpacing(spacing);
  out->SetOrigin(origin);
  out->SetDirection(direction);
  out->Allocate();
  Pixel* dst = out->GetBufferPointer();
  for (size_t z = 0; z < nz; ++z)
    for (size_t y = 0; y < ny; ++y) {
      const float* src = image.voxels.data() + (z * ny + (ny - 1 - y)) * nx;
      for (size_t x = 0; x < nx; ++x) dst[(z * ny + y) * nx + x] = static_cast<Pixel>(src[x]);
    }
  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetImageIO(itk::NiftiImageIO::New());
  writer->SetFileName(path);
  writer->SetInput(out);
  writer->SetUseCompression(true);
  writer->Update();
}

// Written under a temporary name and renamed, like every output (ITK's writer has no atomic mode).
void write_nifti_atomic(const VolumeImage& image, const fs::path& target) {
  if (image.voxels.size() != image.voxel_count() || image.voxel_count() == 0)
    throw Error(ErrorKind::Input, "volume has no voxels");
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  const std::string tmp = temporary_path_for(target.string(), ".nii.gz");
  try {
    switch (smallest_exact_type(image.voxels)) {
      case VoxelType::Int16: write_nifti_as<int16_t>(image, tmp); break;
      case VoxelType::UInt16: write_nifti_as<uint16_t>(image, tmp); break;
      case VoxelType::Float32: write_nifti_as<float>(image, tmp); break;
    }
  } catch (const itk::ExceptionObject& e) {
    fs::remove(tmp, ec);
    throw Error(ErrorKind::Io, "cannot write " + target.string() + ": " + e.GetDescription());
  }
  rename_into_place(tmp, target.string());
}

// The shortest text that reads back as the same double (a b-value of 929.75 stays 929.75, 1.2512578 all of it).
std::string shortest_decimal(double v) {
  char buf[64];
  auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::string(buf, end);
}

template <class T>
void put(json& j, const char* name, const std::optional<T>& v) {
  if (v) j[name] = *v;
}
void put(json& j, const char* name, const std::string& v) {
  if (!v.empty()) j[name] = v;
}
std::optional<double> seconds(const std::optional<double>& ms) {
  if (!ms) return std::nullopt;
  return *ms / 1000.0;  // the reader rounds to 1e-6 ms, which removes the binary tail of the division
}
// dcm2niix's "HH:MM:SS.ffffff".
std::string clock_time(const std::optional<double>& seconds_of_day) {
  if (!seconds_of_day) return "";
  const double t = *seconds_of_day;
  const int h = int(t / 3600), m = int((t - h * 3600) / 60);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%09.6f", h, m, t - h * 3600 - m * 60);
  return buf;
}

json split_key_json(const VolumeKey& k) {
  json j = json::object();
  put(j, "EchoNumber", k.echo_number);
  put(j, "EchoTime", seconds(k.echo_time_ms));
  put(j, "BValue", k.b_value);
  put(j, "TemporalIndex", k.temporal_index);
  put(j, "ImageType", k.image_type);
  put(j, "Orientation", k.orientation);
  return j;
}

// The acquisition fields under the names and units dcm2niix writes (docs/nifti.md lists what we read back),
// then ours under "MpmriClassify".
json sidecar_json(const VolumeResult& v) {
  const HeaderInfo& h = v.info.header;
  json j = json::object();
  put(j, "Modality", h.modality);
  put(j, "MagneticFieldStrength", h.field_strength_t);
  put(j, "ImagingFrequency", h.imaging_frequency_mhz);
  put(j, "Manufacturer", h.manufacturer);
  put(j, "ManufacturersModelName", h.manufacturer_model);
  put(j, "BodyPartExamined", h.body_part);
  put(j, "PatientID", h.patient_id);
  put(j, "SeriesDescription", h.series_description);
  put(j, "ProtocolName", h.protocol_name);
  put(j, "ScanningSequence", h.scanning_sequence);
  put(j, "SequenceVariant", h.sequence_variant);
  put(j, "ScanOptions", h.scan_options);
  put(j, "SequenceName", h.sequence_name);
  if (!h.image_type.empty()) j["ImageType"] = h.image_type;
  put(j, "MRAcquisitionType", h.mr_acquisition_type);
  j["SeriesNumber"] = h.series_number;
  put(j, "AcquisitionTime", clock_time(h.acquisition_time_s));
  put(j, "SliceThickness", h.slice_thickness_mm);
  put(j, "EchoTime", seconds(v.info.echo_time_ms()));
  put(j, "RepetitionTime", seconds(h.repetition_time_ms));
  put(j, "InversionTime", seconds(h.inversion_time_ms));
  put(j, "FlipAngle", h.flip_angle_deg);
  put(j, "EchoNumber", v.info.key.echo_number ? v.info.key.echo_number : h.echo_number);
  put(j, "EchoTrainLength", h.echo_train_length);
  put(j, "PixelBandwidth", h.pixel_bandwidth);
  put(j, "StudyInstanceUID", h.study_uid);
  put(j, "SeriesInstanceUID", h.series_uid);
  json ours = {{"Label", std::string(to_string(v.label))},
               {"Confidence", v.confidence},
               {"Evidence", v.evidence},
               {"SplitKey", split_key_json(v.info.key)},
               {"VolumeIndex", v.info.volume_index},
               {"VolumesInSeries", v.info.volumes_in_series},
               {"Tool", "mpmri-classify " + tool_version()}};
  put(ours, "BValue", v.info.b_value());
  put(ours, "TemporalIndex", v.info.temporal_index());
  j["MpmriClassify"] = ours;
  return j;
}

// A volume with a b-value that is not a map computed from several (ADC): dcm2niix writes .bval/.bvec for it.
bool is_diffusion_weighted(const VolumeResult& v) {
  if (!v.info.b_value() || v.label == Label::ADC) return false;
  for (const auto& t : v.info.header.image_type)
    if (t == "ADC" || t == "EADC" || t == "FA") return false;
  return true;
}

class NiftiRouter : public StudyRouter {
 public:
  explicit NiftiRouter(const RoutingOptions& options) : options_(options) {
    if (options_.nifti_labels.empty())
      for (int i = 0; i < kNumLabels; ++i)
        if (label_from_index(i) != Label::Other) options_.nifti_labels.insert(label_from_index(i));
    // A bad template is a usage error before the run starts, not a failure per volume.
    StudyResult probe;
    nifti_file_stem(options_.nifti_name, probe, VolumeResult{});
  }

  void add_study(const StudyResult& study) override {
    for (const auto& v : study.volumes) {
      if (v.status != VolumeStatus::Ok || !options_.nifti_labels.count(v.label)) continue;
      const std::string stem = unique_stem(nifti_file_stem(options_.nifti_name, study, v));
      const fs::path base = fs::path(options_.nifti_dir) / stem;
      try {
        write_nifti_atomic(load_volume(v.info), base.string() + ".nii.gz");
        write_file_atomic(base.string() + ".json", sidecar_json(v).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
        if (is_diffusion_weighted(v)) {
          write_file_atomic(base.string() + ".bval", shortest_decimal(*v.info.b_value()) + "\n");
          // The loader keeps no gradient direction: a trace (isotropic) image, as dcm2niix writes 0 0 0 for it.
          write_file_atomic(base.string() + ".bvec", "0\n0\n0\n");
        }
      } catch (const std::exception& e) {
        ++failures_;
        spdlog::warn("no NIfTI for {}: {}", v.info.id(), e.what());
      }
    }
  }

 private:
  // The first volume keeps the template's name, later ones with the same name get _2, _3, ... (in run order).
  std::string unique_stem(const std::string& stem) {
    int& seen = used_[stem];
    ++seen;
    if (seen == 1) return stem;
    std::string candidate = stem + "_" + std::to_string(seen);
    while (used_.count(candidate)) candidate = stem + "_" + std::to_string(++seen);
    used_[candidate] = 1;
    return candidate;
  }

  RoutingOptions options_;
  std::map<std::string, int> used_;
};

}  // namespace

std::unique_ptr<StudyRouter> make_nifti_router(const RoutingOptions& options) {
  return std::make_unique<NiftiRouter>(options);
}

std::vector<std::unique_ptr<StudyRouter>> make_routers(const RoutingOptions& options) {
  std::vector<std::unique_ptr<StudyRouter>> routers;
  if (!options.nifti_dir.empty()) routers.push_back(make_nifti_router(options));
  if (!options.sort_dir.empty()) routers.push_back(make_sort_router(options));
  if (!options.sr_dir.empty()) routers.push_back(make_sr_router(options));
  return routers;
}

}  // namespace mpmri
