// Built when LibTorch is off: header mode still works, image mode refuses clearly.
#include "mpmri/error.hpp"
#include "mpmri/model.hpp"

namespace mpmri {

std::unique_ptr<ImageClassifier> load_classifier(const std::string&, const std::string&, int) {
  throw Error(ErrorKind::Model, "built without LibTorch: image classification is unavailable (use header mode)");
}

bool torch_runtime_loaded() { return false; }

}  // namespace mpmri
