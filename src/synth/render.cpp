#include "render.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <complex>

namespace mpmri::synth {

namespace {
constexpr double kPi = 3.14159265358979323846;

// Smooth multiplicative receive/transmit bias: a quadratic in normalised coordinates, brighter towards
// the anterior and posterior coil arrays, with a left-right tilt.
struct Bias {
  double c[7] = {0, 0, 0, 0, 0, 0, 0};
  double operator()(const Vec3& p, double hx, double hy) const {
    double x = p.x / hx, y = p.y / hy, z = p.z / 150.0;
    double b = 1 + c[0] * x + c[1] * y + c[2] * x * x + c[3] * y * y + c[4] * x * y + c[5] * z + c[6] * z * z;
    return std::clamp(b, 0.45, 1.8);
  }
};

}  // namespace

Vec3 voxel_position(const Geometry& g, double i, double j, double k) {
  double step = g.thickness + g.gap;
  Vec3 corner = g.centre - g.row_dir * ((g.cols - 1) * 0.5 * g.px) - g.col_dir * ((g.rows - 1) * 0.5 * g.py) -
                g.normal * ((g.slices - 1) * 0.5 * step);
  return corner + g.row_dir * (i * g.px) + g.col_dir * (j * g.py) + g.normal * (k * step);
}

Rendered render_volume(const Phantom& ph, const Kinetics& kin, const VolumePlan& v, double sigma, std::uint64_t seed,
                       const RenderFlags& flags) {
  const Geometry& g = v.geo;
  Rendered out;
  out.nx = g.cols, out.ny = g.rows, out.nz = g.slices;
  const size_t n = size_t(g.cols) * g.rows * g.slices;
  out.data.assign(n, 0.f);
  if (flags.truth) out.tissue.assign(n, 0), out.purity.assign(n, 0.f);
  const SignalTable st = signal_table(ph, v.seq, kin);

  Rng rng(seed);
  Bias bias;
  if (flags.artefacts) {
    bias.c[0] = rng.normal(0, 0.08), bias.c[1] = rng.normal(0, 0.06), bias.c[2] = rng.uniform(0.0, 0.25);
    bias.c[3] = rng.uniform(0.1, 0.45), bias.c[4] = rng.normal(0, 0.05), bias.c[5] = rng.normal(0, 0.05);
    bias.c[6] = -rng.uniform(0, 0.25);
    if (ph.field_t > 2) bias.c[2] -= rng.uniform(0.1, 0.3);  // 3 T standing-wave: centre brighter/darker
  }
  const bool spectral = v.seq.fatsup == FatSup::Spair || v.seq.fatsup == FatSup::Spir || v.seq.fatsup == FatSup::QuickFs;
  double fs_fail = spectral && flags.artefacts ? rng.uniform(0.5, 2.5) : 0.0;
  if (v.seq.family == Family::EpiDwi) fs_fail *= 0.3;  // DWI adds slice-select gradient reversal against fat
  const float blur_w = flags.artefacts ? float(rng.uniform(0.08, 0.2)) : 0.f;
  // EPI: B0 offsets near the lung bases and bowel gas shift signal along the phase-encode direction.
  const bool epi = v.seq.family == Family::EpiDwi && flags.artefacts;
  const double b0_dome = rng.uniform(40, 120) * (ph.field_t > 2 ? 2 : 1), b0_grad = rng.normal(0, 20), bw_px = rng.uniform(14, 28);
  const Vec3 pe = g.pe_rows ? g.col_dir : g.row_dir;
  const double pe_px = g.pe_rows ? g.py : g.px, fov_pe = g.pe_rows ? g.rows * g.py : g.cols * g.px;
  // Samples through the slice: partial volume in thick 2D slices; a thick MRCP slab is a projection.
  const int ns = g.thickness > 20 ? 16 : g.thickness >= 4 ? 2 : 1;
  const double hx = ph.body_half_x, hy = ph.body_half_y, yc = ph.body_centre_y;
  const bool wrap = flags.artefacts && g.wrap > 0;
  Geometry gl = g;
  if (g.px < 1.6 || g.py < 1.6) {
    gl.cols = std::max(1, int(std::ceil(g.cols * g.px / 1.75)));
    gl.rows = std::max(1, int(std::ceil(g.rows * g.py / 1.75)));
    gl.px = g.px * g.cols / gl.cols;
    gl.py = g.py * g.rows / gl.rows;
  }

  tbb::parallel_for(0, g.slices, [&](int k) {
    Sample s;
    std::vector<float> tw(flags.truth ? kTissues : 0);
    auto signal_at = [&](const Vec3& p0, float wsum_scale) -> double {
      Vec3 p = p0;
      if (epi) {
        double dz = (p.z - ph.diaphragm_z + 10) / 25.0;
        double df = (dz * dz < 12 ? b0_dome * std::exp(-dz * dz) : 0.0) + b0_grad * p.y / 100.0;
        p = p + pe * (df / bw_px * pe_px);
      }
      sample_phantom(ph, p, v.shift, s);
      std::complex<float> w = 0, f = 0;
      for (int m = 0; m < s.n; ++m) {
        int t = s.tissue[m];
        float wt = s.weight[m] * (1 + st.texture[t] * s.texture[m]);
        w += st.water[t] * wt;
        f += st.fat[t] * wt;
        if (flags.truth && wsum_scale > 0) tw[t] += s.weight[m] * wsum_scale;
      }
      float fs = 1;
      if (fs_fail > 0) {
        double ux = p.x / hx, uy = (p.y - yc) / hy, dz = (p.z - ph.diaphragm_z) / 30.0;
        double r2 = ux * ux + uy * uy;
        double dome = dz * dz < 9 ? std::exp(-dz * dz) : 0.0;
        fs = float(std::min(1.0 / std::max(v.seq.fat_residual, 1e-3), 1 + fs_fail * (r2 * r2 + dome)));
      }
      std::complex<float> z = w + fs * f;
      return std::sqrt(z.real() * z.real() + z.imag() * z.imag());
    };
    // The phantom holds no detail finer than its 1.75 mm grid: fine matrices are rendered at about that
    // pitch and interpolated bilinearly, which halves the work of 256-320 matrices at no visible cost.
    const Vec3 drow = g.row_dir * gl.px, dcol = g.col_dir * gl.py;
    Vec3 p0[16];
    for (int m = 0; m < ns; ++m) {
      double off = ns == 1 ? 0 : ((m + 0.5) / ns - 0.5) * g.thickness / (g.thickness + g.gap);
      p0[m] = voxel_position(gl, 0, 0, k + off);
    }
    std::vector<float> lo(size_t(gl.cols) * gl.rows);
    std::vector<std::uint8_t> lo_t(flags.truth ? lo.size() : 0);
    std::vector<float> lo_p(flags.truth ? lo.size() : 0);
    for (int j = 0; j < gl.rows; ++j) {
      for (int i = 0; i < gl.cols; ++i) {
        if (flags.truth) std::fill(tw.begin(), tw.end(), 0.f);
        double acc = 0;
        for (int m = 0; m < ns; ++m) {
          Vec3 p = p0[m] + drow * double(i) + dcol * double(j);
          acc += signal_at(p, 1.f / ns);
          if (wrap) {
            for (double sgn : {-1.0, 1.0}) {
              Vec3 q = p + pe * (sgn * fov_pe);
              if (std::abs(q.x) < hx + 5 && std::abs(q.y - yc) < hy + 5) acc += signal_at(q, 0.f);
            }
          }
        }
        size_t li = size_t(j) * gl.cols + i;
        lo[li] = float(acc / ns);
        if (flags.truth) {
          float total = 0;
          for (float x : tw) total += x;
          tw[0] += std::max(0.f, 1.f - total);  // what no grid covered is air
          auto it = std::max_element(tw.begin(), tw.end());
          lo_t[li] = std::uint8_t(it - tw.begin());
          lo_p[li] = *it;
        }
      }
    }
    const double sx = double(gl.cols) / g.cols, sy = double(gl.rows) / g.rows;
    const Vec3 out0 = voxel_position(g, 0, 0, k), orow = g.row_dir * g.px, ocol = g.col_dir * g.py;
    for (int j = 0; j < g.rows; ++j) {
      double fy = std::clamp((j + 0.5) * sy - 0.5, 0.0, gl.rows - 1.0);
      int j0 = std::min(int(fy), gl.rows - 1), j1 = std::min(j0 + 1, gl.rows - 1);
      float wy = float(fy - j0);
      for (int i = 0; i < g.cols; ++i) {
        double fx = std::clamp((i + 0.5) * sx - 0.5, 0.0, gl.cols - 1.0);
        int i0 = std::min(int(fx), gl.cols - 1), i1 = std::min(i0 + 1, gl.cols - 1);
        float wx = float(fx - i0);
        auto L = [&](int a, int b) { return lo[size_t(b) * gl.cols + a]; };
        float val = (1 - wy) * ((1 - wx) * L(i0, j0) + wx * L(i1, j0)) + wy * ((1 - wx) * L(i0, j1) + wx * L(i1, j1));
        double b = flags.artefacts ? bias(out0 + orow * double(i) + ocol * double(j), hx, hy) : 1.0;
        size_t idx = (size_t(k) * g.rows + j) * g.cols + i;
        out.data[idx] = float(val * b);
        if (flags.truth) {
          size_t ni = size_t(std::lround(fy)) * gl.cols + size_t(std::lround(fx));
          out.tissue[idx] = lo_t[ni];
          out.purity[idx] = lo_p[ni];
        }
      }
    }
    // Finite k-space sampling blurs edges by about a pixel: a separable [w, 1-2w, w] kernel.
    if (blur_w > 0) {
      float* sl = out.data.data() + size_t(k) * g.rows * g.cols;
      const int R = g.rows, C = g.cols;
      std::vector<float> tmp(sl, sl + size_t(R) * C);
      for (int j = 0; j < R; ++j)
        for (int i = 1; i + 1 < C; ++i) {
          const float* t = &tmp[size_t(j) * C + i];
          sl[size_t(j) * C + i] = blur_w * (t[-1] + t[1]) + (1 - 2 * blur_w) * t[0];
        }
      std::copy(sl, sl + size_t(R) * C, tmp.begin());
      for (int j = 1; j + 1 < R; ++j)
        for (int i = 0; i < C; ++i) {
          size_t q = size_t(j) * C + i;
          sl[q] = blur_w * (tmp[q - size_t(C)] + tmp[q + size_t(C)]) + (1 - 2 * blur_w) * tmp[q];
        }
    }
    // Ghosts along phase encoding: respiratory (periodic copies) and, for EPI, the N/2 ghost.
    if (flags.artefacts) {
      Rng gr(mix_seed(seed, 77, k));
      double amp = epi ? gr.uniform(0.01, 0.04) : gr.uniform(0.0, 0.025);
      int n_pe = g.pe_rows ? g.rows : g.cols;
      int shift = epi ? n_pe / 2 : std::max(4, int(n_pe / gr.uniform(3, 6)));
      if (amp > 0.002) {
        float* sl = out.data.data() + size_t(k) * g.rows * g.cols;
        std::vector<float> copy(sl, sl + size_t(g.rows) * g.cols);
        const int R = g.rows, C = g.cols;
        for (int j = 0; j < R; ++j) {
          int ja = g.pe_rows ? (j + shift) % R : j, jb = g.pe_rows ? (j - shift % R + R) % R : j;
          for (int i = 0; i < C; ++i) {
            int ia = i, ib = i;
            if (!g.pe_rows) {
              ia = i + shift < C ? i + shift : i + shift - C;
              ib = i - shift >= 0 ? i - shift : i - shift + C;
            }
            sl[size_t(j) * C + i] += float(amp * 0.5 * (copy[size_t(ja) * C + ia] + copy[size_t(jb) * C + ib]));
          }
        }
      }
    }
    if (flags.noise && sigma > 0) {
      FastGauss gauss(mix_seed(seed, 1, k));
      float sg = float(sigma);
      float* sl = out.data.data() + size_t(k) * g.rows * g.cols;
      for (size_t q = 0; q < size_t(g.rows) * g.cols; ++q) {
        float re = sl[q] + sg * gauss.next(), im = sg * gauss.next();
        sl[q] = std::sqrt(re * re + im * im);  // magnitude of complex Gaussian noise: Rician
      }
    }
  });
  (void)kPi;
  return out;
}

std::vector<float> compute_adc(const std::vector<const Rendered*>& vols, const std::vector<double>& bvals, double floor) {
  const size_t n = vols.front()->data.size();
  std::vector<float> adc(n, 0.f);
  const size_t m = vols.size();
  double bmean = 0;
  for (double b : bvals) bmean += b / m;
  double sbb = 0;
  for (double b : bvals) sbb += (b - bmean) * (b - bmean);
  size_t lowest = size_t(std::min_element(bvals.begin(), bvals.end()) - bvals.begin());
  for (size_t q = 0; q < n; ++q) {
    if (vols[lowest]->data[q] < floor) continue;
    double ly_mean = 0;
    double ly[8];
    for (size_t k = 0; k < m; ++k) {
      ly[k] = std::log(std::max(vols[k]->data[q], 1e-3f));
      ly_mean += ly[k] / m;
    }
    double sxy = 0;
    for (size_t k = 0; k < m; ++k) sxy += (bvals[k] - bmean) * (ly[k] - ly_mean);
    double d = -sxy / sbb;  // mm2/s
    adc[q] = float(std::clamp(d * 1e6, 0.0, 4000.0));
  }
  return adc;
}

std::vector<float> compute_subtraction(const Rendered& post, const Rendered& pre) {
  std::vector<float> out(post.data.size());
  for (size_t q = 0; q < out.size(); ++q) out[q] = std::max(0.f, post.data[q] - pre.data[q]);
  return out;
}

FastGauss::FastGauss(std::uint64_t seed) : rng_(seed) {}

const std::vector<float>& FastGauss::table() {
  // Exact quantiles of N(0,1) at (i+0.5)/65536 via inverse-erf by Newton steps on std::erf.
  static const std::vector<float> t = [] {
    std::vector<float> v(65536);
    for (int i = 0; i < 65536; ++i) {
      double p = (i + 0.5) / 65536.0, x = 0;
      for (int it = 0; it < 60; ++it) {
        double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
        double pdf = std::exp(-0.5 * x * x) / std::sqrt(2 * kPi);
        double step = (cdf - p) / std::max(pdf, 1e-300);
        x -= std::clamp(step, -1.0, 1.0);
        if (std::abs(step) < 1e-12) break;
      }
      v[size_t(i)] = float(x);
    }
    return v;
  }();
  return t;
}

}  // namespace mpmri::synth
