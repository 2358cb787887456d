#pragma once
// Stage 3: the model card and the image classifier. Only src/model/classifier.cpp includes LibTorch.
#include <memory>
#include <string>
#include <vector>

#include "mpmri/error.hpp"
#include "mpmri/labels.hpp"
#include "mpmri/preprocess.hpp"

namespace mpmri {

struct ModelCard {
  std::string name;
  std::string path_json, path_pt;
  std::vector<std::string> classes;      // output order of the network (subset or all of kLabelNames)
  GridSpec grid;
  NormSpec norm;
  std::string torch_version;
  std::string sha256;                    // of the .pt file
  std::string raw_json;                  // the whole card, for provenance
};

// Reads <name>.json; checks classes are known labels and the grid is sane. Throws Error(Model).
ModelCard read_model_card(const std::string& json_path);
// Given the .pt path, finds the card beside it (same stem, .json).
ModelCard read_model_card_for(const std::string& pt_path);

class ImageClassifier {
 public:
  virtual ~ImageClassifier() = default;
  // Input: each element is one prepared volume (z,y,x as the card's grid). Output: probabilities over
  // all kNumLabels labels (classes the network lacks get 0). Throws only Error(Model): the classifier lives in
  // the LibTorch plugin, and no exception type of LibTorch's (c10::Error, out of memory on a device) may cross
  // into the program, so the plugin reports failures as text and this wrapper, compiled into the caller, throws.
  std::vector<LabelProbs> predict(const std::vector<std::vector<float>>& batch) {
    std::string error;
    std::vector<LabelProbs> out = predict_or_error(batch, error);
    if (!error.empty()) throw Error(ErrorKind::Model, error);
    return out;
  }
  virtual const ModelCard& card() const = 0;

 protected:
  // Fills `error` (and returns nothing) instead of throwing.
  virtual std::vector<LabelProbs> predict_or_error(const std::vector<std::vector<float>>& batch, std::string& error) noexcept = 0;
};

// Loads the TorchScript file, checks sha256 and a dummy forward pass against the card. Throws Error(Model).
std::unique_ptr<ImageClassifier> load_classifier(const std::string& pt_path, const std::string& device = "cpu",
                                                 int threads = 0);

// Whether this process has loaded LibTorch (through load_classifier).
bool torch_runtime_loaded();

}  // namespace mpmri
