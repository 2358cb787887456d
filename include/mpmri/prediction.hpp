#pragma once
// What the classifier, the evidence rules and the fusion produce per volume, and what the writers read.
#include <optional>
#include <string>
#include <vector>

#include "mpmri/labels.hpp"
#include "mpmri/volume.hpp"

namespace mpmri {

enum class Mode { Image, Header, Fusion };

// Header likelihoods for each label, with the plain-words reasons that produced them.
// A likelihood of 1 everywhere means "the header says nothing".
struct HeaderEvidence {
  LabelProbs likelihood{1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  std::vector<std::string> notes;  // e.g. "b=800 from (0043,1039); highest b of 3"
  bool decisive = false;           // a rule that alone fixes the label (e.g. ADC image type)
};

enum class VolumeStatus { Ok, Failed };

struct VolumeResult {
  VolumeInfo info;
  VolumeStatus status = VolumeStatus::Ok;
  std::string reason;                      // why it failed, empty when ok
  std::optional<LabelProbs> image_probs;   // softmax of the image model (absent in header mode)
  HeaderEvidence header;
  LabelProbs fused{};                      // final posterior
  Label label = Label::Other;
  double confidence = 0;
  std::string evidence;                    // plain words, joined notes
};

struct SeriesResult {
  std::string study_uid, series_uid;
  int series_number = 0;
  std::string series_description;
  Label label = Label::Other;           // one label per series (README "Series label")
  std::vector<Label> volume_labels;     // distinct labels of its volumes, in volume order
  double confidence = 0;
  VolumeStatus status = VolumeStatus::Ok;
  std::string reason;
  int volumes = 0;
};

struct StudyResult {
  std::string study_uid;
  std::vector<VolumeResult> volumes;
  std::vector<SeriesResult> series;
};

}  // namespace mpmri
