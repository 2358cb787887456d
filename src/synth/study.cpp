#include "study.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "anatomy.hpp"
#include "dicom_writer.hpp"
#include "mpmri/error.hpp"
#include "mpmri/io.hpp"

namespace mpmri::synth {

namespace fs = std::filesystem;

void personalise(Phantom& ph, Rng& rng) {
  auto& t = ph.tissue;
  auto at = [&](Tissue x) -> TissueParams& { return t[static_cast<int>(x)]; };
  for (auto& p : t) {
    p.t1 *= rng.uniform(0.93, 1.07);
    p.t2 *= rng.uniform(0.93, 1.07);
  }
  double ff = rng.chance(0.7) ? rng.uniform(0.005, 0.05) : rng.uniform(0.08, 0.35);
  at(Tissue::Liver).ff = ff;
  ph.liver_ff = ff;
  double r2s_base = at(Tissue::Liver).r2s;
  if (rng.chance(0.15)) {  // iron overload: R2* several times normal (spleen too in transfusional iron)
    double k = rng.uniform(2, 6);
    at(Tissue::Liver).r2s *= k;
    if (rng.chance(0.5)) at(Tissue::Spleen).r2s *= k * 0.7;
  }
  ph.liver_r2s = at(Tissue::Liver).r2s;
  (void)r2s_base;
  for (Tissue x : {Tissue::Liver, Tissue::Spleen, Tissue::KidneyCortex, Tissue::KidneyMedulla, Tissue::Pancreas, Tissue::Hcc,
                   Tissue::Metastasis, Tissue::Hemangioma, Tissue::Cyst})
    at(x).adc *= rng.uniform(0.88, 1.12);
  if (rng.chance(0.5)) {  // gas-filled stomach
    at(Tissue::StomachContent).pd = 0.03;
    at(Tissue::StomachContent).r2s = 400;
  }
  if (rng.chance(0.25)) {  // concentrated bile: short T1
    at(Tissue::Gallbladder).t1 = rng.uniform(700, 1500);
    at(Tissue::Gallbladder).t2 = rng.uniform(150, 300);
  }
}

// Whether study `index` gets a real-anatomy body. The mix draw has its own stream, so that the phantom
// studies of a mix are exactly those of --anatomy phantom.
bool real_anatomy(const SynthOptions& options, int index) {
  if (options.anatomy == "phantom") return false;
  if (options.anatomy == "real") return true;
  if (options.anatomy == "mix") return Rng(mix_seed(options.seed, std::uint64_t(index), 0x616E61ull)).chance(0.5);
  throw Error(ErrorKind::Usage, "unknown --anatomy '" + options.anatomy + "' (phantom, real, mix)");
}

StudyRender render_study(const SynthOptions& options, int index, const RenderFlags& flags) {
  StudyRender s;
  s.seed = mix_seed(options.seed, std::uint64_t(index));
  DomainPreset dom = domain_preset(options.domain);
  Rng rng(s.seed);
  double field = dom.fields[rng.next() % dom.fields.size()];
  Rng rng_anatomy(rng.fork());
  auto t0 = std::chrono::steady_clock::now();
  auto secs = [](auto a) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count(); };
  s.phantom = real_anatomy(options, index) ? build_anatomy_phantom(rng_anatomy, field, anatomy_library(options.anatomy_dir))
                                           : build_phantom(rng_anatomy, field);
  spdlog::debug("study {}: phantom {:.2f} s", index, secs(t0));
  personalise(s.phantom, rng_anatomy);
  if (options.liver_fat_fraction >= 0) {
    s.phantom.tissue[static_cast<int>(Tissue::Liver)].ff = options.liver_fat_fraction;
    s.phantom.liver_ff = options.liver_fat_fraction;
  }
  s.plan = plan_study(rng, dom, index, s.seed, options, s.phantom);
  if (options.max_slices > 0) {
    for (auto& se : s.plan.series)
      for (auto& v : se.volumes) v.geo.slices = std::min(v.geo.slices, options.max_slices);
  }
  if (options.clean_artefacts) {
    for (auto& se : s.plan.series)
      for (auto& v : se.volumes) v.shift = {};
  }
  s.kinetics = make_kinetics(s.plan.agent, field, s.plan.arrival_s, s.plan.dose_scale, rng.uniform(0.36, 0.46));
  RenderFlags rf = flags;
  if (options.clean_artefacts) rf.artefacts = false;
  const auto& plan = s.plan;
  s.images.resize(plan.series.size());
  s.sigma.assign(plan.series.size(), 0);
  for (size_t si = 0; si < plan.series.size(); ++si) {
    const SeriesPlan& se = plan.series[si];
    auto ts = std::chrono::steady_clock::now();
    s.images[si].resize(se.volumes.size());
    SeqParams ref = se.volumes.front().seq;
    ref.b = 0;
    ref.water_scale = 1;
    ref.fat_residual = std::max(ref.fat_residual, 0.05);
    Tissue ref_t = ref.family == Family::Mrcp ? Tissue::Gallbladder : Tissue::Liver;
    double ref_signal = tissue_signal(s.phantom, ref_t, ref, s.kinetics);
    if (ref.family == Family::Mrcp) ref_signal *= 0.1;  // ducts fill ~10% of a thick slab's depth
    s.sigma[si] = ref_signal / se.volumes.front().snr;
    for (size_t vi = 0; vi < se.volumes.size(); ++vi) {
      const VolumePlan& v = se.volumes[vi];
      std::uint64_t seed = mix_seed(s.seed, 100 + si, vi);
      Rendered& r = s.images[si][vi];
      if (v.derived == Derived::Adc) {
        std::vector<const Rendered*> src;
        std::vector<double> bv;
        for (auto [a, b] : v.sources) {
          src.push_back(&s.images[size_t(a)][size_t(b)]);
          bv.push_back(plan.series[size_t(a)].volumes[size_t(b)].seq.b);
        }
        r = *src.front();
        r.data = compute_adc(src, bv, 4 * s.sigma[size_t(v.sources.front().first)] + 1e-6);
      } else if (v.derived == Derived::Subtraction) {
        const Rendered& post = s.images[size_t(v.sources[0].first)][size_t(v.sources[0].second)];
        const Rendered& pre = s.images[size_t(v.sources[1].first)][size_t(v.sources[1].second)];
        r = post;
        r.data = compute_subtraction(post, pre);
        s.sigma[si] = s.sigma[size_t(v.sources[0].first)];
      } else {
        r = render_volume(s.phantom, s.kinetics, v, s.sigma[si], seed, rf);
      }
    }
    const Geometry& g0 = se.volumes.front().geo;
    spdlog::debug("study {}: series {} {} {}x{}x{} x{} rendered in {:.2f} s", index, se.number, se.kind, g0.cols, g0.rows,
                  g0.slices, se.volumes.size(), secs(ts));
  }
  return s;
}

