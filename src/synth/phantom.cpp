#include "phantom.hpp"

#include <algorithm>
#include <cmath>

#include "paint.hpp"

namespace mpmri::synth {

namespace {

using T = Tissue;
inline double hyp(double a, double b) { return std::sqrt(a * a + b * b); }

struct Diaphragm {
  double right_z, left_z, yc;
  double z(double x, double y) const {
    double dy = (y - yc) / 120.0;
    double r = right_z - 45 * std::pow((x + 75) / 110.0, 2) - 30 * dy * dy;
    double l = left_z - 45 * std::pow((x - 80) / 100.0, 2) - 30 * dy * dy;
    return std::max(r, l);
  }
};

void build_body(Phantom& ph, Rng& rng, double yc, double A, double B, double t_sub_front, double t_sub_back,
                double t_wall, double& spine_y) {
  LabelGrid& g = ph.body;
  init_grid(g, T::Air);
  const double e = rng.uniform(2.1, 2.6);
  const double taper = rng.uniform(-0.08, 0.08);
  spine_y = yc + B - t_sub_back - rng.uniform(62, 75);
  const double vb_r = rng.uniform(17, 22), disc_period = rng.uniform(30, 36), disc_phase = rng.uniform(0, 36);
  const double rib_bottom = rng.uniform(-90, -50), rib_slope = rng.uniform(20, 45), rib_period = rng.uniform(24, 32);
  const double rib_width = rng.uniform(9, 12) / rib_period;
  std::vector<double> px(size_t(g.nx)), py(size_t(g.ny));
  for (int k = 0; k < g.nz; ++k) {
    double z = g.origin.z + k * g.spacing.z;
    double s = 1 + taper * z / 150.0;
    double ax = A * s, by = B * (1 + 0.5 * taper * z / 150.0);
    bool disc = std::fmod(z - disc_phase + 1000 * disc_period, disc_period) < 7;
    double psoas = std::clamp((-40 - z) / 80.0, 0.0, 1.0);  // psoas grows caudally
    for (int i = 0; i < g.nx; ++i) px[size_t(i)] = std::pow(std::abs(g.origin.x + i * g.spacing.x) / ax, e);
    for (int j = 0; j < g.ny; ++j) py[size_t(j)] = std::pow(std::abs(g.origin.y + j * g.spacing.y - yc) / by, e);
    for (int j = 0; j < g.ny; ++j) {
      double y = g.origin.y + j * g.spacing.y;
      for (int i = 0; i < g.nx; ++i) {
        double x = g.origin.x + i * g.spacing.x;
        double se = px[size_t(i)] + py[size_t(j)];
        if (se >= 1) continue;
        double r = std::pow(se, 1.0 / e);
        // Distance inward from the skin, approximately, in mm along the local radius.
        double depth = (1 - r) * std::min(ax, by) * (y > yc ? 1.0 : 1.0);
        double t_sub = y > yc ? t_sub_back : t_sub_front;
        Tissue t = T::Cavity;
        if (depth < t_sub) t = T::SubcutFat;
        else if (depth < t_sub + t_wall) t = T::Muscle;
        // Ribs: oblique bands in the wall of the upper abdomen, lower anteriorly than posteriorly.
        if (z > rib_bottom && depth > t_sub + 0.2 * t_wall && depth < t_sub + t_wall + 5 && !(std::abs(x) < 45 && y < yc)) {
          double ph_r = (z - rib_slope * (y - yc) / by) / rib_period;
          double fr = ph_r - std::floor(ph_r);
          if (fr < rib_width) t = (fr > 0.2 * rib_width && fr < 0.8 * rib_width) ? T::Marrow : T::Bone;
        }
        double dxs = x, dys = y - spine_y;
        double rv = std::sqrt(dxs * dxs + dys * dys);
        if (t == T::Cavity || t == T::Muscle) {
          if (rv < vb_r) t = disc ? T::Disc : (rv > vb_r - 2 ? T::Bone : T::Marrow);
          else if (hyp(x, y - (spine_y + vb_r + 9)) < 7) t = T::Csf;
          else if (hyp(x, y - (spine_y + vb_r + 9)) < 11) t = T::Bone;
          else if (std::abs(x) < 5 && y > spine_y + vb_r + 9 && y < spine_y + vb_r + 40) t = T::Bone;
          else if (hyp((std::abs(x) - 32) / 30.0, (y - (spine_y + vb_r + 28)) / 24.0) < 1) t = T::Muscle;
          else if (psoas > 0 && hyp((std::abs(x) - vb_r - 14 * psoas) / (8 + 16 * psoas),
                                           (y - spine_y) / (8 + 12 * psoas)) < 1)
            t = T::Muscle;
        }
        g.at(i, j, k) = u8(t);
      }
    }
  }
}

}  // namespace

std::array<TissueParams, kTissues> base_tissue_params(double field_t) {
  const bool hi = field_t > 2;
  auto p = [&](double pd, double t1_15, double t1_3, double t2_15, double t2_3, double adc, double ff = 0,
               double tex = 0.03, bool blood = false) {
    TissueParams t;
    t.pd = pd;
    t.t1 = hi ? t1_3 : t1_15;
    t.t2 = hi ? t2_3 : t2_15;
    t.r2s = 1000.0 / t.t2 + (hi ? 24 : 12);  // reversible dephasing R2' roughly doubles with B0
    t.adc = adc;
    t.ff = ff;
    t.texture = tex;
    t.blood = blood;
    return t;
  };
  std::array<TissueParams, kTissues> a{};
  a[u8(T::Air)] = p(0.0, 1000, 1000, 1, 1, 0);
  a[u8(T::SubcutFat)] = p(0.95, 800, 900, 40, 35, 0.3e-3, 0.95, 0.04);
  a[u8(T::Muscle)] = p(0.72, 856, 898, 27, 29, 1.6e-3, 0.02, 0.08);
  a[u8(T::Bone)] = p(0.04, 1000, 1100, 2, 2, 0.1e-3);
  a[u8(T::Marrow)] = p(0.80, 856, 586, 46, 49, 0.5e-3, 0.5, 0.08);
  a[u8(T::Disc)] = p(0.80, 1100, 1300, 90, 80, 1.5e-3);
  a[u8(T::Csf)] = p(1.0, 4000, 4300, 1500, 1400, 3.0e-3);
  a[u8(T::Cavity)] = p(0.0, 1000, 1000, 1, 1, 0);
  a[u8(T::VisceralFat)] = p(0.95, 800, 900, 40, 35, 0.3e-3, 0.92, 0.05);
  a[u8(T::Liver)] = p(0.72, 586, 809, 46, 34, 1.28e-3, 0.02, 0.045);
  a[u8(T::HepaticVein)] = p(0.80, 1441, 1932, 200, 180, 2.5e-3, 0, 0.02, true);
  a[u8(T::PortalVein)] = p(0.80, 1441, 1932, 200, 180, 2.5e-3, 0, 0.02, true);
  a[u8(T::Spleen)] = p(0.78, 1057, 1328, 79, 61, 0.85e-3, 0, 0.05);
  a[u8(T::KidneyCortex)] = p(0.80, 966, 1142, 87, 76, 1.94e-3, 0, 0.03);
  a[u8(T::KidneyMedulla)] = p(0.85, 1412, 1545, 85, 81, 1.90e-3, 0, 0.03);
  a[u8(T::Aorta)] = p(0.80, 1441, 1932, 290, 275, 2.5e-3, 0, 0.01, true);
  a[u8(T::Ivc)] = p(0.80, 1441, 1932, 200, 180, 2.5e-3, 0, 0.01, true);
  a[u8(T::Pancreas)] = p(0.72, 654, 725, 46, 43, 1.60e-3, 0.04, 0.06);
  a[u8(T::StomachWall)] = p(0.75, 900, 1100, 60, 55, 1.5e-3, 0, 0.04);
  a[u8(T::StomachContent)] = p(1.0, 3000, 3200, 500, 450, 2.8e-3, 0, 0.1);
  a[u8(T::Bowel)] = p(0.80, 1200, 1400, 100, 90, 2.0e-3, 0.02, 0.35);
  a[u8(T::Gallbladder)] = p(1.0, 3000, 3300, 583, 500, 2.73e-3);
  a[u8(T::Lung)] = p(0.05, 1200, 1300, 30, 25, 0);
  a[u8(T::Heart)] = p(0.80, 1441, 1932, 250, 230, 2.5e-3, 0, 0.01, true);
  a[u8(T::Hcc)] = p(0.78, 1056, 1300, 85, 76, 1.08e-3, 0, 0.08);
  a[u8(T::Cyst)] = p(1.0, 3793, 4100, 583, 520, 2.6e-3, 0, 0.01);
  a[u8(T::Hemangioma)] = p(0.90, 2524, 2800, 155, 140, 1.6e-3, 0, 0.05);
  a[u8(T::Metastasis)] = p(0.80, 1757, 1950, 85, 76, 1.0e-3, 0, 0.08);
  a[u8(T::BileDuct)] = p(1.0, 3000, 3300, 583, 500, 2.8e-3);
  a[u8(T::Lung)].r2s = 1000;  // air-tissue interfaces everywhere: T2* of about 1 ms
  a[u8(T::Bone)].r2s = 1000;
  return a;
}

Phantom build_phantom(Rng& rng, double field_t) {
  Phantom ph;
  ph.field_t = field_t;
  ph.tissue = base_tissue_params(field_t);
  const double yc = rng.uniform(0, 20);
  const double A = rng.uniform(140, 185), B = rng.uniform(105, 135);
  ph.body_half_x = A;
  ph.body_half_y = B;
  ph.body_centre_y = yc;
  const double t_front = rng.uniform(8, 38), t_back = t_front * rng.uniform(0.6, 1.1);
  double spine_y = 0;
  const double wall = rng.uniform(7, 13);
  build_body(ph, rng, yc, A, B, t_front, t_back, wall, spine_y);

  LabelGrid& g = ph.organs;
  init_grid(g, T::VisceralFat);
  // Organs are placed relative to the abdominal cavity so that they fit thin and large patients alike.
  const double cx = A - t_front - wall;                 // lateral half-width of the cavity
  const double y_ant = yc - B + t_front + wall;         // anterior wall
  const double depth = spine_y - 20 - y_ant;            // anterior wall to the front of the spine
  const double s = rng.uniform(0.9, 1.1);               // organ size variation
  Diaphragm dia{rng.uniform(60, 95), 0, yc};
  dia.left_z = dia.right_z - rng.uniform(5, 20);
  ph.diaphragm_z = dia.right_z;

  // Bowel loops in the lower abdomen, with air pockets; colon with hepatic and splenic flexures.
  int loops = rng.integer(7, 14);
  for (int n = 0; n < loops; ++n) {
    Vec3 a{rng.uniform(-cx * 0.7, cx * 0.7), rng.uniform(y_ant + 15, y_ant + depth * 0.75), rng.uniform(-165, -70)};
    Vec3 b = jitter(rng, a, 35);
    paint_tube(g, vessel(rng, a, b, rng.uniform(8, 14), rng.uniform(8, 14), 12), T::Bowel, anything());
    if (rng.chance(0.4)) paint_blob(g, Blob::make(rng, a, {8, 8, 8}, 2.0, 0.1), T::Air, over({T::Bowel}));
  }
  const double zc = rng.uniform(-85, -55);
  Tube colon = vessel(rng, {-cx * 0.8, spine_y - 30, zc - 60}, {-cx * 0.7, y_ant + 30, zc}, 18, 20, 8);
  Tube colon2 = vessel(rng, {-cx * 0.7, y_ant + 30, zc}, {cx * 0.75, y_ant + 40, zc + 25}, 20, 18, 10);
  Tube colon3 = vessel(rng, {cx * 0.75, y_ant + 40, zc + 25}, {cx * 0.8, spine_y - 30, zc - 60}, 18, 18, 8);
  for (const Tube* c : {&colon, &colon2, &colon3}) paint_tube(g, *c, T::Bowel, anything());
  for (int n = 0; n < 5; ++n) {
    Vec3 c{rng.uniform(-cx * 0.6, cx * 0.6), y_ant + 35, zc + rng.uniform(-5, 15)};
    paint_blob(g, Blob::make(rng, c, {12, 9, 10}, 2.0, 0.15), T::Air, over({T::Bowel}));
  }
  // Stomach (wall, then fluid or gas content) in the left upper quadrant, anterior to the spleen.
  Blob stomach = Blob::make(rng, {cx * rng.uniform(0.25, 0.45), y_ant + depth * 0.38, rng.uniform(10, 35)},
                            {cx * 0.42 * s, depth * 0.33 * s, 55 * s}, 2.0, 0.12, rng.uniform(-0.5, 0.0));
  paint_blob(g, stomach, T::StomachWall, anything());
  paint_blob(g, stomach, T::StomachContent, over({T::StomachWall}), 0.86);

  // Liver: right lobe against the right wall, left lobe anterior across the midline, caudate.
  const double arx = cx * rng.uniform(0.55, 0.7) * s;
  Blob right = Blob::make(rng, {-cx + arx * 0.92, yc + rng.uniform(-5, 10), rng.uniform(-5, 15)},
                          {arx, depth * rng.uniform(0.5, 0.6), rng.uniform(85, 110) * s}, rng.uniform(2.1, 2.6), 0.08,
                          rng.uniform(-0.25, 0.1));
  Blob left = Blob::make(rng, {cx * rng.uniform(-0.1, 0.15), y_ant + depth * rng.uniform(0.2, 0.28), right.c.z + rng.uniform(10, 30)},
                         {cx * rng.uniform(0.4, 0.6) * s, depth * rng.uniform(0.18, 0.27), 50 * s}, rng.uniform(2.0, 2.4), 0.1,
                         rng.uniform(-0.3, 0.1));
  Blob caudate = Blob::make(rng, {-22, spine_y - 45, right.c.z + 10}, {22, 20, 35}, 2.0, 0.1);
  const Allow liver_over = over({T::VisceralFat, T::Bowel, T::Air, T::StomachWall});
  paint_blob(g, right, T::Liver, liver_over);
  paint_blob(g, left, T::Liver, liver_over);
  paint_blob(g, caudate, T::Liver, liver_over);
  ph.liver_top = right.c.z + right.a.z;
  ph.liver_bottom = right.c.z - right.a.z;

  Vec3 porta{-cx * 0.3, yc + rng.uniform(-10, 5), right.c.z - rng.uniform(5, 20)};
  Blob gb = Blob::make(rng, {-cx * rng.uniform(0.25, 0.45), y_ant + depth * 0.25, porta.z - rng.uniform(25, 45)},
                       {14, 17, rng.uniform(25, 40)}, 2.0, 0.08, 0.3, 0.4);
  paint_blob(g, gb, T::Gallbladder, over({T::Liver, T::VisceralFat, T::Bowel}));

  // Pancreas: head by the duodenum, neck anterior to the portal confluence, tail at the splenic hilum.
  const double y_panc = spine_y - rng.uniform(40, 55);
  Tube pancreas;
  pancreas.pts = {{-cx * 0.3, y_panc + 5, porta.z - 40}, {-5, y_panc - 8, porta.z - 22}, {cx * 0.35, y_panc, porta.z - 12},
                  {cx * 0.65, spine_y - 5, porta.z - 2}};
  for (auto& q : pancreas.pts) q = jitter(rng, q, 4);
  pancreas.radius = {rng.uniform(12, 16), 10, 9, 8};
  paint_tube(g, pancreas, T::Pancreas, over({T::VisceralFat, T::Bowel, T::Air}));

  const double asx = rng.uniform(25, 38) * s;
  Blob spleen = Blob::make(rng, {cx - asx * 0.9, spine_y - rng.uniform(0, 20), rng.uniform(10, 35)},
                           {asx, rng.uniform(45, 58) * s, rng.uniform(50, 70) * s}, 2.1, 0.1, rng.uniform(-0.7, -0.3));
  paint_blob(g, spleen, T::Spleen, over({T::VisceralFat, T::Bowel, T::Air, T::StomachWall, T::StomachContent}));

  for (int side = -1; side <= 1; side += 2) {
    double zk = side < 0 ? rng.uniform(-85, -65) : rng.uniform(-75, -55);
    Blob k = Blob::make(rng, {side * rng.uniform(62, 78), spine_y + 5, zk}, {26, 22, rng.uniform(48, 60)}, 2.0, 0.05, side * 0.45, 0.1);
    paint_blob(g, k, T::KidneyCortex, anything());
    paint_blob(g, k, T::KidneyMedulla, over({T::KidneyCortex}), 0.72);
    Blob sinus = k;
    sinus.c.x -= side * 10;
    paint_blob(g, sinus, T::VisceralFat, over({T::KidneyMedulla}), 0.4);
    ph.kidney_bottom = std::min(ph.kidney_bottom, zk - k.a.z);
  }

  // Lesions inside the liver, below the dome.
  add_liver_lesions(ph, rng, {-cx, y_ant, ph.liver_bottom + 20}, {cx * 0.3, spine_y, ph.liver_top - 20},
                    [&](const Vec3& c, double r) { return c.z <= dia.z(c.x, c.y) - r; });

  // Vessels last: they cut through everything they cross.
  const double xa = rng.uniform(5, 20), ya = spine_y - rng.uniform(30, 38), ra = rng.uniform(9, 13);
  paint_tube(g, vessel(rng, {xa, ya, 150}, {xa + rng.uniform(-5, 5), ya, -165}, ra, ra * 0.85, 3), T::Aorta, anything());
  const double xi = rng.uniform(-30, -18), yi = spine_y - rng.uniform(25, 35);
  Vec3 hv0{xi + 5, yi - 5, dia.z(xi, yi) - 8};
  paint_tube(g, vessel(rng, {xi, yi, -165}, hv0, rng.uniform(9, 12), 13, 3), T::Ivc, anything());
  paint_tube(g, vessel(rng, hv0, {xi + 10, yi - 20, dia.z(xi, yi) + 30}, 13, 14, 2), T::Ivc, anything());
  const Allow in_liver = over({T::Liver, T::Hcc, T::Hemangioma, T::Metastasis});
  for (Vec3 end : {Vec3{-cx * 0.92, right.c.y + 10, right.c.z - 30}, Vec3{-cx * 0.45, y_ant + depth * 0.2, right.c.z - 35},
                   Vec3{left.c.x + 10, left.c.y, left.c.z}}) {
    Tube hv = vessel(rng, hv0, jitter(rng, end, 8), rng.uniform(5, 7), 2, 7);
    paint_tube(g, hv, T::HepaticVein, in_liver);
    for (int b = 0; b < 3; ++b) {
      Vec3 from = hv.pts[1 + b % 3];
      paint_tube(g, vessel(rng, from, jitter(rng, from, 35), 3, 1.5, 5), T::HepaticVein, in_liver);
    }
  }
  Vec3 confl{rng.uniform(0, 12), y_panc + rng.uniform(5, 12), porta.z - rng.uniform(20, 30)};
  const Allow pv_over = over({T::VisceralFat, T::Liver, T::Pancreas, T::Hcc, T::Metastasis, T::Bowel, T::Air});
  paint_tube(g, vessel(rng, confl, porta, rng.uniform(6, 8), 7, 3), T::PortalVein, pv_over);
  paint_tube(g, vessel(rng, confl, {spleen.c.x - asx, spleen.c.y - 5, spleen.c.z - 15}, 4.5, 4, 6), T::PortalVein, pv_over);
  paint_tube(g, vessel(rng, confl, {confl.x + 5, confl.y - 5, -165}, 5, 4, 5), T::PortalVein, pv_over);
  std::vector<Tube> portal;
  for (Vec3 end : {Vec3{-cx * 0.85, right.c.y + 10, porta.z + 10}, Vec3{-cx * 0.55, y_ant + depth * 0.3, porta.z + 25},
                   Vec3{left.c.x, left.c.y, left.c.z - 5}}) {
    Tube pv = vessel(rng, porta, jitter(rng, end, 8), 5, 2.5, 6);
    paint_tube(g, pv, T::PortalVein, pv_over);
    portal.push_back(pv);
    for (int b = 0; b < 3; ++b) {
      Vec3 from = pv.pts[1 + b];
      paint_tube(g, vessel(rng, from, jitter(rng, from, 30), 2.5, 1.2, 4), T::PortalVein, in_liver);
    }
  }
  // Bile ducts: the common duct from the porta to the pancreatic head, intrahepatic ducts beside the portal branches.
  const double duct_r = rng.chance(0.2) ? rng.uniform(4, 6) : rng.uniform(2.5, 3.5);  // some dilated
  Vec3 duct0 = porta + Vec3{-6, -8, 0};
  paint_tube(g, vessel(rng, duct0, pancreas.pts[0] + Vec3{0, -4, -10}, duct_r, duct_r * 0.9, 3), T::BileDuct,
             over({T::VisceralFat, T::Liver, T::Pancreas, T::Bowel}));
  for (const Tube& pv : portal) {
    Tube d = pv;
    for (auto& q : d.pts) q = q + Vec3{-4, -5, 2};
    for (auto& r : d.radius) r = std::max(0.9, r * 0.4 * duct_r / 3.0);
    paint_tube(g, d, T::BileDuct, in_liver);
  }

  // Above the diaphragm: a muscular sheet, then lung and heart.
  Blob heart = Blob::make(rng, {20, yc - 30, dia.left_z + 50}, {70, 55, 60}, 2.0, 0.05);
  for (int j = 0; j < g.ny; ++j)
    for (int i = 0; i < g.nx; ++i) {
      double x = g.origin.x + i * g.spacing.x, y = g.origin.y + j * g.spacing.y, zd = dia.z(x, y);
      for (int k = std::max(0, int(std::ceil((zd - g.origin.z) / g.spacing.z))); k < g.nz; ++k) {
        Vec3 p{x, y, g.origin.z + k * g.spacing.z};
        std::uint8_t& cur = g.at(i, j, k);
        if (cur == u8(T::Aorta) || cur == u8(T::Ivc)) continue;
        if (p.z < zd + 4) cur = u8(T::Muscle);
        else cur = std::abs(p.x - heart.c.x) < 100 && std::abs(p.y - heart.c.y) < 80 && heart.value(p) < 0 ? u8(T::Heart) : u8(T::Lung);
      }
    }

  // Texture: two octaves of smooth noise.
  ph.texture.assign(g.label.size(), 0);
  std::vector<float> acc = octave_noise(g, rng, {{8, 0.7f}, {3, 0.5f}});
  for (size_t n = 0; n < acc.size(); ++n) ph.texture[n] = std::int8_t(std::clamp(acc[n] * 60.f, -127.f, 127.f));
  return ph;
}

void add_liver_lesions(Phantom& ph, Rng& rng, Vec3 lo, Vec3 hi, const std::function<bool(const Vec3&, double)>& fits) {
  LabelGrid& g = ph.organs;
  if (!rng.chance(0.6)) return;
  int n = rng.integer(1, 3);
  for (int tries = 0; tries < 200 && int(ph.lesions.size()) < n; ++tries) {
    double u = rng.uniform();
    Tissue type = u < 0.3 ? T::Hcc : u < 0.65 ? T::Cyst : u < 0.85 ? T::Hemangioma : T::Metastasis;
    double r = type == T::Hcc ? rng.uniform(10, 30) : type == T::Cyst ? rng.uniform(5, 25) : rng.uniform(6, 20);
    Vec3 c{rng.uniform(lo.x, hi.x), rng.uniform(lo.y, hi.y), rng.uniform(lo.z, hi.z)};
    bool inside = true;
    for (Vec3 d : {Vec3{r, 0, 0}, Vec3{-r, 0, 0}, Vec3{0, r, 0}, Vec3{0, -r, 0}, Vec3{0, 0, r}, Vec3{0, 0, -r}, Vec3{}}) {
      Vec3 q = c + d;
      int i = int(std::lround((q.x - g.origin.x) / g.spacing.x)), j = int(std::lround((q.y - g.origin.y) / g.spacing.y));
      int k = int(std::lround((q.z - g.origin.z) / g.spacing.z));
      if (i < 0 || j < 0 || k < 0 || i >= g.nx || j >= g.ny || k >= g.nz || g.at(i, j, k) != u8(T::Liver)) inside = false;
    }
    if (!inside || !fits(c, r)) continue;
    paint_blob(g, Blob::make(rng, c, {r, r, r}, 2.0, type == T::Cyst ? 0.03 : 0.12), type, over({T::Liver}));
    ph.lesions.push_back({type, c, r});
  }
}

std::vector<float> octave_noise(const LabelGrid& g, Rng& rng, std::initializer_list<std::pair<int, float>> octaves) {
  std::vector<float> acc(g.label.size(), 0.f);
  for (auto [step, amp] : octaves) {
    int cx = g.nx / step + 2, cy = g.ny / step + 2, cz = g.nz / step + 2;
    std::vector<float> coarse(size_t(cx) * cy * cz);
    for (auto& v : coarse) v = float(rng.normal()) * amp;
    std::vector<int> ix(size_t(g.nx));
    std::vector<float> wx(size_t(g.nx));
    for (int i = 0; i < g.nx; ++i) ix[size_t(i)] = i / step, wx[size_t(i)] = float(i % step) / step;
    for (int k = 0; k < g.nz; ++k) {
      int kz = k / step;
      float wz = float(k % step) / step;
      for (int j = 0; j < g.ny; ++j) {
        int jy = j / step;
        float wy = float(j % step) / step;
        const float* c00 = &coarse[(size_t(kz) * cy + jy) * cx];
        const float* c01 = c00 + cx;
        const float* c10 = c00 + size_t(cx) * cy;
        const float* c11 = c10 + cx;
        float* dst = &acc[(size_t(k) * g.ny + j) * g.nx];
        for (int i = 0; i < g.nx; ++i) {
          int a = ix[size_t(i)];
          float w = wx[size_t(i)];
          float v00 = c00[a] + w * (c00[a + 1] - c00[a]), v01 = c01[a] + w * (c01[a + 1] - c01[a]);
          float v10 = c10[a] + w * (c10[a + 1] - c10[a]), v11 = c11[a] + w * (c11[a + 1] - c11[a]);
          float v0 = v00 + wy * (v01 - v00), v1 = v10 + wy * (v11 - v10);
          dst[i] += v0 + wz * (v1 - v0);
        }
      }
    }
  }
  return acc;
}

}  // namespace mpmri::synth
