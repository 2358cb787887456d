#include "anatomy.hpp"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkNiftiImageIO.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "mpmri/error.hpp"
#include "paint.hpp"

namespace mpmri::synth {

namespace fs = std::filesystem;
using T = Tissue;

namespace {

// ---- Reading -----------------------------------------------------------------------------------

// A NIfTI volume resampled (by axis permutation and flips only) onto an axis-aligned LPS grid. ITK's
// NIfTI reader already turns the file's RAS qform/sform into LPS direction cosines.
struct LpsVolume {
  AnatomyGrid geo;  // tissue left empty
  std::vector<float> value;
};

// Missing anatomy data stops the run (exit 1) rather than falling back to phantoms.
void require_file(const fs::path& path) {
  if (!fs::is_regular_file(path))
    throw Error(ErrorKind::Io, "anatomy source missing: " + path.string() +
                                   " (--anatomy real|mix reads ../shared/anatomy and ../shared/real; see docs/synthetic-data.md)");
}

LpsVolume read_lps(const fs::path& path) {
  require_file(path);
  using Image = itk::Image<float, 3>;
  auto reader = itk::ImageFileReader<Image>::New();
  reader->SetImageIO(itk::NiftiImageIO::New());
  reader->SetFileName(path.string());
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::Input, "cannot read " + path.string() + ": " + e.GetDescription());
  }
  Image::Pointer im = reader->GetOutput();
  const auto size = im->GetLargestPossibleRegion().GetSize();
  const auto sp = im->GetSpacing();
  const auto dir = im->GetDirection();
  const auto org = im->GetOrigin();
  // For each LPS axis: the file axis along it and whether it runs backwards.
  int axis[3];
  bool flip[3];
  for (int a = 0; a < 3; ++a) {
    axis[a] = -1;
    for (int m = 0; m < 3; ++m)
      if (std::abs(dir[a][m]) > 0.99) axis[a] = m, flip[a] = dir[a][m] < 0;
    if (axis[a] < 0) throw Error(ErrorKind::Input, path.string() + ": oblique label maps are not supported");
  }
  LpsVolume v;
  int n[3];
  double s[3], o[3];
  for (int a = 0; a < 3; ++a) {
    int m = axis[a];
    n[a] = int(size[m]);
    s[a] = sp[m];
    o[a] = org[a] + (flip[a] ? -(n[a] - 1) * s[a] : 0.0);
  }
  v.geo.nx = n[0], v.geo.ny = n[1], v.geo.nz = n[2];
  v.geo.spacing = {s[0], s[1], s[2]};
  v.geo.origin = {o[0], o[1], o[2]};
  v.value.resize(size_t(n[0]) * n[1] * n[2]);
  const float* src = im->GetBufferPointer();
  const size_t stride[3] = {1, size[0], size[0] * size[1]};
  for (int k = 0; k < n[2]; ++k)
    for (int j = 0; j < n[1]; ++j)
      for (int i = 0; i < n[0]; ++i) {
        const int out[3] = {i, j, k};
        size_t in = 0;
        for (int a = 0; a < 3; ++a) in += size_t(flip[a] ? n[a] - 1 - out[a] : out[a]) * stride[axis[a]];
        v.value[v.geo.index(i, j, k)] = src[in];
      }
  return v;
}

// ---- TotalSegmentator v2 ids -> tissues (docs/synthetic-data.md has the table) --------------------------

constexpr int kDiscId = 250;  // derived here: the gap between two different vertebrae

bool is_vertebra(int id) { return id >= 25 && id <= 50; }

Tissue total_tissue(int id) {
  if (id == 0) return T::Cavity;
  if (id == kDiscId) return T::Disc;
  if (id == 1) return T::Spleen;
  if (id == 2 || id == 3) return T::KidneyCortex;  // split into cortex, medulla and sinus per study
  if (id == 4) return T::Gallbladder;
  if (id == 5) return T::Liver;
  if (id == 6 || id == 15) return T::StomachWall;  // stomach (wall and content split per study), oesophagus
  // Pancreas; adrenals, thyroid and prostate as glandular soft tissue like it.
  if (id == 7 || id == 8 || id == 9 || id == 17 || id == 22) return T::Pancreas;
  if (id >= 10 && id <= 14) return T::Lung;
  if (id == 16) return T::Air;  // trachea
  if (id >= 18 && id <= 20) return T::Bowel;  // small bowel, duodenum, colon
  if (id == 21) return T::Gallbladder;  // urinary bladder: water-like fluid, as bile
  if (id == 23 || id == 24) return T::Cyst;  // kidney cysts
  if (is_vertebra(id)) return T::Bone;        // sacrum, S1..C1 (marrow inside, set below)
  if (id == 51 || id == 53 || id == 61) return T::Heart;  // heart, pulmonary veins, left atrial appendage
  if (id == 52 || (id >= 54 && id <= 58) || id == 65 || id == 66) return T::Aorta;  // arteries
  if (id == 59 || id == 60 || id == 62 || id == 63 || id == 67 || id == 68) return T::Ivc;  // systemic veins
  if (id == 64) return T::PortalVein;
  if (id == 69 || id == 70 || id == 90 || id == 91) return T::Air;  // arms, brain, skull: outside a liver study's body
  if ((id >= 71 && id <= 78) || (id >= 92 && id <= 116)) return T::Bone;  // scapulae, clavicles, femora, hips, ribs, sternum
  if (id == 79) return T::Csf;                                             // spinal cord: the canal
  if (id >= 80 && id <= 89) return T::Muscle;                              // gluteal, autochthonous, iliopsoas
  if (id == 117) return T::Disc;  // costal cartilage: hyaline cartilage, disc-like relaxation
  return T::Cavity;               // unknown ids: unlabelled (visceral fat) rather than a wrong organ
}

// Tissues of the static body grid (the rest moves with breathing in the organs grid).
bool is_static(std::uint8_t t) {
  return t == u8(T::Muscle) || t == u8(T::Bone) || t == u8(T::Marrow) || t == u8(T::Disc) || t == u8(T::Csf);
}

