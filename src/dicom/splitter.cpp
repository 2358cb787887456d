#include "dicom/splitter.hpp"
#include "dicom/vendor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

namespace mpmri::dicom {

namespace {

struct Image {
  const FileRecord* file;
  const FrameRecord* frame;
};

double round_to(double v, double step) { return std::round(v / step) * step; }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? "\\" : "") + v[i];
  return out;
}

std::string iop_text(const FrameRecord& f) {
  if (!f.orientation) return "";
  std::ostringstream s;
  for (double v : *f.orientation) s << round_to(v, 1e-3) + 0.0 << ' ';
  return s.str();
}

std::string describe(const Image& im) {
  return im.file->frames.size() > 1 ? im.file->path + " frame " + std::to_string(im.frame->frame) : im.file->path;
}

double dist(const std::array<double, 3>& a, const std::array<double, 3>& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

double along(const std::array<double, 3>& p, const std::array<double, 3>& n) { return p[0] * n[0] + p[1] * n[1] + p[2] * n[2]; }

// A mosaic holds a whole volume in one image; without ImagePositionPatient (UIH) all mosaics of a
// series share one place and differ only by acquisition, so they are given the origin.
bool placed(const Image& im) { return im.frame->position.has_value() || im.file->header.mosaic; }
std::array<double, 3> pos(const Image& im) { return im.frame->position.value_or(std::array<double, 3>{}); }

// Order within one slice position: the r-th image of every position belongs to repetition r.
auto repetition_order(const Image& im) {
  return std::make_tuple(im.frame->acquisition_time_s.value_or(0), im.frame->gradient.value_or(std::array<double, 3>{}),
                         im.frame->instance_number, im.file->path, im.frame->frame);
}

bool same_acquisition(const Image& a, const Image& b) {
  return a.frame->acquisition_time_s == b.frame->acquisition_time_s && a.frame->gradient == b.frame->gradient &&
         a.frame->instance_number == b.frame->instance_number;
}

struct Splitter {
  SplitResult out;
  std::string study_uid, series_uid;
  std::deque<FrameRecord> patched_frames;  // frames given a value their file lacks (canon_b0_images); stable addresses

  void fail(const std::string& reason) { out.failed.push_back({study_uid, series_uid, reason}); }

  // Keeps the most common matrix; the other images cannot share a voxel grid with it.
  std::vector<Image> consistent_matrix(std::vector<Image> images, const VolumeKey& key) {
    std::map<std::pair<int, int>, int> counts;
    for (const auto& im : images) counts[{im.file->columns, im.file->rows}]++;
    if (counts.size() < 2) return images;
    auto best = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
    std::vector<Image> kept;
    for (const auto& im : images) {
      if (std::make_pair(im.file->columns, im.file->rows) == best) {
        kept.push_back(im);
      } else {
        fail("inconsistent dimensions in volume [" + key.describe() + "]: " + describe(im) + " is " +
             std::to_string(im.file->columns) + "x" + std::to_string(im.file->rows) + ", the volume is " +
             std::to_string(best.first) + "x" + std::to_string(best.second));
      }
    }
    return kept;
  }

  void build(const VolumeKey& key, std::vector<Image> images, std::vector<std::string> warnings,
             std::vector<VolumeInfo>& volumes) {
    const FrameRecord& rep = *images.front().frame;
    std::array<double, 6> iop = rep.orientation.value_or(std::array<double, 6>{1, 0, 0, 0, 1, 0});
    if (!rep.orientation) warnings.push_back("no ImageOrientationPatient: axial identity orientation assumed");
    auto n = normal_of(iop);
    bool have_positions = std::all_of(images.begin(), images.end(), placed);
    if (have_positions && !std::all_of(images.begin(), images.end(), [](const Image& im) { return im.frame->position.has_value(); }))
      warnings.push_back("mosaic without ImagePositionPatient: origin set to 0");
    VolumeInfo v;
    if (have_positions) {
      std::stable_sort(images.begin(), images.end(),
                       [&](const Image& a, const Image& b) { return along(pos(a), n) < along(pos(b), n); });
    } else {
      std::stable_sort(images.begin(), images.end(),
                       [](const Image& a, const Image& b) { return a.frame->instance_number < b.frame->instance_number; });
      std::set<int> numbers;
      for (const auto& im : images) numbers.insert(im.frame->instance_number);
      if (numbers.size() != images.size()) {
        fail("volume [" + key.describe() + "] has no ImagePositionPatient and repeated InstanceNumbers: slice order unknown");
        return;
      }
      warnings.push_back("no ImagePositionPatient: slices ordered by InstanceNumber, spacing from SliceThickness");
    }
    double step = images.front().file->header.slice_thickness_mm.value_or(1.0);
    for (size_t i = 0; i < images.size(); ++i) {
      const Image& im = images[i];
      SliceRef s;
      s.path = im.file->path;
      s.frame = im.frame->frame;
      s.instance_number = im.frame->instance_number;
      s.acquisition_time_s = im.frame->acquisition_time_s;
      if (have_positions) {
        s.position = pos(im);
      } else {
        for (int k = 0; k < 3; ++k) s.position[k] = double(i) * step * n[k];
      }
      v.slices.push_back(s);
    }
    v.header = images.front().file->header;
    HeaderInfo& h = v.header;
    h.echo_number = rep.echo_number;
    h.echo_time_ms = rep.echo_time_ms;
    h.b_value = rep.b_value;
    h.b_value_source = rep.b_value_source;
    h.temporal_index = key.temporal_index ? key.temporal_index : rep.temporal_index;
    h.repetition_time_ms = rep.repetition_time_ms;
    h.inversion_time_ms = rep.inversion_time_ms;
    h.flip_angle_deg = rep.flip_angle_deg;
    h.image_type = rep.image_type;
    if (!rep.diffusion_directionality.empty()) h.diffusion_directionality = rep.diffusion_directionality;
    h.orientation = iop;
    h.has_orientation = rep.orientation.has_value();
    for (const auto& s : v.slices)
      if (s.acquisition_time_s && (!h.acquisition_time_s || *s.acquisition_time_s < *h.acquisition_time_s))
        h.acquisition_time_s = s.acquisition_time_s;
    v.key = key;
    v.plane = plane_of(n);
    v.matrix = {images.front().file->columns, images.front().file->rows};
    if (rep.pixel_spacing) {
      v.pixel_spacing = {(*rep.pixel_spacing)[1], (*rep.pixel_spacing)[0]};
    } else {
      v.pixel_spacing = {1, 1};
      warnings.push_back("no PixelSpacing: 1 mm assumed");
    }
    if (have_positions && v.slices.size() >= 3) spacing_warnings(v, n, warnings);
    v.warnings = std::move(warnings);
    volumes.push_back(std::move(v));
  }

  static void spacing_warnings(const VolumeInfo& v, const std::array<double, 3>& n, std::vector<std::string>& warnings) {
    std::vector<double> gaps;
    for (size_t i = 1; i < v.slices.size(); ++i) gaps.push_back(along(v.slices[i].position, n) - along(v.slices[i - 1].position, n));
    std::vector<double> sorted = gaps;
    std::sort(sorted.begin(), sorted.end());
    double median = sorted[sorted.size() / 2];
    std::ostringstream w;
    for (size_t i = 0; i < gaps.size(); ++i) {
      if (gaps[i] > 1.5 * median) {
        w.str("");
        w << "gap of " << gaps[i] << " mm between slices " << i << " and " << i + 1 << " (median spacing " << median << " mm)";
        warnings.push_back(w.str());
      }
    }
    if (sorted.back() - sorted.front() > 0.1 * median + 1e-3 && sorted.back() <= 1.5 * median) {
      w.str("");
      w << "uneven slice spacing: " << sorted.front() << " to " << sorted.back() << " mm";
      warnings.push_back(w.str());
    }
  }

  // Splits one key group on repeated positions; duplicates (same acquisition) are dropped.
  void positions(const VolumeKey& key, std::vector<Image> images, std::vector<VolumeInfo>& volumes) {
    images = consistent_matrix(std::move(images), key);
    if (images.empty()) return;
    std::vector<Image> with_place, without;
    for (const auto& im : images) (placed(im) ? with_place : without).push_back(im);
    if (!with_place.empty() && !without.empty()) {
      for (const auto& im : without) fail("no ImagePositionPatient on " + describe(im) + " while the rest of its volume has one");
      images = with_place;
    }
    if (with_place.empty()) {
      build(key, images, {}, volumes);
      return;
    }
    auto n = normal_of(images.front().frame->orientation.value_or(std::array<double, 6>{1, 0, 0, 0, 1, 0}));
    std::stable_sort(images.begin(), images.end(),
                     [&](const Image& a, const Image& b) { return along(pos(a), n) < along(pos(b), n); });
    std::vector<std::vector<Image>> bins;
    for (const auto& im : images) {
      if (bins.empty() || dist(pos(bins.back().front()), pos(im)) > 0.01) bins.emplace_back();
      bins.back().push_back(im);
    }
    std::vector<std::string> warnings;
    size_t reps = 0;
    for (auto& bin : bins) {
      std::sort(bin.begin(), bin.end(), [](const Image& a, const Image& b) { return repetition_order(a) < repetition_order(b); });
      std::vector<Image> unique;
      for (const auto& im : bin) {
        if (!unique.empty() && same_acquisition(unique.back(), im)) {
          out.dropped.push_back({describe(im), "duplicate image: same position and acquisition as " + describe(unique.back())});
          continue;
        }
        unique.push_back(im);
      }
      if (unique.size() < bin.size()) warnings.push_back("dropped " + std::to_string(bin.size() - unique.size()) + " duplicate image(s)");
      bin = std::move(unique);
      reps = std::max(reps, bin.size());
    }
    if (reps > 1 && key.temporal_index) {
      // Already split on a temporal index: further repeats cannot be told apart, keep the first.
      for (auto& bin : bins) {
        for (size_t i = 1; i < bin.size(); ++i) out.dropped.push_back({describe(bin[i]), "repeated position within [" + key.describe() + "]"});
        bin.resize(1);
      }
      warnings.push_back("repeated slice positions within one temporal index: kept the first of each");
      reps = 1;
    }
    for (size_t r = 0; r < reps; ++r) {
      VolumeKey k = key;
      std::vector<Image> part;
      for (const auto& bin : bins)
        if (r < bin.size()) part.push_back(bin[r]);
      std::vector<std::string> w = warnings;
      if (reps > 1) {
        k.temporal_index = static_cast<int>(r) + 1;
        if (part.size() < bins.size())
          w.push_back("repetition " + std::to_string(r + 1) + " lacks " + std::to_string(bins.size() - part.size()) + " of " +
                      std::to_string(bins.size()) + " slice positions");
      }
      build(k, part, w, volumes);
    }
  }
};

// Toshiba and Canon write DiffusionBValue (0018,9087) (or, on Canon classic files, "b=" in ImageComments) only on
// images with a diffusion gradient: in a series where some images carry b > 0, the b = 0 images carry no b-value
// at all (dcm2niix Canon/README.md, "Diffusion Weighted Imaging Notes"). Those images are given b = 0 here, so
// that the series splits into its b = 0 and b > 0 volumes with their keys, as the other vendors' series do.
std::vector<Image> canon_b0_images(std::vector<Image> images, std::deque<FrameRecord>& patched) {
  bool weighted = false, untagged = false;
  for (const auto& im : images) {
    if (!canon_or_toshiba(im.file->header.manufacturer)) return images;
    weighted |= im.frame->b_value.value_or(0) > 0;
    untagged |= !im.frame->b_value.has_value();
  }
  if (!weighted || !untagged) return images;
  for (auto& im : images) {
    // A derived image without b in a DWI series is a map (ADC, exponential ADC), not the b = 0 acquisition.
    const bool derived = !im.frame->image_type.empty() && im.frame->image_type[0] == "DERIVED";
    if (im.frame->b_value || derived) continue;
    patched.push_back(*im.frame);
    patched.back().b_value = 0.0;
    patched.back().b_value_source = "none on a Canon/Toshiba image of a series with b > 0: b = 0 (dcm2niix Canon notes)";
    im.frame = &patched.back();
  }
  return images;
}

}  // namespace

