#pragma once
// What the programs and the LibTorch plugin must agree on: they exchange ImageClassifier objects (with their
// ModelCard) across the dlopen boundary, so a plugin left over from another build must be refused, not used.
#include "mpmri/model.hpp"

namespace mpmri::model_plugin {

constexpr const char* kLoadSymbol = "mpmri_torch_load_classifier";
constexpr const char* kAbiSymbol = "mpmri_torch_plugin_abi";
constexpr const char* kFileName = "libmpmri_torch_classifier.so";

// Changes whenever the layout of what crosses the boundary does (and with the project version).
inline long abi_tag() {
  return 1000000L * MPMRI_PLUGIN_ABI_VERSION + 1000L * long(sizeof(ModelCard)) + long(sizeof(GridSpec) + sizeof(NormSpec));
}

// ImageClassifier* mpmri_torch_load_classifier(pt_path, device, threads, &error_kind, message, message_size):
// nullptr on failure with the ErrorKind and message filled in; no exception crosses the boundary.
using LoadFn = ImageClassifier* (*)(const char*, const char*, int, int*, char*, unsigned long);
using AbiFn = long (*)();

}  // namespace mpmri::model_plugin