// Fills unlabelled runs of at most `max_gap` voxels along z between two different vertebrae with discs.
void add_discs(std::vector<int>& id, const AnatomyGrid& g) {
  const int max_gap = int(std::ceil(12.0 / g.spacing.z));
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      int last = -1, last_k = -100;
      for (int k = 0; k < g.nz; ++k) {
        int v = id[g.index(i, j, k)];
        if (!is_vertebra(v)) {
          if (v != 0) last = -1;
          continue;
        }
        if (last >= 0 && v != last && k - last_k > 1 && k - last_k - 1 <= max_gap)
          for (int kk = last_k + 1; kk < k; ++kk) id[g.index(i, j, kk)] = kDiscId;
        last = v, last_k = k;
      }
    }
}

// Depth (mm) below the surface of the voxels where `inside` holds: the smaller of the in-plane
// Euclidean distance and the distance along z, a cheap stand-in for a 3D distance transform.
template <class Inside>
std::vector<float> depth_below_surface(const AnatomyGrid& g, Inside&& inside) {
  std::vector<float> depth(g.tissue.size(), 0.f);
  tbb::parallel_for(0, g.nz, [&](int k) {
    cv::Mat mask(g.ny, g.nx, CV_8U, cv::Scalar(0)), dist;
    bool any = false;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (inside(g.tissue[g.index(i, j, k)])) mask.at<std::uint8_t>(j, i) = 255, any = true;
    if (!any) return;
    cv::distanceTransform(mask, dist, cv::DIST_L2, cv::DIST_MASK_5);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) depth[g.index(i, j, k)] = dist.at<float>(j, i) * float(g.spacing.x);
  });
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      int start = -1;
      for (int k = 0; k <= g.nz; ++k) {
        bool in = k < g.nz && inside(g.tissue[g.index(i, j, k)]);
        if (in && start < 0) start = k;
        if (!in && start >= 0) {
          for (int kk = start; kk < k; ++kk) {
            float dz = float(std::min(kk - start + 1, k - kk) * g.spacing.z);
            float& d = depth[g.index(i, j, kk)];
            d = std::min(d, dz);
          }
          start = -1;
        }
      }
    }
  return depth;
}

// The liver's dome is cut off at the top of some maps: add slices above, in which the organs cut by the
// top slice shrink towards their centre as caps (height about half the radius of their cut face), the
// spine, back muscles and great vessels continue, and everything else becomes lung base.
double complete_dome(AnatomyGrid& g) {
  const int top = g.nz - 1;
  auto at_top = [&](int i, int j) { return g.tissue[g.index(i, j, top)]; };
  long liver_top = 0;
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) liver_top += at_top(i, j) == u8(T::Liver);
  if (liver_top * g.spacing.x * g.spacing.y < 200) return 0;  // the dome is (nearly) complete
  struct Cap {
    std::uint8_t t;
    double ci = 0, cj = 0, height = 0;
  };
  std::vector<Cap> caps;
  for (Tissue t : {T::Liver, T::Spleen, T::StomachWall, T::Heart, T::Bowel}) {
    Cap c{u8(t)};
    long n = 0;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (at_top(i, j) == c.t) c.ci += i, c.cj += j, ++n;
    if (n == 0) continue;
    c.ci /= double(n), c.cj /= double(n);
    c.height = 0.5 * std::sqrt(n * g.spacing.x * g.spacing.y / 3.14159);
    caps.push_back(c);
  }
  // Lung fills only what lies within the top slice's labelled structures, not the space around the body.
  cv::Mat inside(g.ny, g.nx, CV_8U, cv::Scalar(0));
  {
    std::vector<cv::Point> pts, hull;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (at_top(i, j) != u8(T::Cavity) && at_top(i, j) != u8(T::Air)) pts.emplace_back(i, j);
    cv::convexHull(pts, hull);
    cv::fillConvexPoly(inside, hull, cv::Scalar(255));
  }
  const double added = 90;
  const int extra = int(std::ceil(added / g.spacing.z));
  std::vector<std::uint8_t> out(size_t(g.nx) * g.ny * (g.nz + extra));
  std::copy(g.tissue.begin(), g.tissue.end(), out.begin());
  for (int e = 1; e <= extra; ++e) {
    const double h = e * g.spacing.z;
    std::uint8_t* slice = &out[size_t(g.nz - 1 + e) * g.ny * g.nx];
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        std::uint8_t t0 = at_top(i, j);
        const bool keep = is_static(t0) || t0 == u8(T::Aorta) || t0 == u8(T::Ivc) || t0 == u8(T::Lung) || t0 == u8(T::Air);
        std::uint8_t t = keep ? t0 : inside.at<std::uint8_t>(j, i) ? u8(T::Lung) : u8(T::Cavity);
        for (const Cap& c : caps) {
          double s2 = 1 - (h / c.height) * (h / c.height);
          if (s2 <= 0.01) continue;
          double s = std::sqrt(s2);
          int si = int(std::lround(c.ci + (i - c.ci) / s)), sj = int(std::lround(c.cj + (j - c.cj) / s));
          if (si >= 0 && sj >= 0 && si < g.nx && sj < g.ny && at_top(si, sj) == c.t && !is_static(t)) {
            t = c.t;
            break;
          }
        }
        slice[size_t(j) * g.nx + i] = t;
      }
  }
  g.nz += extra;
  g.tissue.swap(out);
  double liver_cap = 0;
  for (const Cap& c : caps)
    if (c.t == u8(T::Liver)) liver_cap = c.height;
  return liver_cap;
}

