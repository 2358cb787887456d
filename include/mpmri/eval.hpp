#pragma once
// Stage: evaluation. Truth files matched against a classify run, and every figure of the seed paper
// computed the way scikit-learn does (docs/evaluation.md has the conventions).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mpmri/labels.hpp"

namespace mpmri::eval {

// Predicted-class index for a truth item that has no usable prediction (absent, failed, or keys that match
// no volume). It is a column of the confusion matrix, never a truth class, and never averaged over.
inline constexpr int kMissing = kNumLabels;
inline constexpr int kNumColumns = kNumLabels + 1;
std::string column_name(int column);  // label names, and "(missing)" for kMissing

struct ClassFigures {
  int label = 0;
  long tp = 0, fp = 0, fn = 0, tn = 0;
  long support = 0;  // truth count
  double accuracy = 0, sensitivity = 0, specificity = 0, precision = 0, f1 = 0;
};

struct Figures {
  long n = 0;
  std::vector<int> classes;                         // averaged over (sklearn labels=), ascending
  std::vector<std::vector<long>> confusion;         // [truth 0..9][predicted 0..10]
  std::vector<std::vector<double>> confusion_rows;  // row-normalised; a row without samples is all 0
  std::vector<ClassFigures> per_class;              // one per entry of `classes`
  double accuracy = 0;        // share correct, kMissing counting as wrong
  double macro_accuracy = 0;  // mean one-vs-rest accuracy over `classes` (the paper's macro-accuracy)
  double macro_f1 = 0, micro_f1 = 0, weighted_f1 = 0;
  double macro_precision = 0, macro_recall = 0;
  double kappa = 0;           // NaN when chance agreement is total (e.g. one class only), as sklearn
  // The same over `classes` without Other, for comparison with the paper (which has no Other class).
  double macro_f1_targets = 0, macro_accuracy_targets = 0, micro_f1_targets = 0;
};

// Every figure from paired truth (0..9) and predicted (0..10) indices. `classes` empty = those present in
// truth or prediction (without kMissing), as scikit-learn does. Throws Error(Input) on empty input.
Figures compute_figures(const std::vector<int>& truth, const std::vector<int>& predicted,
                        std::vector<int> classes = {});

struct Interval {
  double lo = 0, hi = 0;
  int replicates = 0;  // resamples where the figure was defined
};
struct Bootstrap {
  int resamples = 0;
  unsigned long long seed = 0;
  std::map<std::string, Interval> overall;                  // "accuracy", "macro_f1", ...
  std::map<int, std::map<std::string, Interval>> per_class;  // label -> "f1", "sensitivity", ...
};
// 95% percentile intervals from resampling whole groups (studies) with replacement; the class set stays
// that of the full data so per-class figures are comparable. Deterministic for a given seed.
Bootstrap bootstrap(const std::vector<int>& truth, const std::vector<int>& predicted, const std::vector<int>& group,
                    const std::vector<int>& classes, int resamples, unsigned long long seed);

// ---- Truth files and matching (truth.cpp) ----
enum class Level { Volume, Series };

struct TruthRow {
  int line = 0;
  std::string study_uid, series_uid;
  std::optional<double> echo_time_ms, b_value;
  std::optional<int> temporal_index;
  Label label = Label::Other;
  std::string manufacturer, field_strength_t;
  std::string domain, deidentified, series_kind;  // mpmri-synth's columns, carried into the preprocess cache
  bool has_key() const { return echo_time_ms || b_value || temporal_index; }
  int key_count() const { return !!echo_time_ms + !!b_value + !!temporal_index; }
  // The one definition of "this row names that volume" (evaluate, preprocess): every key the row fills equals
  // the volume's own value, TE within 0.01 ms, b within 1 s/mm2, temporal index exactly (docs/evaluation.md).
  bool matches(std::optional<double> te, std::optional<double> b, std::optional<int> t) const;
};
// Reads and checks a truth CSV: unknown labels and conflicting duplicates are errors (Error(Input), with
// every offending line); exact duplicates are dropped with a warning.
std::vector<TruthRow> read_truth(const std::string& path, std::vector<std::string>& warnings);

// One row of the run's volumes.csv (level volume) or series.csv (level series).
struct PredRow {
  std::string study_uid, series_uid, series_description;
  int series_number = 0, volume_index = 0;
  std::optional<double> echo_time_ms, b_value;
  std::optional<int> temporal_index;
  std::optional<Label> label;  // absent when the volume failed
  double confidence = 0;
  std::string status, reason, evidence, manufacturer, field_strength_t;
};
std::vector<PredRow> read_predictions(const std::string& pred_dir, Level level);

// One scored truth item.
struct Item {
  int truth_row = -1, pred_row = -1;  // indices into the inputs; pred_row -1 = missing
  int truth = 0, predicted = kMissing;
  std::string study, manufacturer, field_strength;  // for the bootstrap and breakdowns
  std::string note;                                  // why the prediction is missing
};
struct Matching {
  std::vector<Item> items;
  std::vector<std::string> warnings;
  std::vector<int> unscored_truth;  // truth rows left out (with a warning each)
  long unlabelled_predictions = 0;  // predictions no truth row names
};
// Matching rules in docs/evaluation.md: TE within 0.01 ms, b within 1, temporal index exact.
Matching match(const std::vector<TruthRow>& truth, const std::vector<PredRow>& predictions, Level level);

// ---- The evaluate command (evaluate.cpp) ----
struct EvaluateOptions {
  std::string pred_dir, truth_path;
  Level level = Level::Volume;
  std::string out_dir;      // empty = <pred_dir>/evaluation
  int bootstrap = 1000;     // 0 = no intervals
  unsigned long long seed = 20251001;
  std::string report_html;  // empty = none
};

struct Breakdown {
  std::string by, group;
  long n = 0;
  double accuracy = 0, macro_f1 = 0;
};

struct Evaluation {
  EvaluateOptions options;  // as run, out_dir filled in
  std::vector<TruthRow> truth;
  std::vector<PredRow> predictions;
  Figures figures;
  std::optional<Bootstrap> intervals;
  std::vector<Breakdown> breakdowns;
  Matching matching;
};

// Reads, matches, computes and writes metrics.json, per_class.csv, confusion.csv, items.csv, table.md,
// confusion.png (and the HTML report) into out_dir.
Evaluation run_evaluation(const EvaluateOptions& options);

// The paper-style Markdown table (per-class rows, then overall beside the paper's external figures),
// also printed by the command.
std::string markdown_table(const Evaluation& evaluation);

// The seed paper's figures on its TCGA-LIHC external set (no Other class).
struct PaperFigures {
  double macro_accuracy = 0.916, macro_f1 = 0.819, micro_f1 = 0.816;
};

}  // namespace mpmri::eval
