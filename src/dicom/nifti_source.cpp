// NIfTI files as series: sidecars (JSON header facts, .bval b-values), grouping into studies and series,
// volume keys, and decoding one volume. The file itself is read through ITK in nifti_io.cpp.
#include "dicom/nifti_source.hpp"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "dicom/splitter.hpp"
#include "mpmri/error.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace mpmri::nifti {

namespace {

const char* const kSidecarExtensions[] = {".json", ".bval", ".bvec"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// The path without .nii / .nii.gz: the name its sidecars share (dcm2niix, FSL and BIDS naming).
std::string stem_of(const std::string& path) {
  const std::string l = lower(path);
  if (ends_with(l, ".nii.gz")) return path.substr(0, path.size() - 7);
  if (ends_with(l, ".nii")) return path.substr(0, path.size() - 4);
  return path;
}

std::string normal_path(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) p = path;
  p = p.lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "/a/b/" -> "/a/b"
  return p.string();
}

double round_to(double v, double step) { return std::round(v / step) * step; }

// --- the JSON sidecar: dcm2niix writes DICOM's values under BIDS names, times in seconds ---

std::string text(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) {
    std::ostringstream s;
    s << it->get<double>();
    return s.str();
  }
  if (it->is_array()) {  // a multi-valued DICOM string, as DICOM writes it
    std::string out;
    for (const auto& v : *it)
      if (v.is_string()) out += (out.empty() ? "" : "\\") + v.get<std::string>();
    return out;
  }
  return "";
}

std::optional<double> number(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() && *end == '\0' && std::isfinite(v)) return v;
  }
  return std::nullopt;
}

std::optional<double> seconds_as_ms(const json& j, const char* name) {
  auto s = number(j, name);
  if (!s) return std::nullopt;
  return round_to(*s * 1000.0, 1e-6);  // 0.002302 s -> 2.302 ms, without the binary fraction's tail
}

std::optional<int> integer(const json& j, const char* name) {
  auto v = number(j, name);
  if (!v || *v != std::floor(*v)) return std::nullopt;
  return static_cast<int>(*v);
}