// Signed in-plane distance (mm, > 0 outside) to the convex hull of every labelled voxel of each slice,
// averaged over +-2 slices so that the body outline does not jump where a rib starts. `scanned` is the
// source's field of view inside the padded grid: a body cut by it continues beyond.
std::vector<std::int16_t> hull_distance(const AnatomyGrid& g, const cv::Rect& scanned) {
  std::vector<float> dist(g.tissue.size(), 300.f);
  tbb::parallel_for(0, g.nz, [&](int k) {
    std::vector<cv::Point> pts;  // the first and last labelled voxel of each row span the same hull
    for (int j = 0; j < g.ny; ++j) {
      int first = -1, last = -1;
      for (int i = 0; i < g.nx; ++i) {
        std::uint8_t t = g.tissue[g.index(i, j, k)];
        if (t != u8(T::Cavity) && t != u8(T::Air)) last = i, first = first < 0 ? i : first;
      }
      if (first >= 0) pts.emplace_back(first, j), pts.emplace_back(last, j);
    }
    if (pts.size() < 3) return;
    std::vector<cv::Point> hull;
    cv::convexHull(pts, hull);
    cv::Mat in(g.ny, g.nx, CV_8U, cv::Scalar(0)), out, d_in, d_out;
    cv::fillConvexPoly(in, hull, cv::Scalar(255));
    // Long straight hull edges (bowel to ribs) make polygonal bodies: the ellipse of the hull's bounding
    // box, added to it, rounds them out the way a real abdomen bulges.
    cv::Rect box = cv::boundingRect(hull);
    const int grow = box.width / 12;
    if (box.x <= scanned.x) box.x -= grow, box.width += grow;
    if (box.br().x >= scanned.br().x) box.width += grow;
    if (box.y <= scanned.y) box.y -= grow, box.height += grow;
    if (box.br().y >= scanned.br().y) box.height += grow;
    cv::ellipse(in, cv::Point(box.x + box.width / 2, box.y + box.height / 2), cv::Size(box.width / 2, box.height / 2), 0, 0,
                360, cv::Scalar(255), cv::FILLED);
    cv::bitwise_not(in, out);
    cv::distanceTransform(in, d_in, cv::DIST_L2, cv::DIST_MASK_5);
    cv::distanceTransform(out, d_out, cv::DIST_L2, cv::DIST_MASK_5);
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        dist[g.index(i, j, k)] = float((d_out.at<float>(j, i) - d_in.at<float>(j, i)) * g.spacing.x);
  });
  std::vector<std::int16_t> out(dist.size());
  const size_t plane = size_t(g.nx) * g.ny;
  for (int k = 0; k < g.nz; ++k)
    for (size_t p = 0; p < plane; ++p) {
      float sum = 0;
      int n = 0;
      for (int kk = std::max(0, k - 2); kk <= std::min(g.nz - 1, k + 2); ++kk) sum += dist[size_t(kk) * plane + p], ++n;
      out[size_t(k) * plane + p] = std::int16_t(std::clamp(sum / n * 10.f, -32000.f, 32000.f));
    }
  return out;
}

// LPS position of a voxel of a source grid or a study grid.
template <class Grid>
Vec3 voxel_lps(const Grid& g, int i, int j, int k) {
  return {g.origin.x + i * g.spacing.x, g.origin.y + j * g.spacing.y, g.origin.z + k * g.spacing.z};
}

// The textured organ classes and the tissues that belong to each.
int texture_class(std::uint8_t t) {
  switch (static_cast<Tissue>(t)) {
    case T::Liver: return 0;
    case T::Spleen: return 1;
    case T::KidneyCortex:
    case T::KidneyMedulla: return 2;
    case T::Pancreas: return 3;
    default: return -1;
  }
}
const Tissue kTextureTissue[kTextureClasses] = {T::Liver, T::Spleen, T::KidneyCortex, T::Pancreas};

// Centres of each texture class on each side of `midline_x` (0 right, 1 left) of a tissue grid.
template <class At>
ClassCentres class_centres(int nx, int ny, int nz, At&& at, double midline_x) {
  ClassCentres c;
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        auto [t, p] = at(i, j, k);
        int cls = texture_class(t);
        if (cls < 0) continue;
        int key = 2 * cls + (p.x < midline_x ? 0 : 1);
        c.centre[size_t(key)] = c.centre[size_t(key)] + p;
        ++c.count[size_t(key)];
      }
  for (size_t n = 0; n < c.centre.size(); ++n)
    if (c.count[n] > 0) c.centre[n] = c.centre[n] * (1.0 / double(c.count[n]));
  return c;
}

}  // namespace

long AnatomyGrid::find(const Vec3& p) const {
  int i = int(std::lround((p.x - origin.x) / spacing.x)), j = int(std::lround((p.y - origin.y) / spacing.y));
  int k = std::clamp(int(std::lround((p.z - origin.z) / spacing.z)), 0, nz - 1);
  if (i < 0 || j < 0 || i >= nx || j >= ny) return -1;
  return long(index(i, j, k));
}

