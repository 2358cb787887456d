#pragma once
// Image probabilities x header likelihoods -> posterior (docs/decision.md "Fusion").
#include <optional>
#include <string>

#include "evidence/params.hpp"
#include "mpmri/prediction.hpp"

namespace mpmri::evidence {

LabelProbs normalised(LabelProbs p);

// True when the header evidence favours no label over another (all likelihoods equal).
bool header_is_silent(const HeaderEvidence& h);

// Mode::Image: the image probabilities. Mode::Header: header likelihoods with a uniform prior.
// Mode::Fusion: prior x image^image_weight x header^header_weight. Missing image probabilities in
// fusion mode fall back to the header alone.
LabelProbs fuse(const std::optional<LabelProbs>& image, const HeaderEvidence& header, Mode mode, const FusionParams& params);

double other_threshold(Mode mode, const FusionParams& params);

// "image model: DCE_Portal 0.91 (next DCE_Arterial 0.05)"
std::string describe_image(const LabelProbs& p);

int argmax(const LabelProbs& p);

}  // namespace mpmri::evidence
