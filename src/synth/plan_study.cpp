// Draws one study's protocol: series, layouts, timing and vendor names. See docs/synthetic-data.md.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "protocol.hpp"
#include "vendor_names.hpp"

namespace mpmri::synth {

using namespace detail;

namespace {

struct Builder {
  Rng& rng;
  const DomainPreset& dom;
  const Phantom& ph;
  StudyPlan& plan;
  double clock = 0;       // time of day (s) where the next series starts
  int variant = 0;
  double snr_scale = 1;

  SeriesPlan& add(const std::string& kind, const NameContext& ctx) {
    SeriesPlan s;
    s.kind = kind;
    Naming n = vendor_naming(plan.vendor, ctx);
    s.description = n.description;
    s.protocol = n.protocol;
    s.scanning_sequence = n.scanning_sequence;
    s.sequence_variant = n.sequence_variant;
    s.scan_options = n.scan_options;
    int k = int(plan.series.size()) + 1;
    s.number = plan.vendor == Vendor::Philips ? k * 100 + 1 : plan.vendor == Vendor::Canon ? k * 10 : k;
    plan.series.push_back(s);
    return plan.series.back();
  }
  VolumePlan vol(Label label, const std::string& kind, const SeqParams& seq, const Geometry& g, const NameContext& ctx,
                 double snr, double duration) {
    VolumePlan v;
    v.label = label;
    v.kind = kind;
    v.seq = seq;
    v.geo = g;
    Naming n = vendor_naming(plan.vendor, ctx);
    v.image_type = n.image_type;
    v.sequence_name = n.sequence_name;
    v.snr = snr * snr_scale * (ph.field_t > 2 ? 1.4 : 1.0);
    v.acq_time_s = clock;
    v.duration_s = duration;
    return v;
  }
  void advance(double duration) { clock += duration + rng.uniform(12, 60); }
  double z_top() const { return std::max(ph.liver_top, ph.diaphragm_z) + rng.uniform(5, 20); }
  double z_bottom() const { return std::min(ph.liver_bottom, ph.kidney_bottom * 0.6) - rng.uniform(0, 15); }
};

double te_round(double te) { return std::round(te * 100) / 100; }

}  // namespace

StudyPlan plan_study(Rng& rng, const DomainPreset& dom, int index, std::uint64_t seed, const SynthOptions& options,
                     const Phantom& ph) {
  const double deid_fraction = options.deidentify_fraction;
  StudyPlan plan;
  plan.index = index;
  plan.seed = seed;
  plan.domain = dom.name;
  plan.field_t = ph.field_t;
  plan.vendor = dom.vendors[rng.next() % dom.vendors.size()];
  if (!options.vendor.empty()) plan.vendor = vendor_from_name(options.vendor);
  Builder b{rng, dom, ph, plan};
  b.variant = rng.integer(0, 1000);
  b.snr_scale = rng.uniform(dom.snr_scale_lo, dom.snr_scale_hi);
  plan.model = vendor_model(plan.vendor, plan.field_t, b.variant);
  plan.deidentified = rng.chance(deid_fraction >= 0 ? deid_fraction : dom.deid_share);
  double u = rng.uniform();
  plan.transfer_syntax = u < 0.65 ? "explicit" : u < 0.75 ? "implicit" : u < 0.88 ? "rle" : "jpegls";
  if (!options.transfer_syntax.empty()) plan.transfer_syntax = options.transfer_syntax;
  plan.study_uid = make_uid(seed, 1);
  char buf[64];
  std::snprintf(buf, sizeof buf, "SYN%07d", index);
  plan.patient_id = buf;
  plan.patient_name = plan.deidentified ? "ANONYMOUS" : std::string("SYNTH^PATIENT") + std::to_string(index);
  std::snprintf(buf, sizeof buf, "20%02d%02d%02d", rng.integer(15, 25), rng.integer(1, 12), rng.integer(1, 28));
  plan.study_date = buf;
  std::snprintf(buf, sizeof buf, "A%08d", int(mix_seed(seed, 9) % 100000000));
  plan.accession = buf;
  plan.study_description = plan.deidentified ? "" : (plan.vendor == Vendor::GE ? "MR ABDOMEN LIVER W WO CONTRAST" : "MRI Liver");
  std::snprintf(buf, sizeof buf, "study_%06d", index);
  plan.folder = buf;
  plan.study_start_s = rng.uniform(7.5 * 3600, 17 * 3600);
  b.clock = plan.study_start_s;
  const double jitter = dom.timing_jitter_s;
  const double z_hi = b.z_top(), z_lo = b.z_bottom();
  auto ctx = [&](const std::string& kind) {
    NameContext c;
    c.kind = kind;
    c.variant = b.variant;
    return c;
  };

  // 1. Three-plane localizer (free breathing), one series with three orientations.
  {
    NameContext c = ctx("localizer");
    SeriesPlan& s = b.add("localizer", c);
    SeqParams q;
    q.family = plan.vendor == Vendor::Siemens && b.variant % 2 ? Family::Ssfp : Family::Gre2D;
    q.tr = q.family == Family::Ssfp ? 3.5 : 7.5, q.te = q.family == Family::Ssfp ? 1.6 : 2.3, q.flip = q.family == Family::Ssfp ? 50 : 20;
    Geometry ax = axial(rng, ph, dom, 256, 1.0, 8, 2, -40, 40), co = coronal(rng, ph, 256, 8, 2, 5);
    ax.slices = 5;
    ax.centre.z = 0;
    Geometry sa = co;
    sa.row_dir = {0, 1, 0}, sa.normal = {1, 0, 0}, sa.plane = "sagittal", sa.centre = {-40, ph.body_centre_y, 0};
    sa.slices = 3;
    for (const Geometry& g : {ax, co, sa}) {
      VolumePlan v = b.vol(Label::Other, "localizer", q, g, c, 12, 6);
      v.shift = breath_hold(rng, 6);
      s.volumes.push_back(v);
    }
    b.advance(20);
  }
  // 2-3. T2 without fat suppression: coronal single shot, axial.
  if (rng.chance(0.8)) {
    NameContext c = ctx("t2_nofs_cor");
    SeriesPlan& s = b.add("t2_nofs_cor", c);
    SeqParams q{Family::SsFse, 1200, te_round(rng.uniform(80, 95)), 0, 90, 0, FatSup::None, 1, -1e9};
    Geometry g = coronal(rng, ph, 256, rng.uniform(6, 8), rng.uniform(0.5, 1.5), rng.integer(18, 26));
    VolumePlan v = b.vol(Label::Other, "t2_nofs_cor", q, g, c, 28, 25);
    v.shift = breath_hold(rng, 8);
    s.volumes.push_back(v);
    s.echo_train = 128;
    b.advance(25);
  }
  if (rng.chance(0.5)) {
    NameContext c = ctx("t2_nofs_ax");
    SeriesPlan& s = b.add("t2_nofs_ax", c);
    bool ss = rng.chance(0.5);
    SeqParams q{ss ? Family::SsFse : Family::Fse, ss ? 1300.0 : rng.uniform(2500, 4500), te_round(rng.uniform(80, 100)), 0, 90, 0, FatSup::None, 1, -1e9};
    double tilt = rng.chance(0.15) ? rng.uniform(-12, 12) : 0.0;  // some sites tilt axial T2 to the liver
    Geometry g = axial(rng, ph, dom, 256, 0.8, rng.uniform(5, 7), 1, z_lo, z_hi, tilt);
    VolumePlan v = b.vol(Label::Other, "t2_nofs_ax", q, g, c, 30, ss ? 25 : 150);
    v.shift = breath_hold(rng, ss ? 8 : 3);
    s.volumes.push_back(v);
    s.echo_train = ss ? 128 : 16;
    b.advance(v.duration_s);
  }
  // 4. T1 in- and opposed-phase: 2D dual echo or 3D Dixon; one series (EchoNumbers 1/2) or two.
  {
    const bool dixon = plan.vendor != Vendor::Plain && rng.chance(ph.field_t > 2 ? 0.5 : 0.3);
    const bool hi = ph.field_t > 2;
    double te_opp = hi ? rng.uniform(1.1, 1.3) : rng.uniform(2.2, 2.4);
    double te_in = hi ? rng.uniform(2.2, 2.5) : rng.uniform(4.4, 4.8);
    te_opp = te_round(te_opp), te_in = te_round(te_in);
    SeqParams q;
    q.family = dixon ? Family::Gre3D : Family::Gre2D;
    q.tr = dixon ? rng.uniform(4.0, 6.5) : rng.uniform(120, 190);
    q.flip = dixon ? rng.uniform(9, 12) : rng.uniform(65, 75);
    Geometry g = dixon ? axial(rng, ph, dom, 256, 0.78, rng.uniform(3, 4), 0, z_lo, z_hi) : axial(rng, ph, dom, 256, 0.75, rng.uniform(5, 7), 1, z_lo, z_hi);
    const std::string kind = dixon ? "dixon_3d" : "inopp_2d";
    const bool one = !dixon && (plan.vendor == Vendor::Philips || rng.chance(0.5));
    Vec3 shift = breath_hold(rng, 8);
    const double dur = 18;
    int first_series = -1;
    for (int e = 1; e <= 2; ++e) {
      NameContext c = ctx(kind);
      c.one_series = one;
      c.phase = e == 1 ? "opp" : "in";
      if (e == 1 || !one) {
        b.add(kind, c);
        if (first_series < 0) first_series = int(plan.series.size()) - 1;
      }
      SeqParams qe = q;
      qe.te = e == 1 ? te_opp : te_in;
      VolumePlan v = b.vol(e == 1 ? Label::T1WI_Opp : Label::T1WI_In, e == 1 ? "t1_opposed" : "t1_inphase", qe, g, c, 40, dur);
      v.shift = shift;
      v.echo_number = e;
      plan.series.back().volumes.push_back(v);
      plan.series.back().multi_te = one;
      plan.series.back().acquisition_type = dixon ? "3D" : "2D";
    }
    if (dixon && rng.chance(0.6)) {
      for (const char* k : {"dixon_water", "dixon_fat"}) {
        NameContext c = ctx(k);
        SeriesPlan& s = b.add(k, c);
        s.acquisition_type = "3D";
        // Rendered as the separated water or fat signal at the in-phase echo (what a complex Dixon fit returns).
        const bool water = std::string(k) == "dixon_water";
        SeqParams qd = q;
        qd.te = te_in;
        qd.fatsup = FatSup::Dixon;
        qd.fat_residual = water ? 0.03 : 1.0;
        qd.water_scale = water ? 1.0 : 0.02;
        VolumePlan v = b.vol(Label::Other, k, qd, g, c, 40, dur);
        v.shift = shift;
        v.derived = water ? Derived::DixonWater : Derived::DixonFat;
        s.volumes.push_back(v);
      }
    }
    b.advance(dur);
  }
  plan.agent = std::string(rng.chance(0.3) ? "gadoxetate" : rng.chance(0.5) ? "gadobutrol" : "gadoterate");
  // 5. T2 with fat suppression.
  {
    NameContext c = ctx("t2fs");
    double u2 = rng.uniform();
    c.fatsup = plan.vendor == Vendor::Philips && u2 < 0.35 ? FatSup::Spir : u2 < 0.8 ? FatSup::Spair : FatSup::Stir;
    c.single_shot = c.fatsup != FatSup::Stir && rng.chance(0.4);
    SeriesPlan& s = b.add("t2fs", c);
    SeqParams q;
    q.family = c.fatsup == FatSup::Stir ? Family::Stir : c.single_shot ? Family::SsFse : Family::Fse;
    q.fatsup = c.fatsup;
    q.tr = c.fatsup == FatSup::Stir ? rng.uniform(4000, 6500) : c.single_shot ? 1300 : rng.uniform(2500, 5000);
    q.te = te_round(c.fatsup == FatSup::Stir ? rng.uniform(55, 75) : rng.uniform(70, 100));
    q.ti = c.fatsup == FatSup::Stir ? std::round((ph.field_t > 2 ? 256 : 201) + rng.uniform(-20, 15)) : 0;
    q.fat_residual = c.fatsup == FatSup::Spir ? rng.uniform(0.08, 0.3) : rng.uniform(0.03, 0.18);
    q.flip = 90;
    double tilt = rng.chance(0.15) ? rng.uniform(-12, 12) : 0.0;
    Geometry g = axial(rng, ph, dom, 320, 0.75, rng.uniform(5, 8), 1, z_lo, z_hi, tilt);
    VolumePlan v = b.vol(Label::T2WI_Fs, "t2_fs", q, g, c, 25, c.single_shot ? 25 : 160);
    v.shift = breath_hold(rng, c.single_shot ? 8 : 3);
    s.volumes.push_back(v);
    s.echo_train = c.single_shot ? 128 : 18;
    b.advance(v.duration_s);
  }
  // 6. MRCP thick slab.
  if (rng.chance(0.35)) {
    NameContext c = ctx("mrcp");
    SeriesPlan& s = b.add("mrcp", c);
    SeqParams q{Family::Mrcp, rng.uniform(4500, 8000), te_round(rng.uniform(700, 1000)), 0, 90, 0, FatSup::Spair, 0.05, -1e9};
    Geometry g = coronal(rng, ph, 256, std::round(rng.uniform(40, 70)), 0, 1);
    g.centre = {-20, ph.body_centre_y - 10, -20};
    VolumePlan v = b.vol(Label::Other, "mrcp", q, g, c, 20, 5);
    v.shift = breath_hold(rng, 8);
    s.volumes.push_back(v);
    b.advance(8);
  }
  // 7. DWI and ADC.
  {
    static const std::vector<std::vector<int>> sets = {{0, 50, 800}, {0, 500, 1000}, {50, 400, 800}, {0, 600}, {50, 800}, {0, 50, 400, 800}, {0, 800}, {50, 500, 1000}};
    std::vector<int> bs = sets[rng.next() % sets.size()];
    const bool one = !plan.deidentified && rng.chance(0.7);
    SeqParams q{Family::EpiDwi, rng.uniform(2000, 6500), te_round(rng.uniform(55, 75)), 0, 90, 0, FatSup::Spair, rng.uniform(0.01, 0.05), -1e9};
    Geometry g = axial(rng, ph, dom, 144, 0.8, rng.uniform(5, 7), rng.uniform(0.5, 1.5), z_lo, z_hi);
    Vec3 shift = breath_hold(rng, 3);  // respiratory triggered
    double dur = rng.uniform(120, 300);
    int dwi_first = int(plan.series.size());
    for (size_t i = 0; i < bs.size(); ++i) {
      NameContext c = ctx("dwi");
      c.bvalues = bs;
      c.bvalue = bs[i];
      c.one_series = one;
      if (i == 0 || !one) b.add("dwi", c).multi_b = one;
      SeqParams qb = q;
      qb.b = bs[i];
      bool high = i + 1 == bs.size() && bs[i] >= 400;
      VolumePlan v = b.vol(high ? Label::DWI_HighB : Label::Other, high ? "dwi_highb" : (bs[i] == 0 ? "dwi_b0" : "dwi_lowb"), qb, g, c, 16, dur);
      v.shift = shift;
      plan.series.back().volumes.push_back(v);
    }
    NameContext c = ctx("adc");
    c.bvalues = bs;
    SeriesPlan& s = b.add("adc", c);
    if (plan.vendor == Vendor::Philips) s.number = plan.series[plan.series.size() - 2].number + 1;  // 701 -> 702
    VolumePlan v = b.vol(Label::ADC, "adc", q, g, c, 16, dur);
    v.shift = shift;
    v.derived = Derived::Adc;
    for (size_t i = 0; i < bs.size(); ++i) v.sources.push_back(one ? std::make_pair(dwi_first, int(i)) : std::make_pair(dwi_first + int(i), 0));
    s.volumes.push_back(v);
    b.advance(dur);
  }
  // 8. Dynamic contrast: pre, arterial (early, late or both), portal, delayed; HBP with gadoxetate.
  {
    const bool hi = ph.field_t > 2;
    SeqParams q;
    q.family = Family::Gre3D;
    q.tr = rng.uniform(3.5, 4.8), q.te = te_round(rng.uniform(1.3, 2.2)), q.flip = std::round(rng.uniform(9, 15));
    q.fatsup = rng.chance(0.2) ? FatSup::Dixon : FatSup::QuickFs;
    q.fat_residual = q.fatsup == FatSup::Dixon ? 0.02 : rng.uniform(0.04, 0.15);
    Geometry g = axial(rng, ph, dom, rng.chance(0.5) ? 256 : 288, 0.78, rng.uniform(2.5, 4), 0, z_lo, z_hi);
    g.slices = std::min(g.slices, 72);
    const bool one = rng.chance(0.3);
    const bool gdx = plan.agent == "gadoxetate";
    plan.arrival_s = rng.uniform(12, 22);
    plan.dose_scale = (gdx ? 0.45 : 1.0) * rng.uniform(0.75, 1.25);
    struct Phase {
      Label label;
      std::string kind, name;
      double centre_after_injection;
    };
    std::vector<Phase> phases;
    const double arr = plan.arrival_s;
    auto jit = [&] { return rng.normal(0, jitter); };
    phases.push_back({Label::DCE_Pre, "dce_pre", "pre", -1e9});
    double ua = rng.uniform();
    if (ua < 0.12) phases.push_back({Label::DCE_Arterial, "dce_early_arterial", "arterial", arr + rng.uniform(3, 9) + jit()});
    if (ua < 0.12 && rng.chance(0.5)) phases.push_back({Label::DCE_Arterial, "dce_late_arterial", "arterial", arr + rng.uniform(22, 28) + jit()});
    if (ua >= 0.12) phases.push_back({Label::DCE_Arterial, "dce_late_arterial", "arterial", arr + rng.uniform(12, 22) + jit()});
    phases.push_back({Label::DCE_Portal, "dce_portal", "portal", rng.uniform(60, 85) + jit()});
    double del = rng.chance(0.15) ? rng.uniform(300, 420) : rng.uniform(150, 300);
    phases.push_back({Label::DCE_Delayed, gdx ? "dce_transitional" : "dce_delayed", "delayed", del + jit()});
    const double dur = rng.uniform(14, 20);
    plan.injection_s = b.clock + dur + rng.uniform(30, 60);
    plan.phase_rule = "label = nominal phase; centre of k-space (s after injection) drawn per phase; see docs";
    Vec3 pre_shift;
    int pre_series = -1, pre_vol = -1, art_series = -1, art_vol = -1, t = 0;
    for (const Phase& p : phases) {
      NameContext c = ctx("dce");
      c.one_series = one;
      c.phase = p.name;
      if (!one || t == 0) {
        SeriesPlan& s = b.add("dce", c);
        s.acquisition_type = "3D";
        s.multi_t = one;
        if (p.label != Label::DCE_Pre) s.contrast_agent = plan.agent;
      }
      SeriesPlan& s = plan.series.back();
      if (p.label != Label::DCE_Pre) s.contrast_agent = plan.agent;
      SeqParams qp = q;
      qp.t_inj = p.centre_after_injection;
      b.clock = p.label == Label::DCE_Pre ? b.clock : plan.injection_s + p.centre_after_injection - dur / 2;
      VolumePlan v = b.vol(p.label, p.kind, qp, g, c, 35, dur);
      v.shift = breath_hold(rng, 8);
      v.temporal_index = one ? ++t : 0;
      if (!one) ++t;
      s.volumes.push_back(v);
      if (p.label == Label::DCE_Pre) pre_series = int(plan.series.size()) - 1, pre_vol = int(s.volumes.size()) - 1, pre_shift = v.shift;
      if (p.label == Label::DCE_Arterial) art_series = int(plan.series.size()) - 1, art_vol = int(s.volumes.size()) - 1;
      b.clock += dur;
    }
    (void)hi;
    if (rng.chance(0.3)) {
      NameContext c = ctx("subtraction");
      SeriesPlan& s = b.add("subtraction", c);
      s.acquisition_type = "3D";
      s.contrast_agent = plan.agent;
      VolumePlan v = plan.series[size_t(art_series)].volumes[size_t(art_vol)];
      v.label = Label::Other;
      v.kind = "subtraction";
      v.temporal_index = 0;
      v.derived = Derived::Subtraction;
      v.sources = {{art_series, art_vol}, {pre_series, pre_vol}};
      v.image_type = vendor_naming(plan.vendor, c).image_type;
      s.volumes.push_back(v);
    }
    if (gdx) {
      NameContext c = ctx("hbp");
      c.phase = "hbp";
      c.one_series = false;
      SeriesPlan& s = b.add("hbp", c);
      s.acquisition_type = "3D";
      s.contrast_agent = plan.agent;
      SeqParams qp = q;
      qp.t_inj = rng.uniform(1150, 1300);
      qp.flip = std::max(qp.flip, std::round(rng.uniform(12, 25)));  // HBP protocols raise the flip angle
      b.clock = plan.injection_s + qp.t_inj - dur / 2;
      VolumePlan v = b.vol(Label::Other, "hbp", qp, g, c, 35, dur);
      v.shift = breath_hold(rng, 8);
      s.volumes.push_back(v);
    }
  }
  // Folders for the scanner layout, per vendor export style.
  for (SeriesPlan& s : plan.series) {
    char f[96];
    switch (plan.vendor) {
      case Vendor::Siemens: {
        std::string d = s.description.empty() ? "SERIES" : s.description;
        for (char& ch : d) ch = std::isalnum(static_cast<unsigned char>(ch)) ? char(std::toupper(static_cast<unsigned char>(ch))) : '_';
        std::snprintf(f, sizeof f, "%s_%04d", d.substr(0, 48).c_str(), s.number);
        break;
      }
      case Vendor::GE: std::snprintf(f, sizeof f, "s%d", s.number); break;
      case Vendor::Philips: std::snprintf(f, sizeof f, "DICOM"); break;
      case Vendor::Canon: std::snprintf(f, sizeof f, "%d", s.number); break;
      case Vendor::Plain: std::snprintf(f, sizeof f, "series_%03d", s.number); break;
    }
    s.folder = f;
    static const std::vector<std::string> enhanceable = {"t2_nofs_cor", "t2_nofs_ax", "inopp_2d", "dixon_3d", "t2fs", "dwi", "mrcp"};
    const bool vendor_ok = plan.vendor == Vendor::Siemens || plan.vendor == Vendor::Philips;
    const bool kind_ok = std::find(enhanceable.begin(), enhanceable.end(), s.kind) != enhanceable.end();
    double u_enh = rng.uniform();
    s.enhanced = vendor_ok && kind_ok && (options.force_enhanced || u_enh < dom.enhanced_share);
  }
  return plan;
}

}  // namespace mpmri::synth