SplitResult split_series(const std::vector<const FileRecord*>& files) {
  Splitter sp;
  if (files.empty()) return std::move(sp.out);
  sp.study_uid = files.front()->header.study_uid;
  sp.series_uid = files.front()->header.series_uid;
  sp.out.series.study_uid = sp.study_uid;
  sp.out.series.series_uid = sp.series_uid;

  // When one image exists in several encodings, keep a lossless one: lossy copies go last.
  std::vector<const FileRecord*> ordered(files.begin(), files.end());
  std::stable_partition(ordered.begin(), ordered.end(), [](const FileRecord* f) {
    const std::string& ts = f->header.transfer_syntax_uid;
    return ts != "1.2.840.10008.1.2.4.50" && ts != "1.2.840.10008.1.2.4.51" && ts != "1.2.840.10008.1.2.4.81" &&
           ts != "1.2.840.10008.1.2.4.91";
  });
  std::vector<Image> images;
  std::map<std::string, const FileRecord*> seen_uid;
  for (const FileRecord* f : ordered) {
    if (!f->sop_instance_uid.empty()) {
      auto [it, fresh] = seen_uid.emplace(f->sop_instance_uid, f);
      if (!fresh) {
        sp.out.dropped.push_back({f->path, "duplicate SOPInstanceUID of " + it->second->path});
        spdlog::warn("dropping {}: duplicate SOPInstanceUID of {}", f->path, it->second->path);
        continue;
      }
    }
    for (const auto& fr : f->frames) images.push_back({f, &fr});
  }
  if (images.empty()) return std::move(sp.out);
  images = canon_b0_images(std::move(images), sp.patched_frames);

  // Which key members vary within this series decides which ones are set.
  std::set<std::pair<int, double>> echoes;
  std::set<double> bs;
  std::set<int> times;
  std::set<std::string> types, iops;
  for (const auto& im : images) {
    echoes.insert({im.frame->echo_number.value_or(0), round_to(im.frame->echo_time_ms.value_or(-1), 1e-3)});
    bs.insert(round_to(im.frame->b_value.value_or(-1), 1e-2));
    times.insert(im.frame->temporal_index.value_or(0));
    types.insert(join(im.frame->image_type));
    iops.insert(iop_text(*im.frame));
  }
  std::map<double, int> echo_rank;  // enhanced frames carry no EchoNumbers: number echoes by TE
  for (const auto& e : echoes) echo_rank.emplace(e.second, static_cast<int>(echo_rank.size()) + 1);
  std::map<std::string, std::string> iop_label;
  std::map<std::string, int> plane_uses;
  for (const auto& text : iops) {
    std::string plane = "none";
    for (const auto& im : images)
      if (iop_text(*im.frame) == text && im.frame->orientation) {
        plane = plane_of(normal_of(*im.frame->orientation));
        break;
      }
    int use = ++plane_uses[plane];
    iop_label[text] = use == 1 ? plane : plane + "-" + std::to_string(use);
  }

  std::map<VolumeKey, std::vector<Image>> groups;
  for (const auto& im : images) {
    VolumeKey k;
    const FrameRecord& f = *im.frame;
    if (echoes.size() > 1) {
      k.echo_time_ms = f.echo_time_ms ? std::optional<double>(round_to(*f.echo_time_ms, 1e-3)) : std::nullopt;
      k.echo_number = f.echo_number ? f.echo_number : std::optional<int>(echo_rank[round_to(f.echo_time_ms.value_or(-1), 1e-3)]);
    }
    if (bs.size() > 1) k.b_value = f.b_value;
    if (times.size() > 1) k.temporal_index = f.temporal_index;
    if (types.size() > 1) k.image_type = join(f.image_type);
    if (iops.size() > 1) k.orientation = iop_label[iop_text(f)];
    groups[k].push_back(im);
  }
  std::vector<VolumeInfo> volumes;
  for (auto& [key, group] : groups) sp.positions(key, std::move(group), volumes);
  std::stable_sort(volumes.begin(), volumes.end(), [](const VolumeInfo& a, const VolumeInfo& b) { return a.key < b.key; });
  for (size_t i = 0; i < volumes.size(); ++i) {
    volumes[i].volume_index = static_cast<int>(i);
    volumes[i].volumes_in_series = static_cast<int>(volumes.size());
  }
  sp.out.series.volumes = std::move(volumes);
  return std::move(sp.out);
}

}  // namespace mpmri::dicom