// "HH:MM:SS.ffffff" (dcm2niix) or DICOM's "HHMMSS.ffffff" -> seconds since midnight.
std::optional<double> time_of_day(const std::string& t) {
  std::string digits;
  for (char c : t)
    if (c != ':') digits.push_back(c);
  if (digits.size() < 6 || !std::all_of(digits.begin(), digits.begin() + 6, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return std::nullopt;
  double frac = digits.size() > 6 ? std::atof(digits.c_str() + 6) : 0.0;
  return std::stoi(digits.substr(0, 2)) * 3600.0 + std::stoi(digits.substr(2, 2)) * 60.0 + std::stoi(digits.substr(4, 2)) + frac;
}

// The header facts a DICOM file would give the rules, from the sidecar's copy of them.
void fill_header(const json& j, HeaderInfo& h) {
  h.study_uid = text(j, "StudyInstanceUID");
  h.series_uid = text(j, "SeriesInstanceUID");
  h.modality = text(j, "Modality");
  h.patient_id = text(j, "PatientID");
  h.body_part = text(j, "BodyPartExamined");
  h.series_number = integer(j, "SeriesNumber").value_or(0);
  h.series_description = text(j, "SeriesDescription");
  h.protocol_name = text(j, "ProtocolName");
  h.manufacturer = text(j, "Manufacturer");
  h.manufacturer_model = text(j, "ManufacturersModelName");
  h.field_strength_t = number(j, "MagneticFieldStrength");
  h.imaging_frequency_mhz = number(j, "ImagingFrequency");
  h.sequence_name = text(j, "SequenceName");
  if (h.sequence_name.empty()) h.sequence_name = text(j, "PulseSequenceName");  // as the DICOM loader falls back
  h.scanning_sequence = text(j, "ScanningSequence");
  h.sequence_variant = text(j, "SequenceVariant");
  h.scan_options = text(j, "ScanOptions");
  h.mr_acquisition_type = text(j, "MRAcquisitionType");
  std::string image_type = text(j, "ImageType");
  for (size_t start = 0; !image_type.empty() && start <= image_type.size();) {
    size_t end = image_type.find('\\', start);
    if (end == std::string::npos) end = image_type.size();
    std::string value = image_type.substr(start, end - start);
    for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    h.image_type.push_back(value);
    start = end + 1;
  }
  h.echo_time_ms = seconds_as_ms(j, "EchoTime");
  h.repetition_time_ms = seconds_as_ms(j, "RepetitionTime");
  h.inversion_time_ms = seconds_as_ms(j, "InversionTime");
  h.flip_angle_deg = number(j, "FlipAngle");
  h.echo_number = integer(j, "EchoNumber");
  h.echo_train_length = integer(j, "EchoTrainLength");
  h.slice_thickness_mm = number(j, "SliceThickness");
  h.pixel_bandwidth = number(j, "PixelBandwidth");
  h.acquisition_time_s = time_of_day(text(j, "AcquisitionTime"));
}

// One NIfTI file as scanned: its image geometry (or why it has none) and what its sidecars say.
struct FileScan {
  std::string path;  // absolute, lexically normal: the fallback series UID
  std::optional<NiftiGeometry> geometry;
  std::string error;
  HeaderInfo header;
  std::vector<double> b_values;  // one per volume, or empty
  std::string bval_name;
  std::vector<SkippedFile> skipped;  // sidecars that could not be used
  std::vector<std::string> warnings;
};

void read_sidecar(FileScan& f) {
  const std::string path = stem_of(f.path) + ".json";
  if (!fs::is_regular_file(path)) return;
  try {
    std::ifstream in(path);
    json j = json::parse(in);
    if (!j.is_object()) throw std::runtime_error("not a JSON object");
    fill_header(j, f.header);
  } catch (const std::exception& e) {
    f.skipped.push_back({path, std::string("NIfTI sidecar is not valid JSON (") + e.what() + "): header facts of " +
                                   fs::path(f.path).filename().string() + " ignored"});
    f.warnings.push_back("sidecar " + fs::path(path).filename().string() + " unreadable: no header facts");
  }
}

void read_bval(FileScan& f) {
  const std::string path = stem_of(f.path) + ".bval";
  if (!fs::is_regular_file(path) || !f.geometry) return;
  std::ifstream in(path);
  std::vector<double> values;
  std::string word;
  bool bad = false;
  while (in >> word) {
    char* end = nullptr;
    double v = std::strtod(word.c_str(), &end);
    if (end == word.c_str() || *end != '\0' || !std::isfinite(v) || v < 0) bad = true;
    values.push_back(v);
  }
  const std::string name = fs::path(path).filename().string();
  std::string why;
  if (bad) why = "holds something other than non-negative numbers";
  else if (static_cast<int>(values.size()) != f.geometry->volumes)
    why = "holds " + std::to_string(values.size()) + " b-values for " + std::to_string(f.geometry->volumes) + " volumes";
  if (!why.empty()) {
    f.skipped.push_back({path, ".bval file " + why + ": b-values of " + fs::path(f.path).filename().string() + " ignored"});
    f.warnings.push_back(name + " " + why + ": no b-values");
    return;
  }
  f.b_values = std::move(values);
  f.bval_name = name;
}

FileScan scan_file(const std::string& given_path, const ScanOptions& options) {
  FileScan f;
  f.path = normal_path(given_path);
  try {
    f.geometry = read_nifti_geometry(f.path, options.max_voxels);
  } catch (const std::exception& e) {
    f.error = e.what();
  }
  read_sidecar(f);
  read_bval(f);
  return f;
}

// The volumes of one file, keys not yet set.
void add_volumes(const FileScan& f, std::vector<VolumeInfo>& out) {
  const NiftiGeometry& g = *f.geometry;
  const auto& d = g.direction;
  std::array<double, 3> normal{d[2], d[5], d[8]};
  for (int t = 0; t < g.volumes; ++t) {
    VolumeInfo v;
    v.header = f.header;
    if (!f.b_values.empty()) {
      v.header.b_value = f.b_values[t];
      v.header.b_value_source = f.bval_name;
    }
    v.header.orientation = {d[0], d[3], d[6], d[1], d[4], d[7]};
    v.header.has_orientation = true;
    v.nifti = NiftiSource{f.path, t};
    v.matrix = {g.size[0], g.size[1]};
    v.pixel_spacing = {g.spacing[0], g.spacing[1]};
    v.plane = dicom::plane_of(normal);
    v.warnings = f.warnings;
    for (int z = 0; z < g.size[2]; ++z) {
      SliceRef s;
      s.path = f.path;
      s.frame = z;
      s.instance_number = z + 1;
      for (int r = 0; r < 3; ++r) s.position[r] = g.origin[r] + normal[r] * g.spacing[2] * z;
      s.acquisition_time_s = f.header.acquisition_time_s;
      v.slices.push_back(std::move(s));
    }
    out.push_back(std::move(v));
  }
}

// Keys as the DICOM splitter sets them: only what varies within the series (echo, b-value), then a
// repetition number for volumes that still share a key (diffusion directions, a 4D file's time points).
void set_keys(std::vector<VolumeInfo>& volumes) {
  std::set<std::pair<int, double>> echoes;
  std::set<double> bs;
  for (const auto& v : volumes) {
    echoes.insert({v.header.echo_number.value_or(0), round_to(v.header.echo_time_ms.value_or(-1), 1e-3)});
    bs.insert(round_to(v.header.b_value.value_or(-1), 1e-2));
  }
  for (auto& v : volumes) {
    if (echoes.size() > 1) {
      if (v.header.echo_time_ms) v.key.echo_time_ms = round_to(*v.header.echo_time_ms, 1e-3);
      v.key.echo_number = v.header.echo_number;
    }
    if (bs.size() > 1) v.key.b_value = v.header.b_value;
  }
  std::map<VolumeKey, int> repeats;
  for (const auto& v : volumes) repeats[v.key]++;
  std::map<VolumeKey, int> seen;
  for (auto& v : volumes) {  // still in file and 4th-dimension order
    VolumeKey shared = v.key;
    if (repeats[shared] > 1) v.key.temporal_index = ++seen[shared];
  }
  std::stable_sort(volumes.begin(), volumes.end(), [](const VolumeInfo& a, const VolumeInfo& b) { return a.key < b.key; });
  for (size_t i = 0; i < volumes.size(); ++i) {
    volumes[i].volume_index = static_cast<int>(i);
    volumes[i].volumes_in_series = static_cast<int>(volumes.size());
  }
}

// What a file holds of its voxel data: counted once per file (and size and modification time), so the
// volumes of a 4D .nii.gz do not each decompress it again for the check.
struct DataCount {
  std::uintmax_t size = 0;
  fs::file_time_type mtime;
  double vox_offset = 0, volume_bytes = 0;  // from the header
  double present = 0;                       // uncompressed bytes there, up to the end of the last volume
  std::string damage;                       // zlib's complaint when the compressed stream broke off
};

DataCount count_data(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw Error(ErrorKind::Input, "cannot open the file");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> closer(gz, gzclose);
  unsigned char header[540] = {};  // NIfTI-2; NIfTI-1 uses the first 348
  const int got = gzread(gz, header, sizeof header);
  if (got < 348) throw Error(ErrorKind::Input, "truncated: shorter than a NIfTI header");
  std::int32_t sizeof_hdr;
  std::memcpy(&sizeof_hdr, header, 4);
  const bool swapped = sizeof_hdr != 348 && sizeof_hdr != 540;
  if (swapped) sizeof_hdr = static_cast<std::int32_t>(__builtin_bswap32(static_cast<std::uint32_t>(sizeof_hdr)));
  if (sizeof_hdr != 348 && sizeof_hdr != 540) throw Error(ErrorKind::Input, "not a NIfTI-1 or NIfTI-2 header");
  auto field = [&](int offset, auto value) {
    std::memcpy(&value, header + offset, sizeof value);
    if (swapped) std::reverse(reinterpret_cast<unsigned char*>(&value), reinterpret_cast<unsigned char*>(&value) + sizeof value);
    return value;
  };
  const bool v2 = sizeof_hdr == 540;
  auto dim = [&](int k) { return v2 ? double(field(16 + 8 * k, std::int64_t{})) : double(field(40 + 2 * k, std::int16_t{})); };
  DataCount c;
  const double dims = dim(0), bitpix = v2 ? field(14, std::int16_t{}) : field(72, std::int16_t{});
  c.volume_bytes = bitpix / 8.0;
  for (int k = 1; k <= 3 && k <= dims; ++k) c.volume_bytes *= std::max(1.0, dim(k));
  c.vox_offset = std::max(v2 ? double(field(168, std::int64_t{})) : double(field(108, float{})), v2 ? 544.0 : 352.0);
  const double end = c.vox_offset + c.volume_bytes * (dims >= 4 ? std::max(1.0, dim(4)) : 1.0);
  c.present = got;
  std::vector<char> buffer(1 << 20);
  while (c.present < end) {
    const int n = gzread(gz, buffer.data(), static_cast<unsigned>(std::min<double>(buffer.size(), end - c.present)));
    if (n < 0) {
      int code = 0;
      c.damage = gzerror(gz, &code);
    }
    if (n <= 0) break;
    c.present += n;
  }
  return c;
}

// niftilib (inside ITK's reader) fills a short read with zeros and only warns on stderr, so a truncated file
// would load as an image with black slices: check first that the file holds every byte volume `index` needs
// (zlib reads plain files as they are and decompresses a .nii.gz).
void require_voxel_bytes(const std::string& path, int index) {
  static std::mutex mutex;
  static std::map<std::string, DataCount> counted;
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  const fs::file_time_type mtime = fs::last_write_time(path, ec);
  if (ec) throw Error(ErrorKind::Input, "cannot open the file: " + ec.message());
  std::optional<DataCount> c;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = counted.find(path);
    if (it != counted.end() && it->second.size == size && it->second.mtime == mtime) c = it->second;
  }
  if (!c) {  // two threads may count the same file once each: the result is the same
    c = count_data(path);
    c->size = size;
    c->mtime = mtime;
    std::lock_guard<std::mutex> lock(mutex);
    counted[path] = *c;
  }
  const double needed = c->vox_offset + c->volume_bytes * (index + 1);
  if (c->present < needed)
    throw Error(ErrorKind::Input, (c->damage.empty() ? "truncated" : "damaged compressed data (" + c->damage + ")") +
                                      ": the file holds " + std::to_string(static_cast<long long>(c->present)) + " of the " +
                                      std::to_string(static_cast<long long>(needed)) + " bytes (uncompressed) that volume " +
                                      std::to_string(index) + " needs");
}

Study& study_for(ScanResult& result, const std::string& uid) {
  for (auto& s : result.studies)
    if (s.study_uid == uid) return s;
  result.studies.push_back(Study{uid, {}, {}});
  return result.studies.back();
}

}  // namespace