namespace {

// A TotalSegmentator subject: ids -> tissues, discs, the liver's surroundings cropped, dome completed,
// marrow, hull distance, kidney and stomach depth, organ centres and the anchor.
AnatomyBody load_body(const fs::path& seg, const std::string& name) {
  LpsVolume v = read_lps(seg);
  AnatomyGrid& g0 = v.geo;
  std::vector<int> id(v.value.size());
  for (size_t n = 0; n < id.size(); ++n) id[n] = int(std::lround(v.value[n]));
  add_discs(id, g0);
  // Keep from 90 mm above the liver to 330 mm below its top: all a liver protocol (and the phantom grid) covers.
  int k_lo = g0.nz, k_hi = -1;
  for (int k = 0; k < g0.nz; ++k)
    for (size_t p = 0; p < size_t(g0.nx) * g0.ny; ++p)
      if (id[size_t(k) * g0.nx * g0.ny + p] == 5) k_lo = std::min(k_lo, k), k_hi = std::max(k_hi, k);
  if (k_hi < 0) throw Error(ErrorKind::Input, name + ": no liver in the label map");
  const int z0 = std::max(0, k_hi - int(330 / g0.spacing.z)), z1 = std::min(g0.nz - 1, k_hi + int(90 / g0.spacing.z));
  AnatomyBody b;
  b.name = name;
  b.has_gallbladder = std::find(id.begin(), id.end(), 4) != id.end();
  // Pad 45 mm around the scanned field in-plane: room for the body wall and fat, which lie outside the
  // labelled structures and, in tightly cropped scans, outside the field of view.
  const int pad = int(std::ceil(45 / g0.spacing.x));
  AnatomyGrid& g = b.grid;
  g = g0;
  g.nx = g0.nx + 2 * pad, g.ny = g0.ny + 2 * pad, g.nz = z1 - z0 + 1;
  g.origin = g0.origin - Vec3{pad * g0.spacing.x, pad * g0.spacing.y, -z0 * g0.spacing.z};
  g.tissue.assign(size_t(g.nx) * g.ny * g.nz, u8(T::Cavity));
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g0.ny; ++j)
      for (int i = 0; i < g0.nx; ++i) g.tissue[g.index(i + pad, j + pad, k)] = u8(total_tissue(id[g0.index(i, j, k + z0)]));
  if (k_hi >= g0.nz - 2) b.dome_added_mm = complete_dome(g);
  // Cortical bone: a shell of about 1.5 mm; marrow inside.
  {
    std::vector<float> d = depth_below_surface(g, [](std::uint8_t t) { return t == u8(T::Bone); });
    for (size_t n = 0; n < d.size(); ++n)
      if (g.tissue[n] == u8(T::Bone) && d[n] > 1.6f) g.tissue[n] = u8(T::Marrow);
  }
  b.hull_dist_dmm = hull_distance(g, cv::Rect(pad, pad, g0.nx, g0.ny));
  {
    std::vector<float> dk = depth_below_surface(g, [](std::uint8_t t) { return t == u8(T::KidneyCortex); });
    std::vector<float> ds = depth_below_surface(g, [](std::uint8_t t) { return t == u8(T::StomachWall); });
    b.depth_mm.resize(dk.size());
    for (size_t n = 0; n < dk.size(); ++n) b.depth_mm[n] = std::uint8_t(std::min(255.f, std::max(dk[n], ds[n])));
  }
  // Anchor: liver top; midline and body centre from the hull at the liver's middle.
  int liver_top = 0, liver_bottom = g.nz;
  double spine_x = 0;
  long spine_n = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        std::uint8_t t = g.tissue[g.index(i, j, k)];
        if (t == u8(T::Liver)) liver_top = std::max(liver_top, k), liver_bottom = std::min(liver_bottom, k);
        if (t == u8(T::Marrow) || t == u8(T::Disc)) spine_x += voxel_lps(g, i, j, k).x, ++spine_n;
      }
  const int k_mid = (liver_top + liver_bottom) / 2;
  double y_lo = 1e9, y_hi = -1e9;
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i)
      if (b.hull_dist_dmm[g.index(i, j, k_mid)] <= 0) {
        double y = g.origin.y + j * g.spacing.y;
        y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
      }
  // The spine (vertebral marrow, discs, ribs' marrow too, which are symmetric) marks the midline.
  const double midline_x = spine_n > 0 ? spine_x / double(spine_n) : g.origin.x + 0.5 * g.nx * g.spacing.x;
  b.anchor = {midline_x, 0.5 * (y_lo + y_hi), g.origin.z + liver_top * g.spacing.z};
  // Widest from the dome to below the kidneys, where axial slabs image it (the pelvis is wider).
  const int k_from = std::max(0, liver_top - int(220 / g.spacing.z)), k_to = std::min(g.nz - 1, liver_top + int(20 / g.spacing.z));
  for (int k = k_from; k <= k_to; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (b.hull_dist_dmm[g.index(i, j, k)] <= 0) {
          const Vec3 d = voxel_lps(g, i, j, k) - b.anchor;
          b.hull_half = {std::max(b.hull_half.x, std::abs(d.x)), std::max(b.hull_half.y, std::abs(d.y)), 0};
        }
  // Organs whose size changes per study.
  for (auto [t, side] : std::vector<std::pair<Tissue, int>>{{T::Liver, 0}, {T::Spleen, 0}, {T::KidneyCortex, -1},
                                                            {T::KidneyCortex, 1}, {T::StomachWall, 0}}) {
    AnatomyBody::Organ o{u8(t), side, {}, 0};
    long n = 0;
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) {
          if (g.tissue[g.index(i, j, k)] != o.tissue) continue;
          Vec3 p = voxel_lps(g, i, j, k);
          if (side != 0 && (p.x < midline_x ? -1 : 1) != side) continue;
          o.centre = o.centre + p, ++n;
        }
    if (n == 0) continue;
    o.centre = o.centre * (1.0 / double(n));
    o.radius = std::cbrt(3.0 * n * g.spacing.x * g.spacing.y * g.spacing.z / (4 * 3.14159));
    b.organs.push_back(o);
  }
  std::vector<bool> seen(kTissues, false);
  for (std::uint8_t t : g.tissue) seen[t] = true;
  for (int t = 0; t < kTissues; ++t)
    if (seen[size_t(t)] && t != u8(T::Cavity) && t != u8(T::Air)) b.structures.push_back(tissue_name(Tissue(t)));
  return b;
}

// Texture of a real image inside its organ masks, in robust sd units.
TextureBank load_bank(const fs::path& image, const fs::path& labels, const std::string& name, Tissue (*map)(int)) {
  LpsVolume im = read_lps(image), lab = read_lps(labels);
  if (im.value.size() != lab.value.size()) throw Error(ErrorKind::Input, name + ": image and labels differ in size");
  TextureBank bank;
  bank.name = name;
  bank.grid = lab.geo;
  bank.grid.tissue.resize(lab.value.size());
  std::array<std::vector<float>, kTextureClasses> values;
  for (size_t n = 0; n < lab.value.size(); ++n) {
    Tissue t = map(int(std::lround(lab.value[n])));
    int cls = texture_class(u8(t));
    bank.grid.tissue[n] = cls < 0 ? u8(T::Cavity) : u8(kTextureTissue[cls]);
    if (cls >= 0) values[size_t(cls)].push_back(im.value[n]);
  }
  std::array<float, kTextureClasses> median{}, sd{};
  for (int c = 0; c < kTextureClasses; ++c) {
    auto& v = values[size_t(c)];
    if (v.size() < 100) continue;
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    median[size_t(c)] = v[v.size() / 2];
    for (auto& x : v) x = std::abs(x - median[size_t(c)]);
    std::nth_element(v.begin(), v.begin() + long(v.size() / 2), v.end());
    sd[size_t(c)] = std::max(1e-3f, 1.4826f * v[v.size() / 2]);
  }
  bank.texture.assign(lab.value.size(), 0);
  for (size_t n = 0; n < lab.value.size(); ++n) {
    int cls = texture_class(bank.grid.tissue[n]);
    if (cls < 0 || sd[size_t(cls)] <= 1e-3f) continue;
    float z = (im.value[n] - median[size_t(cls)]) / sd[size_t(cls)];
    bank.texture[n] = std::int8_t(std::clamp(z * 40.f, -127.f, 127.f));
  }
  // Sides split halfway between the kidneys: the centre of all kidney voxels (all "left" of -inf).
  const AnatomyGrid& g = bank.grid;
  auto at = [&](int i, int j, int k) { return std::pair<std::uint8_t, Vec3>(g.tissue[g.index(i, j, k)], voxel_lps(g, i, j, k)); };
  const ClassCentres all = class_centres(g.nx, g.ny, g.nz, at, -1e9);
  const int kidneys = 2 * texture_class(u8(T::KidneyCortex)) + 1;
  const double midline = all.count[kidneys] > 0 ? all.centre[kidneys].x : g.origin.x + 0.5 * g.nx * g.spacing.x;
  bank.centres = class_centres(g.nx, g.ny, g.nz, at, midline);
  return bank;
}

