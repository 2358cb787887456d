// `preprocess`: labelled volumes -> the exact tensors inference feeds the model, as a resumable training cache.
//
// Layout of CACHE: cache.json (grid + norm + card used), studies/<study>.f32 (that study's tensors, back to back,
// float32 little-endian z,y,x), parts/<study>.csv (its manifest rows; written last, so its presence means the
// study is complete), manifest.csv (all parts merged, rewritten at the end of every run).
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for_each.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "mpmri/dicom.hpp"
#include "mpmri/io.hpp"
#include "mpmri/model.hpp"
#include "mpmri/preprocess.hpp"
#include "mpmri/report.hpp"
#include "mpmri/eval.hpp"
#include "mpmri/runner.hpp"

namespace mpmri {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using eval::TruthRow;

// The truth rows by series, read by the evaluator's reader: one definition of a row for every command.
std::map<std::string, std::vector<TruthRow>> truth_by_series(const std::string& path) {
  std::vector<std::string> warnings;
  std::map<std::string, std::vector<TruthRow>> by_series;
  for (auto& row : eval::read_truth(path, warnings)) by_series[row.series_uid].push_back(std::move(row));
  for (const auto& w : warnings) spdlog::warn("{}: {}", path, w);
  return by_series;
}

std::string safe_name(const std::string& uid) {
  std::string s = uid;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-')) c = '_';
  return s.empty() ? "_" : s;
}

const char* kManifestHeader =
    "tensor,offset,shape,label,study_uid,series_uid,volume_index,volume_key,manufacturer,field_strength_t,domain,"
    "deidentified,series_kind,series_description\n";

json cache_json(const ModelCard& card) {
  const GridSpec& g = card.grid;
  const NormSpec& n = card.norm;
  return {{"grid", {{"size_xyz", g.size}, {"fit", g.fit}, {"spacing_mm", g.spacing_mm}, {"orientation", g.orientation},
                    {"interpolation", g.interpolation}, {"pad_value", g.pad_value}}},
          {"norm", {{"low_percentile", n.low_percentile}, {"high_percentile", n.high_percentile},
                    {"out_low", n.out_low}, {"out_high", n.out_high}}},
          {"tensor_layout", "float32 little-endian, C order z,y,x, one tensor per manifest row"}};
}

struct Job {
  const VolumeInfo* volume;
  const TruthRow* row;
};

struct Counters {
  std::atomic<long> written{0}, failed{0}, unlabelled{0}, ambiguous{0};
};

// Loads, prepares and writes one study; a study with no usable volume leaves no part, so a rerun retries it.
void process_study(const Study& study, const std::map<std::string, std::vector<TruthRow>>& truth,
                   const ModelCard& card, const fs::path& out, const ScanOptions& scan_options, Counters& counts) {
  std::vector<Job> jobs;
  for (const auto& series : study.series) {
    auto it = truth.find(series.series_uid);
    for (const auto& v : series.volumes) {
      if (it == truth.end()) {
        ++counts.unlabelled;
        continue;
      }
      // The most specific matching rows win: a row keyed on t=1 beats a blank-key row of the same series.
      std::vector<const TruthRow*> hits;
      int best_keys = -1;
      for (const auto& row : it->second) {
        if (!row.matches(v.echo_time_ms(), v.b_value(), v.temporal_index())) continue;
        const int keys = row.key_count();
        if (keys > best_keys) hits.clear(), best_keys = keys;
        if (keys == best_keys) hits.push_back(&row);
      }
      if (hits.size() == 1) {
        jobs.push_back({&v, hits[0]});
      } else {
        ++(hits.empty() ? counts.unlabelled : counts.ambiguous);
        spdlog::warn("{} ({}): {} truth rows match; skipped", v.id(), v.key.describe(), hits.size());
      }
    }
  }
  if (jobs.empty()) return;

  std::vector<std::vector<float>> tensors(jobs.size());
  std::vector<std::string> errors(jobs.size());
  tbb::parallel_for(size_t(0), jobs.size(), [&](size_t i) {
    try {
      tensors[i] = prepare_model_input(load_volume(*jobs[i].volume, scan_options), card.grid, card.norm);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });

  const std::string stem = safe_name(study.study_uid);
  const std::string tensor_rel = "studies/" + stem + ".f32";
  const auto& g = card.grid.size;
  const std::string shape = std::to_string(g[2]) + "x" + std::to_string(g[1]) + "x" + std::to_string(g[0]);
  std::string blob, rows;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const VolumeInfo& v = *jobs[i].volume;
    const TruthRow& r = *jobs[i].row;
    if (!errors[i].empty()) {
      ++counts.failed;
      spdlog::error("{}: {}", v.id(), errors[i]);
      continue;
    }
    static_assert(sizeof(float) == 4, "tensors are float32");
    size_t offset = blob.size();
    blob.append(reinterpret_cast<const char*>(tensors[i].data()), tensors[i].size() * sizeof(float));
    const std::string fields[] = {tensor_rel, std::to_string(offset), shape, std::string(to_string(r.label)), study.study_uid,
                                  v.header.series_uid, std::to_string(v.volume_index), v.key.describe(),
                                  r.manufacturer.empty() ? v.header.manufacturer : r.manufacturer, r.field_strength_t,
                                  r.domain, r.deidentified, r.series_kind, v.header.series_description};
    for (size_t k = 0; k < std::size(fields); ++k) rows += (k ? "," : "") + csv_escape(fields[k]);
    rows += "\n";
    ++counts.written;
  }
  if (rows.empty()) return;
  write_file_atomic((out / tensor_rel).string(), blob);
  write_file_atomic((out / "parts" / (stem + ".csv")).string(), rows);
}

// Returns the number of volumes in the merged manifest.
long merge_manifest(const fs::path& out) {
  std::vector<fs::path> parts;
  for (const auto& e : fs::directory_iterator(out / "parts"))
    if (e.path().extension() == ".csv") parts.push_back(e.path());
  std::sort(parts.begin(), parts.end());
  std::string text = kManifestHeader;
  long rows = 0;
  for (const auto& p : parts) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    const std::string part = s.str();
    rows += long(parse_csv(kManifestHeader + part).rows.size());
    text += part;
  }
  write_file_atomic((out / "manifest.csv").string(), text);
  return rows;
}

}  // namespace