std::vector<LabelRow> label_rows(const StudyRender& s) {
  std::vector<LabelRow> rows;
  const StudyPlan& plan = s.plan;
  for (const SeriesPlan& se : plan.series) {
    for (size_t vi = 0; vi < se.volumes.size(); ++vi) {
      const VolumePlan& v = se.volumes[vi];
      LabelRow r;
      r.study_uid = plan.study_uid;
      r.series_uid = make_uid(plan.seed, 2, std::uint64_t(se.number));
      if (se.multi_te) r.echo_time_ms = format_ds(v.seq.te);
      if (se.multi_b) r.b_value = format_ds(v.seq.b);
      if (se.multi_t) r.temporal_index = std::to_string(v.temporal_index);
      r.label = v.label;
      r.manufacturer = vendor_name(plan.vendor);
      r.field_strength_t = plan.field_t;
      r.domain = plan.domain;
      r.deidentified = plan.deidentified;
      r.series_kind = v.kind;
      rows.push_back(r);
      // A three-plane localizer splits by orientation only; its volumes share one label, so one row.
      if (se.kind == "localizer") break;
    }
  }
  return rows;
}

std::vector<std::string> domain_names() { return {"train", "external", "external-3t", "deid"}; }
std::vector<std::string> anatomy_names() { return {"phantom", "real", "mix"}; }

std::string labels_csv_header() {
  return "study_uid,series_uid,echo_time_ms,b_value,temporal_index,label,manufacturer,field_strength_t,domain,deidentified,series_kind";
}