Tissue chaos_tissue(int id) {
  switch (id) {
    case 1: return T::Liver;
    case 2:
    case 3: return T::KidneyCortex;
    case 4: return T::Spleen;
    default: return T::Cavity;
  }
}

// Bodies: the TotalSegmentator subjects whose maps hold the whole liver region. Not bodies: s0000 (no
// liver), s0009 (a small field of view cutting the liver laterally and at the dome), the TotalSegmentator
// example (3 mm model-made labels, dome cut), real/totalseg-mr (a 60 mm slab) and CHAOS (four organs on
// 7.7 mm slices, no spine, vessels or bowel); the CTs of s0009 and the example and the CHAOS T2-SPIR
// images are texture banks instead. Sources load in parallel.
AnatomyLibrary load_library(const fs::path& shared) {
  struct Source {
    std::string name;
    fs::path labels, image;   // image: only for texture banks
    Tissue (*map)(int) = nullptr;  // texture banks; bodies are TotalSegmentator maps (total_tissue)
  };
  const fs::path subjects = shared / "anatomy" / "totalseg-subjects", example = shared / "anatomy" / "totalseg-example",
                 chaos = shared / "real" / "chaos-t2spir";
  std::vector<Source> bodies, banks;
  for (const char* s : {"s0001", "s0004", "s0006"})
    bodies.push_back({std::string("totalseg-subjects/") + s, subjects / s / "seg_total_multilabel.nii.gz", {}});
  banks.push_back({"totalseg-subjects/s0009 CT", subjects / "s0009" / "seg_total_multilabel.nii.gz", subjects / "s0009" / "ct.nii.gz",
                   total_tissue});
  banks.push_back({"totalseg-example CT", example / "example_seg_fast_force_split.nii.gz", example / "example_ct.nii.gz", total_tissue});
  for (int c : {1, 2, 3, 5, 8, 10, 13, 19}) {
    const std::string n = std::to_string(c);
    banks.push_back({"chaos-t2spir " + n + " T2-SPIR", chaos / ("label_" + n + ".nii.gz"), chaos / ("image_" + n + ".nii.gz"),
                     chaos_tissue});
  }
  // The first missing file in this order, before any parallel work: the same error on every run.
  for (const auto* list : {&bodies, &banks})
    for (const Source& src : *list) {
      require_file(src.labels);
      if (!src.image.empty()) require_file(src.image);
    }
  AnatomyLibrary lib;
  lib.bodies.resize(bodies.size());
  lib.banks.resize(banks.size());
  tbb::parallel_for(size_t(0), bodies.size() + banks.size(), [&](size_t n) {
    if (n < bodies.size()) {
      lib.bodies[n] = load_body(bodies[n].labels, bodies[n].name);
      const AnatomyBody& b = lib.bodies[n];
      spdlog::debug("anatomy: {} {}x{}x{}, dome added {:.0f} mm", b.name, b.grid.nx, b.grid.ny, b.grid.nz, b.dome_added_mm);
    } else {
      const Source& src = banks[n - bodies.size()];
      lib.banks[n - bodies.size()] = load_bank(src.image, src.labels, src.name, src.map);
    }
  });
  return lib;
}

// A 3x3 rotation about z, then y, then x (radians).
struct Rotation {
  double m[3][3];
  Rotation(double rz, double ry, double rx) {
    const double cz = std::cos(rz), sz = std::sin(rz), cy = std::cos(ry), sy = std::sin(ry), cx = std::cos(rx), sx = std::sin(rx);
    const double z[3][3] = {{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}, y[3][3] = {{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}},
                 x[3][3] = {{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}};
    double yz[3][3];
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        yz[a][b] = 0;
        for (int c = 0; c < 3; ++c) yz[a][b] += y[a][c] * z[c][b];
      }
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) {
        m[a][b] = 0;
        for (int c = 0; c < 3; ++c) m[a][b] += x[a][c] * yz[c][b];
      }
  }
  Vec3 inverse(const Vec3& v) const {  // transpose
    return {m[0][0] * v.x + m[1][0] * v.y + m[2][0] * v.z, m[0][1] * v.x + m[1][1] * v.y + m[2][1] * v.z,
            m[0][2] * v.x + m[1][2] * v.y + m[2][2] * v.z};
  }
};