Outcome run_preprocess(const PreprocessOptions& options) {
  if (options.inputs.empty()) throw Error(ErrorKind::Usage, "no input folder given");
  if (options.out_dir.empty()) throw Error(ErrorKind::Usage, "--out is required");
  if (options.labels_csv.empty()) throw Error(ErrorKind::Usage, "--labels is required");
  ModelCard card = !options.card_path.empty()
                       ? read_model_card(options.card_path)
                       : read_model_card_for(options.model_path.empty() ? default_model_path() : options.model_path);
  const int threads = options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::max(1, threads));

  const fs::path out(options.out_dir);
  std::error_code ec;
  fs::create_directories(out / "studies", ec);
  fs::create_directories(out / "parts", ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + options.out_dir + ": " + ec.message());
  json meta = cache_json(card);
  const fs::path meta_path = out / "cache.json";
  if (fs::exists(meta_path)) {
    json old;
    try {
      old = json::parse(std::ifstream(meta_path));
    } catch (const json::exception& e) {
      throw Error(ErrorKind::Io, meta_path.string() + " is unreadable: " + e.what());
    }
    if (old["grid"] != meta["grid"] || old["norm"] != meta["norm"])
      throw Error(ErrorKind::Usage, options.out_dir + " was built with another grid or normalisation than card " +
                                        card.path_json + "; use a new --out folder");
  } else {
    meta["card"] = card.name;
    write_file_atomic(meta_path.string(), meta.dump(2) + "\n");
  }

  auto truth = truth_by_series(options.labels_csv);
  spdlog::info("truth: {} labelled series from {}", truth.size(), options.labels_csv);
  ScanOptions scan_options;
  scan_options.threads = threads;
  ScanResult scan = scan_folders(options.inputs, scan_options);

  std::vector<const Study*> todo;
  long done_before = 0;
  for (const auto& s : scan.studies) {
    if (fs::exists(out / "parts" / (safe_name(s.study_uid) + ".csv"))) {
      ++done_before;
      continue;
    }
    todo.push_back(&s);
  }
  spdlog::info("{} studies found, {} already in the cache, {} to do", scan.studies.size(), done_before, todo.size());

  Counters counts;
  std::atomic<long> studies_done{0};
  tbb::parallel_for_each(todo.begin(), todo.end(), [&](const Study* s) {
    process_study(*s, truth, card, out, scan_options, counts);
    long n = ++studies_done;
    if (n % 20 == 0 || n == long(todo.size())) spdlog::info("preprocessed {}/{} studies", n, todo.size());
  });
  const long in_cache = merge_manifest(out);

  for (const auto& f : scan.failed) spdlog::error("series {} failed: {}", f.series_uid, f.reason);
  if (counts.unlabelled || counts.ambiguous)
    spdlog::warn("{} volumes without a matching truth row and {} with several were skipped", counts.unlabelled.load(),
                 counts.ambiguous.load());
  spdlog::info("wrote {} tensors ({} failed) to {}", counts.written.load(), counts.failed.load(), options.out_dir);
  Outcome outcome;
  outcome.ok = in_cache;
  outcome.failed = counts.failed + long(scan.failed.size());
  for (const auto& s : scan.skipped) outcome.failed += s.is_error ? 1 : 0;
  return outcome;
}

}  // namespace mpmri