bool is_nifti_path(const std::string& path) {
  const std::string l = lower(path);
  return ends_with(l, ".nii") || ends_with(l, ".nii.gz");
}

void take_nifti_files(std::vector<std::string>& files, std::vector<std::string>& nifti_files) {
  std::set<std::string> stems;
  for (const auto& f : files)
    if (is_nifti_path(f)) {
      nifti_files.push_back(f);
      stems.insert(stem_of(f));
    }
  if (nifti_files.empty()) return;
  auto is_taken = [&](const std::string& f) {
    if (is_nifti_path(f)) return true;
    const std::string ext = lower(fs::path(f).extension().string());
    for (const char* sidecar : kSidecarExtensions)
      if (ext == sidecar && stems.count(f.substr(0, f.size() - ext.size()))) return true;
    return false;
  };
  files.erase(std::remove_if(files.begin(), files.end(), is_taken), files.end());
}

std::string folder_study_uid(const std::string& folder) {
  const std::string path = normal_path(folder);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(path.data(), path.size(), md, &len, EVP_sha256(), nullptr);
  std::array<unsigned, 16> n{};
  for (size_t i = 0; i < n.size(); ++i) n[i] = md[i];
  std::string digits;  // the 128-bit big-endian number in decimal, by long division
  while (std::any_of(n.begin(), n.end(), [](unsigned b) { return b != 0; })) {
    unsigned rem = 0;
    for (auto& b : n) {
      unsigned cur = rem * 256 + b;
      b = cur / 10;
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  if (digits.empty()) digits = "0";
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

void scan_nifti(const std::vector<std::string>& nifti_files, const ScanOptions& options, ScanResult& result) {
  // Serial: a NIfTI header is one small read (the first 348 bytes), unlike a folder of DICOM slices.
  std::map<std::string, std::map<std::string, std::vector<FileScan>>> grouped;  // study -> series -> files
  for (const auto& path : nifti_files) {
    FileScan f = scan_file(path, options);
    for (auto& s : f.skipped) result.skipped.push_back(std::move(s));
    f.skipped.clear();
    if (f.header.study_uid.empty()) f.header.study_uid = folder_study_uid(fs::path(f.path).parent_path().string());
    if (f.header.series_uid.empty()) f.header.series_uid = f.path;
    if (!f.geometry) {
      spdlog::warn("NIfTI {}: {}", path, f.error);
      result.failed.push_back({f.header.study_uid, f.header.series_uid, "NIfTI " + f.path + ": " + f.error});
      continue;
    }
    const std::string study_uid = f.header.study_uid, series_uid = f.header.series_uid;
    grouped[study_uid][series_uid].push_back(std::move(f));
  }
  for (auto& [study_uid, series_map] : grouped) {
    Study& study = study_for(result, study_uid);
    for (auto& [series_uid, files] : series_map) {
      Series series{study_uid, series_uid, {}};
      for (const auto& f : files) add_volumes(f, series.volumes);
      set_keys(series.volumes);
      study.series.push_back(std::move(series));
    }
    std::stable_sort(study.series.begin(), study.series.end(), [](const Series& a, const Series& b) {
      return a.volumes.front().header.series_number < b.volumes.front().header.series_number;
    });
  }
}

VolumeImage load_nifti_volume(const VolumeInfo& volume, const ScanOptions& options) {
  const NiftiSource& source = *volume.nifti;
  try {
    NiftiGeometry g = read_nifti_geometry(source.path, options.max_voxels);
    VolumeImage img;
    img.size = g.size;
    img.spacing = g.spacing;
    img.origin = g.origin;
    img.direction = g.direction;
    require_voxel_bytes(source.path, source.index);
    std::vector<float> voxels;
    read_nifti_voxels(source.path, g, source.index, voxels);
    if (!g.reversed_rows) {
      img.voxels = std::move(voxels);
    } else {
      const size_t row = size_t(g.size[0]), rows = size_t(g.size[1]);
      img.voxels.resize(voxels.size());
      for (size_t z = 0; z < size_t(g.size[2]); ++z)
        for (size_t y = 0; y < rows; ++y)
          std::copy_n(voxels.begin() + (z * rows + y) * row, row, img.voxels.begin() + (z * rows + (rows - 1 - y)) * row);
    }
    return img;
  } catch (const Error& e) {
    throw Error(ErrorKind::Input, "NIfTI " + source.path + " volume " + std::to_string(source.index) + ": " + e.what());
  }
}

}  // namespace mpmri::nifti