// Study position -> source position: placement, rotation and anisotropic scaling, a smooth random
// elastic displacement and per-organ growth or shrinkage, evaluated on nodes 10 mm apart and
// interpolated trilinearly in between (all of it is smooth on that scale).
class StudyToSource {
 public:
  StudyToSource(const LabelGrid& g, Rng& rng, const AnatomyBody& body, Vec3 target, Vec3 scale, const Rotation& rot,
                double elastic_mm, const std::vector<double>& organ_factor)
      : origin_(g.origin) {
    const auto& organs = body.organs;
    nx_ = int(g.nx * g.spacing.x / kStep) + 2, ny_ = int(g.ny * g.spacing.y / kStep) + 2, nz_ = int(g.nz * g.spacing.z / kStep) + 2;
    // Elastic field: independent Gaussian displacements 40 mm apart, interpolated onto the nodes.
    const int ec = 40 / int(kStep);
    const int ex = nx_ / ec + 2, ey = ny_ / ec + 2, ez = nz_ / ec + 2;
    std::vector<Vec3> coarse(size_t(ex) * ey * ez);
    for (auto& d : coarse) d = {rng.normal(0, elastic_mm), rng.normal(0, elastic_mm), rng.normal(0, elastic_mm)};
    node_.resize(size_t(nx_) * ny_ * nz_);
    for (int k = 0; k < nz_; ++k)
      for (int j = 0; j < ny_; ++j)
        for (int i = 0; i < nx_; ++i) {
          Vec3 p = origin_ + Vec3{i * kStep, j * kStep, k * kStep};
          Vec3 d = p - target;
          Vec3 q = body.anchor + [&] {
            Vec3 r = rot.inverse(d);
            return Vec3{r.x / scale.x, r.y / scale.y, r.z / scale.z};
          }();
          // Elastic displacement (trilinear between the 40 mm nodes).
          double fx = double(i) / ec, fy = double(j) / ec, fz = double(k) / ec;
          int a = int(fx), b = int(fy), c = int(fz);
          double wx = fx - a, wy = fy - b, wz = fz - c;
          Vec3 e{};
          for (int m = 0; m < 8; ++m) {
            double w = ((m & 1) ? wx : 1 - wx) * ((m & 2) ? wy : 1 - wy) * ((m & 4) ? wz : 1 - wz);
            e = e + coarse[(size_t(c + (m >> 2 & 1)) * ey + (b + (m >> 1 & 1))) * ex + (a + (m & 1))] * w;
          }
          q = q + e;
          // Organ size: pull source points towards (growth) or push them away from (shrinkage) each
          // organ's centre, fading out over about the organ's radius.
          Vec3 shift{};
          for (size_t o = 0; o < organs.size(); ++o) {
            Vec3 r = q - organs[o].centre;
            double s2 = 2 * (1.3 * organs[o].radius) * (1.3 * organs[o].radius);
            double w = std::exp(-dot(r, r) / s2);
            shift = shift - r * ((1 - 1 / organ_factor[o]) * w);
          }
          node_[(size_t(k) * ny_ + j) * nx_ + i] = q + shift;
        }
  }
  Vec3 operator()(const Vec3& p) const {
    double fx = (p.x - origin_.x) / kStep, fy = (p.y - origin_.y) / kStep, fz = (p.z - origin_.z) / kStep;
    int a = std::clamp(int(fx), 0, nx_ - 2), b = std::clamp(int(fy), 0, ny_ - 2), c = std::clamp(int(fz), 0, nz_ - 2);
    double wx = fx - a, wy = fy - b, wz = fz - c;
    Vec3 q{};
    for (int m = 0; m < 8; ++m) {
      double w = ((m & 1) ? wx : 1 - wx) * ((m & 2) ? wy : 1 - wy) * ((m & 4) ? wz : 1 - wz);
      q = q + node_[(size_t(c + (m >> 2 & 1)) * ny_ + (b + (m >> 1 & 1))) * nx_ + (a + (m & 1))] * w;
    }
    return q;
  }

 private:
  static constexpr double kStep = 10;
  Vec3 origin_;
  int nx_ = 0, ny_ = 0, nz_ = 0;
  std::vector<Vec3> node_;
};

// Positions of the organs grid's voxels of one tissue (every `stride`-th), for picking vessel targets.
std::vector<Vec3> positions_of(const LabelGrid& g, std::uint8_t t, int stride) {
  std::vector<Vec3> out;
  long n = 0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (g.at(i, j, k) == t && n++ % stride == 0) out.push_back(voxel_lps(g, i, j, k));
  return out;
}

// A tapered vessel from `root` into the liver towards `end` (root radius drawn from [r_lo, r_hi]), with
// three side branches of two twigs each, painted over the liver (and lesions) only so that it never
// leaves the organ.
void paint_liver_vessel(LabelGrid& g, Rng& rng, Vec3 root, Vec3 end, double r_lo, double r_hi, Tissue t, const Allow& in_liver) {
  const double r0 = rng.uniform(r_lo, r_hi);
  Tube main = vessel(rng, root, end, r0, 1.8, 7);
  paint_tube(g, main, t, in_liver);
  for (int b = 0; b < 3; ++b) {
    Vec3 from = main.pts[size_t(1 + b)];
    Tube branch = vessel(rng, from, jitter(rng, from, 30), std::max(1.5, main.radius[size_t(1 + b)] * 0.55), 1.1, 4);
    paint_tube(g, branch, t, in_liver);
    for (int w = 0; w < 2; ++w) {
      Vec3 twig = branch.pts[size_t(2 + w)];
      paint_tube(g, vessel(rng, twig, jitter(rng, twig, 18), 1.2, 0.9, 3), t, in_liver);
    }
  }
}

}  // namespace

