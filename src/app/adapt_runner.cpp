// `adapt`: header-fact pseudo-labels of a site's archive -> preprocess (the inference path) -> fine-tune with
// scripts/train.py -> MODEL_DIR/adapted.pt + adapted.json. docs/adapt.md explains every choice.
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <spawn.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>
#include <tuple>
#include <utility>

#include "mpmri/adapt.hpp"
#include "mpmri/dicom.hpp"
#include "mpmri/io.hpp"
#include "mpmri/model.hpp"
#include "mpmri/prediction.hpp"
#include "mpmri/report.hpp"
#include "mpmri/runner.hpp"

extern char** environ;

namespace mpmri {

const char* const kNoKeywordRulesJson =
    "{\"version\": 1, \"about\": \"no keyword rule: mpmri-classify adapt labels by DICOM tags and physics only\", "
    "\"rules\": []}\n";

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string number(std::optional<double> v) {
  if (!v) return "";
  std::ostringstream s;
  s << *v;
  return s.str();
}

// Runs argv (no shell) and waits; stdout goes to `stdout_path` when given. Throws Error(Internal) on failure.
void run_tool(const std::vector<std::string>& argv, const std::string& what, const std::string& stdout_path = "") {
  std::string line;
  for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
  spdlog::info("{}: {}", what, line);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!stdout_path.empty())
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error(ErrorKind::Internal, what + ": cannot start " + argv[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw Error(ErrorKind::Internal, what + ": waitpid failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(ErrorKind::Internal, what + " failed (" +
                                         (WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                                            : std::string("killed by a signal")) +
                                         "): " + line);
}

fs::path exe_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

// scripts/ of the source tree this was built from, or of the install prefix; $MPMRI_SCRIPTS wins.
fs::path scripts_dir() {
  if (const char* env = std::getenv("MPMRI_SCRIPTS"); env && *env) return env;
  const fs::path installed = exe_dir().parent_path() / "share" / "mpmri-classify" / "scripts";
  if (fs::exists(installed / "train.py")) return installed;
  return fs::path(MPMRI_SOURCE_DIR) / "scripts";
}

std::string synth_program() {
  const fs::path beside = exe_dir() / "mpmri-synth";
  return fs::exists(beside) ? beside.string() : "mpmri-synth";
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw Error(ErrorKind::Io, "cannot read " + p.string());
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// evaluate_cache.py prints one JSON line (volumes, studies, macro_f1, micro_f1) first.
json image_only_metrics(const std::string& python, const fs::path& scripts, const std::string& model,
                        const fs::path& cache, const fs::path& out, int threads, const std::string& what) {
  run_tool({python, (scripts / "evaluate_cache.py").string(), model, cache.string(), "--threads", std::to_string(threads)},
           what, out.string());
  std::istringstream lines(slurp(out));
  std::string first;
  std::getline(lines, first);
  try {
    return json::parse(first);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::Internal, what + ": unexpected output in " + out.string() + ": " + e.what());
  }
}

// "b=800 from (0043,1039); highest b of 3" -> "b=# from (#,#); highest b of #": the rule, not the value.
// By hand, not std::regex: with std::regex linked into the program, classify with the tiny test model through the
// LibTorch plugin failed with std::bad_cast (cli_end_to_end); without it, it does not.
std::string rule_of(const std::string& note) {
  std::string out;
  for (size_t i = 0; i < note.size();) {
    if (!std::isdigit(static_cast<unsigned char>(note[i]))) {
      out += note[i++];
      continue;
    }
    while (i < note.size() && std::isdigit(static_cast<unsigned char>(note[i]))) ++i;
    if (i + 1 < note.size() && note[i] == '.' && std::isdigit(static_cast<unsigned char>(note[i + 1])))
      for (++i; i < note.size() && std::isdigit(static_cast<unsigned char>(note[i]));) ++i;
    out += '#';
  }
  return out;
}

}  // namespace

std::vector<PseudoLabel> header_pseudo_labels(const Study& study, const DecisionEngine& facts_only,
                                              double min_confidence) {
  std::vector<VolumeResult> volumes;
  for (const auto& series : study.series)
    for (const auto& v : series.volumes) {
      if (v.header.other_modality()) continue;  // the model never sees another modality's images
      VolumeResult r;
      r.info = v;
      r.info.header.series_description.clear();  // typed by people: never a pseudo-label's source
      r.info.header.protocol_name.clear();
      volumes.push_back(std::move(r));
    }
  facts_only.decide_study(volumes, Mode::Header);
  std::vector<PseudoLabel> out;
  for (const auto& r : volumes) {
    if (r.status != VolumeStatus::Ok) continue;
    bool spoke = false;  // "no header rule speaks" is Other by default, not by a fact
    for (double l : r.header.likelihood) spoke |= l != 1.0;
    if (!spoke) continue;
    const double p = r.fused[static_cast<int>(r.label)];
    if (!(p >= min_confidence)) continue;
    PseudoLabel row;
    row.study_uid = study.study_uid;
    row.series_uid = r.info.header.series_uid;
    row.echo_time_ms = r.info.echo_time_ms();
    row.b_value = r.info.b_value();
    row.temporal_index = r.info.temporal_index();
    row.label = r.label;
    row.confidence = p;
    row.manufacturer = r.info.header.manufacturer;
    row.field_strength_t = number(r.info.header.field_strength_t);
    row.notes = r.header.notes;
    out.push_back(std::move(row));
  }
  // A truth row names a volume by series, TE, b and temporal index. Volumes those keys cannot tell apart (a
  // series split by orientation or image type) share one row: kept once when their labels agree, dropped when
  // they differ (the truth reader refuses conflicting rows, and no row could name either volume alone).
  using Key = std::tuple<std::string, std::optional<double>, std::optional<double>, std::optional<int>>;
  auto key = [](const PseudoLabel& r) { return Key(r.series_uid, r.echo_time_ms, r.b_value, r.temporal_index); };
  std::map<Key, std::set<Label>> labels_of;
  std::map<Key, int> volumes_of;
  for (const auto& r : out) labels_of[key(r)].insert(r.label), ++volumes_of[key(r)];
  std::vector<PseudoLabel> named;
  for (auto& r : out)
    if (labels_of[key(r)].size() == 1 && volumes_of[key(r)] > 0) {
      r.volumes = std::exchange(volumes_of[key(r)], 0);
      named.push_back(std::move(r));
    }
  return named;
}

std::set<std::string> held_out_studies(const std::vector<std::string>& study_uids, double fraction,
                                       std::uint64_t seed) {
  std::vector<std::string> uids(study_uids);
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  if (uids.size() < 2)
    throw Error(ErrorKind::Input, "the archive has " + std::to_string(uids.size()) +
                                      " study with pseudo-labels; adapt needs at least 2 (one is held out)");
  std::stable_sort(uids.begin(), uids.end(), [seed](const std::string& a, const std::string& b) {
    return fnv1a(std::to_string(seed) + ":" + a) < fnv1a(std::to_string(seed) + ":" + b);
  });
  const long n = long(uids.size());
  const long k = std::clamp(std::lround(fraction * double(n)), 1L, n - 1);
  return std::set<std::string>(uids.begin(), uids.begin() + k);
}

std::string pseudo_label_csv(const std::vector<PseudoLabel>& rows, const std::set<std::string>& held_out) {
  std::string text = "study_uid,series_uid,echo_time_ms,b_value,temporal_index,label,manufacturer,field_strength_t,"
                     "confidence,split,evidence\n";
  for (const auto& r : rows) {
    std::string evidence;
    for (const auto& n : r.notes) evidence += (evidence.empty() ? "" : "; ") + n;
    std::ostringstream conf;
    conf.precision(6);
    conf << r.confidence;
    const std::string fields[] = {r.study_uid, r.series_uid, number(r.echo_time_ms), number(r.b_value),
                                  r.temporal_index ? std::to_string(*r.temporal_index) : "",
                                  std::string(to_string(r.label)), r.manufacturer, r.field_strength_t, conf.str(),
                                  held_out.count(r.study_uid) ? "held_out" : "train", evidence};
    for (size_t k = 0; k < std::size(fields); ++k) text += (k ? "," : "") + csv_escape(fields[k]);
    text += "\n";
  }
  return text;
}

Outcome run_adapt(const AdaptOptions& o) {
  if (o.inputs.empty()) throw Error(ErrorKind::Usage, "no archive given");
  if (o.out_dir.empty()) throw Error(ErrorKind::Usage, "-o MODEL_DIR is required");
  if (o.min_per_class < 1) throw Error(ErrorKind::Usage, "--min-per-class must be at least 1");
  const std::string base = o.base_model.empty() ? default_model_path() : o.base_model;
  const ModelCard base_card = read_model_card_for(base);
  const json base_json = json::parse(base_card.raw_json);
  const json& arch = base_json.at("architecture");
  auto joined = [](const json& a) {
    std::string s;
    for (const auto& v : a) s += (s.empty() ? "" : ",") + std::to_string(v.get<int>());
    return s;
  };
  const int threads = o.jobs > 0 ? o.jobs : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const fs::path out(o.out_dir), work = fs::path(o.out_dir) / "adapt-work";
  const fs::path scripts = scripts_dir();
  std::error_code ec;
  fs::remove_all(work, ec);  // caches are resumable: a stale one from another run must not be reused
  fs::create_directories(work, ec);
  if (ec) throw Error(ErrorKind::Io, "cannot create " + work.string() + ": " + ec.message());
  struct WorkCleanup {  // caches and synthetic studies can be large: gone after the run, whatever its end
    fs::path dir;
    bool keep;
    ~WorkCleanup() {
      std::error_code ignored;
      if (!keep) fs::remove_all(dir, ignored);
    }
  } cleanup{work, o.keep_work};

  // 1. Pseudo-labels from DICOM facts and physics only.
  const fs::path no_rules = work / "no_keyword_rules.json";
  write_file_atomic(no_rules.string(), kNoKeywordRulesJson);
  DecisionConfig facts_config;
  facts_config.keyword_rules_path = no_rules.string();
  const DecisionEngine facts(facts_config);
  ScanOptions scan_options;
  scan_options.threads = threads;
  const ScanResult scan = scan_folders(o.inputs, scan_options);
  std::vector<PseudoLabel> labels;
  long volumes_seen = 0;
  for (const auto& study : scan.studies) {
    for (const auto& s : study.series) volumes_seen += long(s.volumes.size());
    auto rows = header_pseudo_labels(study, facts, o.min_confidence);
    labels.insert(labels.end(), rows.begin(), rows.end());
  }
  std::map<Label, long> per_class;
  std::map<Label, std::map<std::string, long>> rules_per_class;
  std::vector<std::string> labelled_studies;
  long labelled_volumes = 0;
  for (const auto& r : labels) {
    per_class[r.label] += r.volumes;
    labelled_volumes += r.volumes;
    for (const auto& n : r.notes) rules_per_class[r.label][rule_of(n)] += r.volumes;
    labelled_studies.push_back(r.study_uid);
  }
  std::string counts_text;
  for (int i = 0; i < kNumLabels; ++i) {
    const Label l = static_cast<Label>(i);
    counts_text += (i ? ", " : "") + std::string(to_string(l)) + " " + std::to_string(per_class[l]);
  }
  spdlog::info("{} studies, {} volumes; header facts decide {} volumes (posterior >= {}): {}", scan.studies.size(),
               volumes_seen, labelled_volumes, o.min_confidence, counts_text);
  bool any_class_enough = false;
  for (const auto& [label, n] : per_class) any_class_enough |= n >= o.min_per_class;
  if (!any_class_enough)
    throw Error(ErrorKind::Input, "the archive yields fewer than " + std::to_string(o.min_per_class) +
                                      " header-decided volumes (--min-per-class) for every class (" + counts_text +
                                      "); nothing to adapt to");
  const std::set<std::string> held_out = held_out_studies(labelled_studies, o.held_out_fraction, o.seed);
  std::vector<PseudoLabel> train_rows, held_rows;
  for (const auto& r : labels) (held_out.count(r.study_uid) ? held_rows : train_rows).push_back(r);
  fs::create_directories(out, ec);
  write_file_atomic((out / "pseudo_labels.csv").string(), pseudo_label_csv(labels, held_out));
  write_file_atomic((work / "site_train.csv").string(), pseudo_label_csv(train_rows, held_out));
  write_file_atomic((work / "site_held_out.csv").string(), pseudo_label_csv(held_rows, held_out));
  if (o.labels_only) {
    spdlog::info("wrote {}; --labels-only: no training", (out / "pseudo_labels.csv").string());
    Outcome outcome;
    outcome.ok = labelled_volumes;
    return outcome;
  }

  // 2. Model inputs by the inference path.
  auto preprocess = [&](const std::vector<std::string>& inputs, const fs::path& truth, const fs::path& cache) {
    PreprocessOptions p;
    p.inputs = inputs;
    p.labels_csv = truth.string();
    p.out_dir = cache.string();
    p.card_path = base_card.path_json;
    p.jobs = threads;
    const Outcome done = run_preprocess(p);
    if (done.ok == 0) throw Error(ErrorKind::Input, "preprocess wrote no model input to " + cache.string());
    return done;
  };
  const long train_volumes = preprocess(o.inputs, work / "site_train.csv", work / "cache-site-train").ok;
  const long held_volumes = preprocess(o.inputs, work / "site_held_out.csv", work / "cache-site-held-out").ok;

  // 3. Synthetic studies for the classes the site lacks, so that nothing is forgotten.
  std::vector<std::string> missing;
  for (int i = 0; i < kNumLabels; ++i)
    if (per_class[static_cast<Label>(i)] < o.min_per_class) missing.emplace_back(to_string(static_cast<Label>(i)));
  std::vector<std::string> caches{(work / "cache-site-train").string()};
  long synth_volumes = 0;
  // A seed of its own: mpmri-synth's study UIDs follow (seed, index), and a synthetic site made with the same seed
  // must not share studies with these.
  const std::uint64_t synth_seed = 1000003 + o.seed;
  if ((!missing.empty() || o.replay) && o.synth_studies > 0) {
    std::vector<std::string> cmd{synth_program(), "--out", (work / "synth").string(), "--studies",
                                 std::to_string(o.synth_studies), "--seed", std::to_string(synth_seed), "--jobs",
                                 std::to_string(threads), "--log-level", "warn"};
    if (o.synth_max_slices > 0) cmd.insert(cmd.end(), {"--max-slices", std::to_string(o.synth_max_slices)});
    run_tool(cmd, o.replay ? std::string("synthetic studies to replay") : "synthetic studies for " + std::to_string(missing.size()) + " classes");
    const CsvTable synth = parse_csv(slurp(work / "synth" / "labels.csv"));
    const auto label_col = std::find(synth.header.begin(), synth.header.end(), "label") - synth.header.begin();
    std::string kept;
    for (size_t k = 0; k < synth.header.size(); ++k) kept += (k ? "," : "") + csv_escape(synth.header[k]);
    kept += "\n";
    for (const auto& row : synth.rows) {
      const auto label = parse_label(row.at(label_col));
      if (!label) continue;
      if (!o.replay && std::find(missing.begin(), missing.end(), std::string(to_string(*label))) == missing.end()) continue;
      for (size_t k = 0; k < row.size(); ++k) kept += (k ? "," : "") + csv_escape(row[k]);
      kept += "\n";
      ++synth_volumes;
    }
    if (synth_volumes > 0) {
      write_file_atomic((work / "synth_train.csv").string(), kept);
      preprocess({(work / "synth").string()}, work / "synth_train.csv", work / "cache-synth");
      caches.push_back((work / "cache-synth").string());
    }
  }

  // 4. Fine-tune the base model's own weights on them; the held-out studies choose the best epoch.
  run_tool({o.python, (scripts / "unfreeze_weights.py").string(), base, (work / "base.npz").string()},
           "recover the base model's weights");
  const fs::path held_cache = work / "cache-site-held-out";
  const json before = image_only_metrics(o.python, scripts, base, held_cache, work / "before.txt", threads,
                                         "base model on the held-out studies");
  std::ostringstream minutes, lr, fraction;
  minutes << o.minutes;
  lr << o.lr;
  fraction << o.held_out_fraction;
  std::vector<std::string> train{o.python, (scripts / "train.py").string(), "--cache"};
  train.insert(train.end(), caches.begin(), caches.end());
  train.insert(train.end(),
               {"--val-cache", held_cache.string(), "--name", "adapted", "--models-dir", out.string(), "--work",
                (work / "run").string(), "--widths", joined(arch.at("widths")), "--blocks", joined(arch.at("blocks")),
                "--init", (work / "base.npz").string(), "--freeze-bn-stats", "--aug", "realism", "--lr", lr.str(),
                "--max-minutes", minutes.str(), "--schedule", "epochs", "--epochs", std::to_string(o.epochs),
                "--patience", std::to_string(o.patience), "--epoch-samples", std::to_string(o.epoch_samples),
                "--batch", "16", "--threads", std::to_string(threads), "--device", o.device, "--seed",
                std::to_string(o.seed), "--data-note",
                "mpmri-classify adapt: " + base_card.name + " fine-tuned on header-fact pseudo-labels of a site archive" +
                    (synth_volumes ? (o.replay ? " and synthetic studies (all classes, replayed)"
                                            : " and synthetic volumes of the classes it lacks")
                                   : "")});
  run_tool(train, "fine-tune");
  const fs::path adapted = out / "adapted.pt";
  const json after = image_only_metrics(o.python, scripts, adapted.string(), held_cache, work / "after.txt", threads,
                                        "adapted model on the held-out studies");

  // 5. The card: what train.py wrote, plus where the data came from and what it changed.
  json card = json::parse(slurp(out / "adapted.json"));
  json per_class_json = json::object(), rules_json = json::object();
  std::vector<std::string> warnings;
  for (int i = 0; i < kNumLabels; ++i) {
    const Label l = static_cast<Label>(i);
    const std::string name(to_string(l));
    per_class_json[name] = per_class[l];
    std::vector<std::pair<long, std::string>> top;
    for (const auto& [rule, n] : rules_per_class[l]) top.emplace_back(-n, rule);
    std::sort(top.begin(), top.end());
    json list = json::array();
    for (size_t k = 0; k < top.size() && k < 5; ++k) list.push_back({{"rule", top[k].second}, {"volumes", -top[k].first}});
    rules_json[name] = list;
    if (per_class[l] < o.min_per_class)
      warnings.push_back(name + ": " + std::to_string(per_class[l]) + " site volumes (< --min-per-class " +
                         std::to_string(o.min_per_class) + "); " +
                         (synth_volumes ? "learned from synthetic studies only, not adapted to this site"
                                        : "no synthetic studies added"));
  }
  const double f1_before = before.value("macro_f1", 0.0), f1_after = after.value("macro_f1", 0.0);
  if (!(f1_after > f1_before)) {
    std::ostringstream w;
    w << std::fixed << std::setprecision(4) << "the adapted model is no better than the base on the held-out studies "
      << "(image-only macro-F1 " << f1_before << " -> " << f1_after << ", pseudo-labels as truth): keep the base model";
    warnings.push_back(w.str());
  }
  std::set<std::string> studies_all(labelled_studies.begin(), labelled_studies.end());
  card["name"] = "adapted";
  card["adaptation"] = {
      {"base_model", {{"path", fs::absolute(base).string()}, {"name", base_card.name}, {"sha256", base_card.sha256}}},
      {"site",
       {{"inputs", o.inputs},
        {"studies", scan.studies.size()},
        {"volumes", volumes_seen},
        {"studies_with_pseudo_labels", studies_all.size()},
        {"pseudo_labelled_volumes", labelled_volumes},
        {"volumes_per_class", per_class_json},
        {"train_studies", studies_all.size() - held_out.size()},
        {"train_volumes", train_volumes},
        {"held_out_studies", held_out.size()},
        {"held_out_volumes", held_volumes}}},
      {"pseudo_labels",
       {{"source", "header mode with no keyword rule and SeriesDescription/ProtocolName blanked: DICOM tags and MR "
                   "physics only (docs/adapt.md)"},
        {"min_confidence", o.min_confidence},
        {"rules_per_class", rules_json},
        {"file", (out / "pseudo_labels.csv").string()}}},
      {"synthetic", {{"classes", missing}, {"replay", o.replay}, {"studies", synth_volumes ? o.synth_studies : 0}, {"volumes", synth_volumes},
                     {"seed", synth_seed}}},
      {"held_out_image_only",
       {{"split", "by study: the studies ordered by FNV-1a of '<seed>:<study_uid>', the first round(" +
                      fraction.str() + " x n), at least 1, never all"},
        {"truth", "the pseudo-labels (header facts), not a radiologist's"},
        {"before", before},
        {"after", after}}},
      {"warnings", warnings},
      {"budget", {{"minutes", o.minutes}, {"epochs", o.epochs}, {"epoch_samples", o.epoch_samples}}},
      {"seed", o.seed},
      {"device", o.device},
      {"arguments", o.arguments},
      {"tool_version", tool_version()}};
  write_file_atomic((out / "adapted.json").string(), card.dump(2) + "\n");
  for (const auto& w : warnings) spdlog::warn("{}", w);
  spdlog::info("held-out image-only macro-F1 (pseudo-label truth): before {:.4f}, after {:.4f}",
               before.value("macro_f1", 0.0), after.value("macro_f1", 0.0));
  spdlog::info("wrote {} and its card", adapted.string());
  Outcome outcome;
  outcome.ok = labelled_volumes;
  return outcome;
}

}  // namespace mpmri