std::string to_csv_line(const LabelRow& r) {
  auto q = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
  };
  return q(r.study_uid) + "," + q(r.series_uid) + "," + r.echo_time_ms + "," + r.b_value + "," + r.temporal_index + "," +
         std::string(to_string(r.label)) + "," + q(r.manufacturer) + "," + format_ds(r.field_strength_t) + "," + q(r.domain) +
         "," + (r.deidentified ? "1" : "0") + "," + q(r.series_kind);
}

namespace {
const char* family_name(Family f) {
  static const char* n[] = {"gre2d", "gre3d", "fse", "ssfse", "stir", "epi_dwi", "ssfp", "mrcp"};
  return n[static_cast<int>(f)];
}
const char* fatsup_name(FatSup f) {
  static const char* n[] = {"none", "spair", "spir", "stir", "quick_fs", "dixon"};
  return n[static_cast<int>(f)];
}
}  // namespace

nlohmann::json study_json(const StudyRender& s, const SynthOptions& options, int index) {
  nlohmann::json j = s.plan.describe();
  j["options"] = {{"seed", options.seed}, {"index", index}, {"domain", options.domain}, {"layout", options.layout},
                  {"deidentify_fraction", options.deidentify_fraction}, {"clean_artefacts", options.clean_artefacts},
                  {"max_slices", options.max_slices}};
  if (options.anatomy != "phantom") j["options"]["anatomy"] = options.anatomy;  // phantom-only synth.json unchanged
  j["study_seed"] = s.seed;
  j["phantom"] = s.phantom.describe();
  j["kinetics"] = {{"agent", s.kinetics.agent}, {"r1_blood", s.kinetics.r1_blood}, {"r1_hepatocyte", s.kinetics.r1_hepatocyte},
                   {"dose_scale", s.kinetics.dose_scale}, {"arrival_s", s.kinetics.arrival_s}, {"hct", s.kinetics.hct}};
  nlohmann::json series_json = nlohmann::json::array();
  for (size_t si = 0; si < s.plan.series.size(); ++si) {
    const SeriesPlan& se = s.plan.series[si];
    nlohmann::json sj = {{"number", se.number}, {"kind", se.kind}, {"description", se.description}, {"enhanced", se.enhanced},
                         {"noise_sigma", s.sigma[si]}, {"multi_te", se.multi_te}, {"multi_b", se.multi_b}, {"multi_t", se.multi_t}};
    nlohmann::json vj = nlohmann::json::array();
    for (const VolumePlan& v : se.volumes)
      vj.push_back({{"label", std::string(to_string(v.label))}, {"kind", v.kind}, {"family", family_name(v.seq.family)},
                    {"fatsup", fatsup_name(v.seq.fatsup)}, {"te_ms", v.seq.te}, {"tr_ms", v.seq.tr},
                    {"ti_ms", v.seq.ti}, {"flip_deg", v.seq.flip}, {"b", v.seq.b}, {"fat_residual", v.seq.fat_residual},
                    {"t_after_injection_s", v.seq.t_inj < -1e8 ? nlohmann::json(nullptr) : nlohmann::json(v.seq.t_inj)},
                    {"acquisition_time_of_day_s", v.acq_time_s}, {"duration_s", v.duration_s},
                    {"shift_mm", {v.shift.x, v.shift.y, v.shift.z}}, {"snr", v.snr}, {"temporal_index", v.temporal_index},
                    {"matrix", {v.geo.cols, v.geo.rows, v.geo.slices}}, {"pixel_mm", {v.geo.px, v.geo.py}},
                    {"thickness_mm", v.geo.thickness}, {"gap_mm", v.geo.gap}, {"plane", v.geo.plane}, {"wrap_mm", v.geo.wrap}});
    sj["volumes"] = vj;
    series_json.push_back(sj);
  }
  j["series"] = series_json;
  return j;
}

