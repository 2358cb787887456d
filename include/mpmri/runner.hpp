#pragma once
// The study runner: scan -> split -> load -> resample -> infer -> decide -> write, one study at a time.
#include <string>
#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/evidence.hpp"

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
};

Outcome run_classify(const ClassifyOptions& options);

struct PreprocessOptions {
  std::vector<std::string> inputs;
  std::string labels_csv;            // truth file; volumes without a label are skipped
  std::string out_dir;
  std::string model_path;            // card that supplies the grid and normalisation
  std::string card_path;             // alternatively a card JSON alone (no .pt needed)
  int jobs = 0;
};

Outcome run_preprocess(const PreprocessOptions& options);

// The shipped model: $MPMRI_MODEL, else models/default.pt beside the executable's install prefix
// or the source tree it was built from.
std::string default_model_path();

}  // namespace mpmri
