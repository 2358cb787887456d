#pragma once
// `adapt`: fine-tunes a model on one site's own archive, labelled by the header facts alone (docs/adapt.md).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/evidence.hpp"
#include "mpmri/labels.hpp"
#include "mpmri/volume.hpp"

namespace mpmri {

struct AdaptOptions {
  std::vector<std::string> inputs;   // the site's archive(s)
  std::string out_dir;               // MODEL_DIR: adapted.pt, adapted.json, pseudo_labels.csv
  std::string base_model;            // empty = the shipped model
  int min_per_class = 5;             // fewer pseudo-labels than this in a class: synthetic studies fill it in
  double min_confidence = 0.7;       // header-mode posterior a pseudo-label needs (docs/adapt.md: how chosen)
  double held_out_fraction = 0.25;   // share of the site's studies kept out of training (early stopping, figures)
  double minutes = 20;               // wall-clock cap of the fine-tune
  int epochs = 8;
  int patience = 3;
  int epoch_samples = 512;
  double lr = 5e-4;
  int synth_studies = 6;             // synthetic studies generated for the classes the site lacks
  bool replay = false;               // their volumes of EVERY class train too, not only the lacking classes'
  int synth_max_slices = 0;          // 0 = full volumes (smaller only for smoke tests)
  std::string device = "cpu";
  std::uint64_t seed = 1;
  int jobs = 0;                      // 0 = all cores
  bool labels_only = false;          // stop after writing MODEL_DIR/pseudo_labels.csv (inspect them first)
  bool keep_work = false;            // keep MODEL_DIR/adapt-work (caches, logs of the steps)
  std::string python = "/usr/bin/python3";
  std::vector<std::string> arguments;  // for the card
};

// One volume the header facts decide, as a truth row for `preprocess`.
struct PseudoLabel {
  std::string study_uid, series_uid;
  std::optional<double> echo_time_ms, b_value;
  std::optional<int> temporal_index;
  Label label = Label::Other;
  double confidence = 0;
  std::string manufacturer, field_strength_t;
  std::vector<std::string> notes;  // the header rules that spoke
  int volumes = 1;                 // volumes this row names (a series split by orientation: several, same keys)
};

// A keyword-rule file with no rule: a DecisionEngine loaded from it weighs DICOM tags and physics only.
extern const char* const kNoKeywordRulesJson;

// Header-mode labels of one study's volumes from DICOM facts alone: SeriesDescription and ProtocolName are
// blanked before the rules run (the header rules read fat-suppression and dynamic words there too), so the
// engine should be loaded with kNoKeywordRulesJson. Keeps the MR volumes whose posterior of the chosen label
// is >= min_confidence.
std::vector<PseudoLabel> header_pseudo_labels(const Study& study, const DecisionEngine& facts_only,
                                              double min_confidence);

// The held-out studies: the site's studies ordered by a seeded hash of their UID, the first
// max(1, round(fraction * n)); never all of them. Needs at least two studies (Error(Input) otherwise).
std::set<std::string> held_out_studies(const std::vector<std::string>& study_uids, double fraction,
                                       std::uint64_t seed);

// The rows as a truth CSV (evaluate and preprocess read it), with confidence, split and the rules' notes.
std::string pseudo_label_csv(const std::vector<PseudoLabel>& rows, const std::set<std::string>& held_out);

// Pseudo-labels the archive, prepares the model inputs with `preprocess`, fine-tunes the base model with
// scripts/train.py (synthetic studies for the classes the site lacks), writes MODEL_DIR/adapted.pt and its card.
Outcome run_adapt(const AdaptOptions& options);

}  // namespace mpmri