const AnatomyLibrary& anatomy_library(const std::string& shared_dir) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<AnatomyLibrary>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string key = fs::weakly_canonical(fs::absolute(shared_dir)).string();
  auto it = cache.find(key);
  if (it == cache.end()) {
    const auto t0 = std::chrono::steady_clock::now();
    it = cache.emplace(key, std::make_unique<AnatomyLibrary>(load_library(key))).first;
    spdlog::debug("anatomy library {} loaded in {:.1f} s", key,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return *it->second;
}

Phantom build_anatomy_phantom(Rng& rng, double field_t, const AnatomyLibrary& lib) {
  Phantom ph;
  ph.field_t = field_t;
  ph.tissue = base_tissue_params(field_t);
  const size_t body_index = size_t(rng.integer(0, int(lib.bodies.size()) - 1));
  const AnatomyBody& body = lib.bodies[body_index];
  const auto& organs = body.organs;
  nlohmann::json rec;
  rec["kind"] = "real";
  rec["body"] = body.name;
  rec["dome_added_mm"] = body.dome_added_mm;

  // Placement and shape: everything here varies bodies without defining any series' class.
  const Vec3 target{rng.uniform(-8, 8), rng.uniform(0, 20), rng.uniform(60, 95)};  // where the liver dome lands
  Vec3 scale{rng.uniform(0.87, 1.13), rng.uniform(0.87, 1.13), rng.uniform(0.88, 1.12)};
  const double rz = rng.normal(0, 0.05), ry = rng.uniform(-0.04, 0.04), rx = rng.uniform(-0.06, 0.06);
  std::vector<double> organ_factor;
  for (const AnatomyBody::Organ& o : organs) {
    const bool spleen = o.tissue == u8(T::Spleen);
    organ_factor.push_back(spleen ? rng.uniform(0.8, 1.35) : rng.uniform(0.87, 1.15));
  }
  const double elastic = rng.uniform(2, 6);
  rec["target_mm"] = {target.x, target.y, target.z};
  rec["rotation_rad"] = {rz, ry, rx};
  rec["organ_size_factor"] = organ_factor;
  double t_front = rng.uniform(5, 35), t_back = t_front * rng.uniform(0.6, 1.1);
  const double wall = rng.uniform(6, 13);
  const double cortex = rng.uniform(4, 6), sinus = rng.uniform(12, 17), stomach_wall = rng.uniform(3, 6);
  // Real trunks are larger than the phantom's: a wider, deeper grid (x -225..223, y -175..188 mm).
  init_grid(ph.body, T::Air, {-225, -175, -175}, {450, 365, 320});
  init_grid(ph.organs, T::VisceralFat, {-225, -175, -175}, {450, 365, 320});
  LabelGrid& g = ph.organs;
  // Large bodies must still fit, or a grid edge would cut them flat: first the fat thins (down to 5 mm),
  // then the body shrinks. The margin covers rotation and elastic displacement.
  const double x_hi = g.origin.x + (g.nx - 1) * g.spacing.x, y_hi = g.origin.y + (g.ny - 1) * g.spacing.y;
  const double margin = 15, room_x = std::min(-g.origin.x, x_hi) - std::abs(target.x),
               room_y = std::min(target.y - g.origin.y, y_hi - target.y);
  const double fat_room = std::min(room_x - body.hull_half.x * scale.x, room_y - body.hull_half.y * scale.y) - wall - margin;
  t_front = std::max(5.0, std::min(t_front, fat_room)), t_back = std::max(5.0, std::min(t_back, fat_room));
  const double outside = wall + std::max(t_front, t_back) + margin;
  scale.x = std::min(scale.x, (room_x - outside) / body.hull_half.x);
  scale.y = std::min(scale.y, (room_y - outside) / body.hull_half.y);
  rec["scale"] = {scale.x, scale.y, scale.z};
  rec["subcutaneous_fat_mm"] = {t_front, t_back};
  rec["abdominal_wall_mm"] = wall;
  rec["kidney_cortex_mm"] = cortex;

  const StudyToSource to_source(g, rng, body, target, scale, Rotation(rz, ry, rx), elastic, organ_factor);
  rec["elastic_sd_mm"] = elastic;
  const AnatomyGrid& src = body.grid;
  tbb::parallel_for(0, g.nz, [&](int k) {
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const Vec3 p = voxel_lps(g, i, j, k);
        const long n = src.find(to_source(p));
        std::uint8_t& b = ph.body.at(i, j, k);
        std::uint8_t& o = g.at(i, j, k);
        if (n < 0) continue;  // air / visceral fat
        const std::uint8_t t = src.tissue[size_t(n)];
        const double d = body.hull_dist_dmm[size_t(n)] * 0.1;
        // Subcutaneous fat thins from the front to the back of the body.
        const double back = std::clamp(0.5 + (p.y - target.y) / 120.0, 0.0, 1.0);
        const double fat = t_front + (t_back - t_front) * back;
        if (is_static(t)) b = t;
        else if (d > wall + fat) b = u8(T::Air);
        else if (d > wall) b = u8(T::SubcutFat);
        else if (d > 0) b = u8(T::Muscle);
        else b = u8(T::Cavity);
        if (is_static(t) || t == u8(T::Cavity) || t == u8(T::Air)) continue;
        const double depth = body.depth_mm[size_t(n)];
        if (t == u8(T::KidneyCortex)) o = depth < cortex ? t : depth > sinus ? u8(T::VisceralFat) : u8(T::KidneyMedulla);
        else if (t == u8(T::StomachWall)) o = depth < stomach_wall ? t : u8(T::StomachContent);
        else o = t;
      }
  });

  // Landmarks of this study's liver.
  const std::vector<Vec3> liver = positions_of(g, u8(T::Liver), 7);
  if (liver.size() < 100) throw Error(ErrorKind::Internal, body.name + ": the liver left the grid");
  Vec3 lo{1e9, 1e9, 1e9}, hi{-1e9, -1e9, -1e9}, centre{};
  for (const Vec3& p : liver) {
    lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
    hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
    centre = centre + p;
  }
  centre = centre * (1.0 / double(liver.size()));
  ph.liver_top = hi.z, ph.liver_bottom = lo.z, ph.diaphragm_z = hi.z;
  auto pick = [&](auto&& where) {  // a random liver point satisfying `where`, else the centre
    std::vector<Vec3> c;
    for (const Vec3& p : liver)
      if (where(p)) c.push_back(p);
    return c.empty() ? centre : rng.pick(c);
  };

  // Gallbladder under the liver's visceral surface where the subject has none (cholecystectomy or unlabelled).
  if (!body.has_gallbladder) {
    Vec3 c{centre.x + 0.1 * (hi.x - lo.x), lo.y + 0.3 * (hi.y - lo.y), lo.z + 0.3 * (hi.z - lo.z)};
    paint_blob(g, Blob::make(rng, c, {14, 17, rng.uniform(25, 40)}, 2.0, 0.08, 0.3, 0.4), T::Gallbladder,
               over({T::Liver, T::VisceralFat, T::Bowel}));
    rec["gallbladder"] = "synthesised";
  }

  add_liver_lesions(ph, rng, lo, hi, [&](const Vec3& c, double r) { return c.z <= ph.liver_top - r; });

  // Gas pockets in bowel and colon (the maps label the whole lumen as bowel).
  {
    const std::vector<Vec3> bowel = positions_of(g, u8(T::Bowel), 11);
    const int pockets = bowel.empty() ? 0 : rng.integer(4, 14);
    for (int n = 0; n < pockets; ++n) {
      const double r = rng.uniform(5, 14);
      const Vec3 c = rng.pick(bowel);
      const double r_z = r * rng.uniform(0.6, 1.2);
      paint_blob(g, Blob::make(rng, c, {r, r, r_z}, 2.0, 0.12), T::Air, over({T::Bowel}));
    }
  }

  // Hepatic veins from the IVC below the dome to the right, middle and left liver; portal branches from
  // the porta (the portal vein's point nearest the liver's centre) to the same territories lower down.
  const Allow in_liver = over({T::Liver, T::Hcc, T::Hemangioma, T::Metastasis});
  Vec3 hv0{centre.x + 0.25 * (hi.x - lo.x), centre.y + 0.25 * (hi.y - lo.y), hi.z - 25};
  {
    std::vector<Vec3> ivc = positions_of(g, u8(T::Ivc), 1);
    Vec3 sum{};
    long n = 0;
    for (const Vec3& p : ivc)
      if (p.z > hi.z - 45 && p.z < hi.z - 10) sum = sum + p, ++n;
    if (n > 0) hv0 = sum * (1.0 / double(n));
  }
  const double w = hi.x - lo.x;
  const Vec3 right_hv = pick([&](const Vec3& p) { return p.x < lo.x + 0.25 * w && p.z > centre.z - 20; });
  paint_liver_vessel(g, rng, hv0, right_hv, 5, 7, T::HepaticVein, in_liver);
  const Vec3 middle_hv = pick([&](const Vec3& p) { return p.y < lo.y + 0.3 * (hi.y - lo.y) && std::abs(p.x - centre.x) < 0.2 * w; });
  paint_liver_vessel(g, rng, hv0, middle_hv, 4, 6, T::HepaticVein, in_liver);
  const Vec3 left_hv = pick([&](const Vec3& p) { return p.x > hi.x - 0.3 * w; });
  paint_liver_vessel(g, rng, hv0, left_hv, 4, 5.5, T::HepaticVein, in_liver);
  {
    std::vector<Vec3> pv = positions_of(g, u8(T::PortalVein), 1);
    if (!pv.empty()) {
      Vec3 porta = *std::min_element(pv.begin(), pv.end(), [&](const Vec3& a, const Vec3& b) {
        return dot(a - centre, a - centre) < dot(b - centre, b - centre);
      });
      const Vec3 right_pv = pick([&](const Vec3& p) { return p.x < lo.x + 0.3 * w && p.z < centre.z; });
      paint_liver_vessel(g, rng, porta, right_pv, 5, 7, T::PortalVein, in_liver);
      const Vec3 left_pv = pick([&](const Vec3& p) { return p.x > centre.x && p.z < centre.z + 20; });
      paint_liver_vessel(g, rng, porta, left_pv, 4, 6, T::PortalVein, in_liver);
      const Vec3 anterior_pv = pick([&](const Vec3& p) { return p.y < centre.y && p.z > centre.z; });
      paint_liver_vessel(g, rng, porta, anterior_pv, 4, 6, T::PortalVein, in_liver);
    }
  }

  // Study extents for the protocol's field of view and the artefact models.
  double kidney_bottom = 1e9;
  for (int k = 0; k < g.nz && kidney_bottom > 1e8; ++k)
    for (size_t p = 0; p < size_t(g.nx) * g.ny; ++p) {
      std::uint8_t t = g.label[size_t(k) * g.nx * g.ny + p];
      if (t == u8(T::KidneyCortex) || t == u8(T::KidneyMedulla)) {
        kidney_bottom = g.origin.z + k * g.spacing.z;
        break;
      }
    }
  ph.kidney_bottom = kidney_bottom < 1e8 ? kidney_bottom : ph.liver_bottom - 40;
  {
    const int k = std::clamp(int(std::lround((centre.z - g.origin.z) / g.spacing.z)), 0, g.nz - 1);
    double body_x_lo = 1e9, body_x_hi = -1e9, body_y_lo = 1e9, body_y_hi = -1e9;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        if (ph.body.at(i, j, k) != u8(T::Air)) {
          Vec3 p = voxel_lps(g, i, j, k);
          body_x_lo = std::min(body_x_lo, p.x), body_x_hi = std::max(body_x_hi, p.x);
          body_y_lo = std::min(body_y_lo, p.y), body_y_hi = std::max(body_y_hi, p.y);
        }
    ph.body_half_x = std::max(std::abs(body_x_lo), std::abs(body_x_hi));
    ph.body_half_y = 0.5 * (body_y_hi - body_y_lo);
    ph.body_centre_y = 0.5 * (body_y_hi + body_y_lo);
  }

  // Texture: multi-scale noise everywhere, plus a real image's texture inside the liver, spleen,
  // kidneys and pancreas, carried over organ by organ (same offset from the organ's centre).
  std::vector<float> tex = octave_noise(g, rng, {{8, 0.6f}, {3, 0.45f}, {1, 0.3f}});
  const size_t bank_index = size_t(rng.integer(0, int(lib.banks.size()) - 1));
  const TextureBank& bank = lib.banks[bank_index];
  const ClassCentres& bc = bank.centres;
  const ClassCentres sc = class_centres(
      g.nx, g.ny, g.nz, [&](int i, int j, int k) { return std::pair<std::uint8_t, Vec3>(g.at(i, j, k), voxel_lps(g, i, j, k)); },
      target.x);
  std::array<Vec3, 2 * kTextureClasses> offset;
  for (auto& o : offset) o = {rng.uniform(-10, 10), rng.uniform(-10, 10), rng.uniform(-10, 10)};
  tbb::parallel_for(0, g.nz, [&](int k) {
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const int cls = texture_class(g.at(i, j, k));
        if (cls < 0) continue;
        const Vec3 p = voxel_lps(g, i, j, k);
        const size_t key = size_t(2 * cls + (p.x < target.x ? 0 : 1));
        const size_t other = key ^ 1u;  // a bank organ seen on one side only (liver, spleen) serves both
        const size_t use = bc.count[key] > 0 ? key : other;
        if (bc.count[use] == 0 || sc.count[key] == 0) continue;
        const Vec3 d = p - sc.centre[key] + offset[key];
        for (const Vec3& q : {bc.centre[use] + d, bc.centre[use] - d}) {  // the mirror image where the shapes differ
          const long n = bank.grid.find(q);
          if (n >= 0 && texture_class(bank.grid.tissue[size_t(n)]) == cls) {
            tex[g.index(i, j, k)] += bank.texture[size_t(n)] / 40.f;
            break;
          }
        }
      }
  });
  ph.texture.resize(tex.size());
  for (size_t n = 0; n < tex.size(); ++n) ph.texture[n] = std::int8_t(std::clamp(tex[n] * 40.f, -127.f, 127.f));
  // Real parenchyma is more heterogeneous than the shape phantom's: larger texture amplitudes.
  for (Tissue t : {T::Liver, T::Spleen, T::KidneyCortex, T::KidneyMedulla, T::Pancreas})
    ph.tissue[u8(t)].texture = rng.uniform(0.1, 0.18);
  rec["texture_bank"] = bank.name;
  ph.anatomy = rec;
  return ph;
}

}  // namespace mpmri::synth
