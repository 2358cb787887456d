#include "contrast.hpp"

#include <algorithm>
#include <cmath>

namespace mpmri::synth {

namespace {
using T = Tissue;
constexpr double kPi = 3.14159265358979323846;
constexpr double kGammaHzPerT = 42.577e6;
int ti(Tissue t) { return static_cast<int>(t); }

// Extended Tofts: vp*Cin + Ktrans * (Cin conv exp(-kep t)), all on the kinetics grid.
std::vector<float> tofts(const std::vector<float>& cin, double dt, double vp, double ktrans_min, double ve) {
  std::vector<float> out(cin.size());
  double kt = ktrans_min / 60.0, kep = ve > 0 ? kt / ve : 0, decay = std::exp(-kep * dt), acc = 0;
  for (size_t k = 0; k < cin.size(); ++k) {
    acc = acc * decay + kt * cin[k] * dt;
    out[k] = float(vp * cin[k] + acc);
  }
  return out;
}

// Delay plus first-order dispersion: how contrast reaches the portal and hepatic veins.
std::vector<float> delay_disperse(const std::vector<float>& c, double dt, double delay_s, double tau_s) {
  std::vector<float> out(c.size(), 0.f);
  int shift = int(delay_s / dt);
  double a = dt / (tau_s + dt), y = 0;
  for (size_t k = 0; k < c.size(); ++k) {
    double x = k >= size_t(shift) ? c[k - shift] : 0.0;
    y += a * (x - y);
    out[k] = float(y);
  }
  return out;
}

double flow_factor(const TissueParams& p, Tissue t, Family f) {
  if (!p.blood) return 1.0;
  const bool artery = t == T::Aorta || t == T::Heart;
  switch (f) {
    case Family::Fse: case Family::SsFse: case Family::Stir: case Family::Mrcp: return artery ? 0.08 : 0.3;
    case Family::EpiDwi: return artery ? 0.1 : 0.35;
    case Family::Gre2D: return artery ? 1.3 : 0.6;  // arterial inflow; veins saturated by the slab's sat bands
    case Family::Ssfp: return 1.0;
    case Family::Gre3D: return 1.0;
  }
  return 1.0;
}

}  // namespace

double parker_aif(double t) {
  const double A1 = 0.809, T1 = 0.17046, s1 = 0.0563, A2 = 0.330, T2 = 0.365, s2 = 0.132, alpha = 1.050,
               beta = 0.1685, s = 38.078, tau = 0.483;
  if (t < 0) return 0;
  double g1 = A1 / (s1 * std::sqrt(2 * kPi)) * std::exp(-(t - T1) * (t - T1) / (2 * s1 * s1));
  double g2 = A2 / (s2 * std::sqrt(2 * kPi)) * std::exp(-(t - T2) * (t - T2) / (2 * s2 * s2));
  return g1 + g2 + alpha * std::exp(-beta * t) / (1 + std::exp(-s * (t - tau)));
}

Kinetics make_kinetics(const std::string& agent, double field_t, double arrival_s, double dose_scale, double hct,
                       double duration_s) {
  Kinetics k;
  k.agent = agent;
  k.arrival_s = arrival_s;
  k.dose_scale = dose_scale;
  k.hct = hct;
  const bool hi = field_t > 2;
  if (agent == "gadobutrol") k.r1_blood = hi ? 4.97 : 4.78;
  else if (agent == "gadoxetate") k.r1_blood = hi ? 6.2 : 6.9, k.r1_hepatocyte = hi ? 9.8 : 14.6;
  else k.r1_blood = hi ? 3.00 : 3.32;
  size_t n = size_t(duration_s / k.dt) + 1;
  std::vector<float> blood(n, 0.f);
  if (!agent.empty()) {
    // Parker's first-pass peak sits ~10 s after its time zero; its upslope starts ~4 s after time zero.
    for (size_t i = 0; i < n; ++i) blood[i] = float(dose_scale * parker_aif((i * k.dt - arrival_s + 4.0) / 60.0));
  }
  std::vector<float> plasma(n);
  for (size_t i = 0; i < n; ++i) plasma[i] = float(blood[i] / (1 - hct));
  // Splanchnic transit delays and spreads the bolus: the portal vein peaks ~25-35 s after the aorta.
  auto pv_blood = delay_disperse(blood, k.dt, 10, 18);
  auto hv_blood = delay_disperse(blood, k.dt, 18, 25);
  auto pv_plasma = delay_disperse(plasma, k.dt, 10, 18);
  std::vector<float> liver_in(n), kid_in = delay_disperse(plasma, k.dt, 3, 1);
  for (size_t i = 0; i < n; ++i) liver_in[i] = 0.2f * plasma[i] + 0.8f * pv_plasma[i];  // dual supply
  auto med_in = delay_disperse(plasma, k.dt, 18, 10);
  auto zero = std::vector<float>(n, 0.f);
  for (auto& c : k.curve) c = zero;
  k.curve[ti(T::Aorta)] = blood;
  k.curve[ti(T::Heart)] = blood;
  k.curve[ti(T::PortalVein)] = pv_blood;
  k.curve[ti(T::HepaticVein)] = hv_blood;
  k.curve[ti(T::Ivc)] = hv_blood;
  // Exchange slow enough that the short arterial first pass enhances the liver only mildly.
  k.curve[ti(T::Liver)] = tofts(liver_in, k.dt, 0.08, 1.2, 0.25);
  k.curve[ti(T::Spleen)] = tofts(plasma, k.dt, 0.25, 2.0, 0.20);
  k.curve[ti(T::KidneyCortex)] = tofts(kid_in, k.dt, 0.35, 2.5, 0.25);
  k.curve[ti(T::KidneyMedulla)] = tofts(med_in, k.dt, 0.10, 0.8, 0.30);
  k.curve[ti(T::Pancreas)] = tofts(plasma, k.dt, 0.12, 1.2, 0.25);
  k.curve[ti(T::Muscle)] = tofts(plasma, k.dt, 0.03, 0.10, 0.12);
  k.curve[ti(T::SubcutFat)] = tofts(plasma, k.dt, 0.02, 0.05, 0.10);
  k.curve[ti(T::VisceralFat)] = k.curve[ti(T::SubcutFat)];
  k.curve[ti(T::Bowel)] = tofts(plasma, k.dt, 0.06, 0.6, 0.30);
  k.curve[ti(T::StomachWall)] = k.curve[ti(T::Bowel)];
  k.curve[ti(T::Marrow)] = tofts(plasma, k.dt, 0.05, 0.3, 0.20);
  k.curve[ti(T::Hcc)] = tofts(plasma, k.dt, 0.15, 1.5, 0.08);        // arterial supply, washout
  k.curve[ti(T::Hemangioma)] = tofts(plasma, k.dt, 0.05, 0.3, 0.60);  // slow progressive fill
  k.curve[ti(T::Metastasis)] = tofts(plasma, k.dt, 0.03, 0.25, 0.30); // hypovascular
  k.hepatocyte = zero;
  if (agent == "gadoxetate") {
    // Hepatocyte uptake (OATP) from the extracellular liver pool; slow biliary efflux.
    double ki = 0.12 / 60.0, kb = 0.01 / 60.0, acc = 0;
    const auto& ext = k.curve[ti(T::Liver)];
    for (size_t i = 0; i < n; ++i) {
      acc += (ki * ext[i] / 0.25 - kb * acc) * k.dt;
      k.hepatocyte[i] = float(acc);
    }
  }
  return k;
}

double Kinetics::conc(Tissue t, double t_inj) const {
  const auto& c = curve[ti(t)];
  if (c.empty() || t_inj < 0) return 0;
  size_t i = std::min(c.size() - 1, size_t(t_inj / dt));
  return c[i];
}
double Kinetics::hepato(double t_inj) const {
  if (hepatocyte.empty() || t_inj < 0) return 0;
  return hepatocyte[std::min(hepatocyte.size() - 1, size_t(t_inj / dt))];
}

std::complex<double> fat_phasor(double te_ms, double b0_t) {
  static const double ppm[6] = {0.9, 1.3, 2.1, 2.76, 4.31, 5.3};
  static const double amp[6] = {0.087, 0.693, 0.128, 0.004, 0.039, 0.048};
  std::complex<double> s = 0;
  for (int p = 0; p < 6; ++p) {
    double f = (ppm[p] - 4.7) * 1e-6 * kGammaHzPerT * b0_t;
    s += amp[p] * std::polar(1.0, 2 * kPi * f * te_ms * 1e-3);
  }
  return s;
}

namespace {
// Magnitude weighting of one spin pool (water or fat) with relaxation times t1, t2, r2s (ms, ms, 1/s).
double pool_weight(const SeqParams& q, double t1, double t2, double r2s) {
  const double e1 = std::exp(-q.tr / t1);
  switch (q.family) {
    case Family::Gre2D:
    case Family::Gre3D: {
      double a = q.flip * kPi / 180;
      return std::sin(a) * (1 - e1) / (1 - std::cos(a) * e1) * std::exp(-q.te * 1e-3 * r2s);
    }
    case Family::Fse:
    case Family::SsFse:
    case Family::Mrcp:
      return (1 - e1) * std::exp(-q.te / t2);
    case Family::Stir:
      return std::abs(1 - 2 * std::exp(-q.ti / t1) + e1) * std::exp(-q.te / t2);
    case Family::EpiDwi:
      return (1 - e1) * std::exp(-q.te / t2);
    case Family::Ssfp: {
      double a = q.flip * kPi / 180, e2 = std::exp(-q.tr / t2);
      return std::sin(a) * (1 - e1) / (1 - (e1 - e2) * std::cos(a) - e1 * e2) * std::exp(-q.te / t2);
    }
  }
  return 0;
}
}  // namespace

SignalTable signal_table(const Phantom& ph, const SeqParams& q, const Kinetics& kin) {
  SignalTable st;
  const bool hi = ph.field_t > 2;
  const double fat_t1 = hi ? 370 : 290, fat_t2 = hi ? 130 : 165;
  const bool gre = q.family == Family::Gre2D || q.family == Family::Gre3D;
  const std::complex<double> phasor = gre ? fat_phasor(q.te, ph.field_t) : std::complex<double>(1, 0);
  double fat_keep = 1.0;
  switch (q.fatsup) {
    case FatSup::None: fat_keep = 1.0; break;
    case FatSup::Stir: fat_keep = 1.0; break;  // the inversion time does the nulling, in pool_weight
    default: fat_keep = q.fat_residual; break;
  }
  for (int t = 0; t < kTissues; ++t) {
    const TissueParams& p = ph.tissue[t];
    Tissue tt = Tissue(t);
    double r1 = 1000.0 / p.t1;
    double c = kin.conc(tt, q.t_inj);
    r1 += kin.r1_blood * c;
    if (tt == T::Liver) r1 += kin.r1_hepatocyte * kin.hepato(q.t_inj);
    double t1 = 1000.0 / r1;
    double w = p.pd * (1 - p.ff) * pool_weight(q, t1, p.t2, p.r2s);
    double f = p.pd * p.ff * pool_weight(q, fat_t1, fat_t2, p.r2s);
    if (q.family == Family::EpiDwi) {
      w *= std::exp(-q.b * p.adc);
      f *= std::exp(-q.b * 0.015e-3);  // fat barely diffuses: unsuppressed fat survives high b
      if (p.blood && q.b > 0) w *= std::exp(-q.b * 0.02);  // IVIM: flowing blood is gone at any b > 0
    }
    if (q.family == Family::Mrcp && p.t2 < 300) w *= 0.3;  // heavy T2: only fluid survives
    double flow = flow_factor(p, tt, q.family);
    st.water[t] = std::complex<float>(float(w * flow * q.water_scale), 0.f);
    st.fat[t] = std::complex<float>(phasor * (f * fat_keep));
    st.texture[t] = float(p.texture);
  }
  return st;
}

double tissue_signal(const Phantom& ph, Tissue t, const SeqParams& seq, const Kinetics& kin) {
  SignalTable st = signal_table(ph, seq, kin);
  return std::abs(st.water[int(t)] + st.fat[int(t)]);
}

}  // namespace mpmri::synth