StudySummary generate_study(const SynthOptions& options, int index) {
  auto t0 = std::chrono::steady_clock::now();
  StudyRender s = render_study(options, index, RenderFlags{});
  auto t_written = std::chrono::steady_clock::now();
  const StudyPlan& plan = s.plan;
  const bool nbia = options.layout == "nbia";
  StudySummary sum;
  sum.index = index;
  sum.study_uid = plan.study_uid;
  fs::path root = fs::absolute(options.out_dir);
  fs::path study_dir = nbia ? root / nbia_study_dir(plan) : root / plan.folder;
  std::error_code ec;
  fs::remove_all(study_dir, ec);  // a rerun replaces a half-written study
  fs::create_directories(study_dir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + study_dir.string() + ": " + ec.message());
  sum.folder = study_dir.string();
  int counter = 0;
  nlohmann::json j = study_json(s, options, index);
  nlohmann::json& series_json = j["series"];
  std::string meta_rows;
  for (size_t si = 0; si < plan.series.size(); ++si) {
    const SeriesPlan& se = plan.series[si];
    std::vector<std::vector<float>> vols;
    for (auto& r : s.images[si]) vols.push_back(r.data);
    std::string nbia_dir = nbia ? (root / nbia_series_dir(plan, se)).string() : "";
    SeriesOutput out = write_series(plan, se, vols, study_dir.string(), nbia_dir, counter);
    sum.files += int(out.files.size());
    std::size_t bytes = 0;
    for (auto& f : out.files) bytes += f.bytes;
    if (nbia) {
      char size_buf[32];
      std::snprintf(size_buf, sizeof size_buf, "%.2f MB", bytes / 1e6);
      std::string desc = plan.deidentified ? "" : se.description;
      const std::string& d = plan.study_date;
      meta_rows += make_uid(plan.seed, 2, std::uint64_t(se.number)) + ",SYNTH-LIVER-MPMRI,NO,," + plan.patient_id + "," +
                   plan.study_uid + ",\"" + plan.study_description + "\"," + d.substr(4, 2) + "-" + d.substr(6, 2) + "-" +
                   d.substr(0, 4) + ",\"" + desc + "\"," + "\"" + vendor_name(plan.vendor) + "\",MR,MR Image Storage," +
                   (se.enhanced ? "1.2.840.10008.5.1.4.1.1.4.1" : "1.2.840.10008.5.1.4.1.1.4") + "," +
                   std::to_string(out.files.size()) + "," + size_buf + ",./" + nbia_series_dir(plan, se) + "," +
                   "2026-01-01T00:00:00.000\n";
    }
    series_json[si]["files"] = out.files.size();
    series_json[si]["folder"] = fs::relative(out.dir, root).string();
  }
  spdlog::debug("study {}: rendered in {:.2f} s, written in {:.2f} s", index,
                std::chrono::duration<double>(t_written - t0).count(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t_written).count());
  sum.rows = label_rows(s);
  write_file_atomic((study_dir / "synth.json").string(), j.dump(1));
  if (nbia) write_file_atomic((study_dir / "metadata.part.csv").string(), meta_rows);
  std::string csv = labels_csv_header() + "\n";
  for (auto& r : sum.rows) csv += to_csv_line(r) + "\n";
  write_file_atomic((study_dir / "labels.csv").string(), csv);  // last: marks the study complete
  if (options.preview) {
    fs::create_directories(root / "previews", ec);
    write_preview_png(s, (root / "previews" / (plan.folder + ".png")).string());
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

std::vector<StudySummary> run_synth(const SynthOptions& options) {
  if (options.out_dir.empty()) throw Error(ErrorKind::Usage, "--out is required");
  if (options.studies < 1) throw Error(ErrorKind::Usage, "--studies must be at least 1");
  if (options.first_index < 0) throw Error(ErrorKind::Usage, "--first-index must be >= 0");
  if (options.layout != "scanner" && options.layout != "nbia") throw Error(ErrorKind::Usage, "--layout must be scanner or nbia");
  if (options.deidentify_fraction > 1) throw Error(ErrorKind::Usage, "--deidentify-fraction must be within 0..1");
  domain_preset(options.domain);  // validates the name before any work
  real_anatomy(options, 0);       // validates --anatomy
  if (options.anatomy != "phantom") anatomy_library(options.anatomy_dir);  // loads once; a missing source is an error here
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + options.out_dir + ": " + ec.message());
  std::vector<StudySummary> out(size_t(options.studies));
  int jobs = options.jobs > 0 ? options.jobs : int(tbb::info::default_concurrency());
  tbb::global_control gc(tbb::global_control::max_allowed_parallelism, size_t(jobs));
  tbb::parallel_for(0, options.studies, [&](int i) { out[size_t(i)] = generate_study(options, options.first_index + i); });
  merge_labels(options.out_dir);
  if (options.layout == "nbia") merge_nbia_metadata(options.out_dir);
  return out;
}

}  // namespace mpmri::synth
