#pragma once
// The study runner: scan -> split -> load -> resample -> infer -> decide -> write, one study at a time.
#include <string>
#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/evidence.hpp"
#include "mpmri/prediction.hpp"
#include "mpmri/routing.hpp"

namespace mpmri {

struct ClassifyOptions {
  std::vector<std::string> inputs;
  std::string out_dir = "mpmri-out";
  std::string model_path;            // empty = the default model (models/ beside the binary or source tree)
  std::string device = "cpu";
  int jobs = 0;                      // 0 = all cores
  Mode mode = Mode::Fusion;
  bool json_stdout = false;
  bool progress = true;              // only drawn when stderr is a terminal
  std::string report_html;           // empty = no HTML report
  DecisionConfig decision;
  std::vector<std::string> arguments;  // for provenance
  RoutingOptions routing;            // --nifti / --sort / --sr
  // Archives (docs/archives.md): OUT/ledger.sqlite records each study; a run into the same folder skips the
  // studies it holds unchanged. --shard I/N classifies one part of the archive.
  std::string shard = "1/1";
  bool fresh = false;                // forget the ledger: classify everything anew
  bool whole_studies = true;         // read every StudyInstanceUID first: a study spread over folders is one study
  int refresh_seconds = 300;         // rewrite the outputs from the ledger at most this often during a run
};

Outcome run_classify(const ClassifyOptions& options);

class ImageClassifier;
struct ModelCard;
struct ScanOptions;

// One study on its way through the pipeline: its result so far and the model inputs of its volumes.
struct PreparedStudy {
  StudyResult result;
  std::vector<std::vector<float>> inputs;  // aligned with result.volumes; empty for failed volumes and without a card
  std::vector<FailedSeries> failed;        // the study's series that could not be loaded at all
};

// First half of classify_study: decodes every volume (in parallel), writes its thumbnail under
// options.out_dir/thumbnails when options.out_dir is set, and makes its model input when `card` is given.
// A volume that cannot be loaded is failed with its reason; nothing throws for bad input.
PreparedStudy prepare_study(Study study, const ClassifyOptions& options, const ModelCard* card, const ScanOptions& scan);

// Second half: runs the image model (when `classifier` is given; an error there fails the study's volumes with
// the reason instead of stopping the batch), decides every label with the study-level reasoning, summarises one
// row per series and adds the study's failed series.
StudyResult finish_study(PreparedStudy prepared, ImageClassifier* classifier, const DecisionEngine& decisions, Mode mode);

// The study is the unit: one library call classifies one study. The CLI's pipeline runs the two halves in
// separate stages (decoding the next study while the model runs on this one); tests and other callers use this.
StudyResult classify_study(Study study, const ClassifyOptions& options, const ModelCard* card, ImageClassifier* classifier,
                           const DecisionEngine& decisions, const ScanOptions& scan);

// `mpmri-classify merge OUT1 OUT2 ... -o OUT`: the ledgers of shard runs as one output folder.
struct MergeOptions {
  std::vector<std::string> shard_dirs;
  std::string out_dir;
  bool allow_incomplete = false;     // merge shards whose run has not finished (their studies so far)
  std::vector<std::string> arguments;
};

Outcome run_merge(const MergeOptions& options);

// The top-level entries of `archive` (folder and file names) that `--shard I/N` classifies, sorted: what a
// batch job stages to node-local scratch for its shard (scripts/slurm/). Throws Error(Usage) for a bad spec.
std::vector<std::string> shard_entries(const std::string& archive, const std::string& shard);

struct PreprocessOptions {
  std::vector<std::string> inputs;
  std::string labels_csv;            // truth file; volumes without a label are skipped
  std::string out_dir;
  std::string model_path;            // card that supplies the grid and normalisation
  std::string card_path;             // alternatively a card JSON alone (no .pt needed)
  int jobs = 0;
};

Outcome run_preprocess(const PreprocessOptions& options);

// `export RUN_DIR`: the routing outputs of a finished run, from its results.json and the source files it names
// (re-read, never classified again). A volume whose files are gone or changed counts as failed.
struct ExportOptions {
  std::string run_dir;
  RoutingOptions routing;
  int jobs = 0;
};

Outcome run_export(const ExportOptions& options);

// The shipped model: $MPMRI_MODEL, else models/default.pt beside the executable's install prefix
// or the source tree it was built from.
std::string default_model_path();

}  // namespace mpmri
