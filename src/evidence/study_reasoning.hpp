#pragma once
// Study-level reasoning over the volumes of one study: in/opposed pairing, DCE phase ordering,
// ADC <-> DWI links (docs/decision.md "Study-level reasoning").
#include <array>
#include <string>
#include <vector>

#include "evidence/header_rules.hpp"
#include "evidence/params.hpp"
#include "mpmri/prediction.hpp"

namespace mpmri::evidence {

// The series context of every volume of a study (same order as the input): b-values and echo times of its
// acquisition family.
std::vector<SeriesContext> series_contexts(const std::vector<VolumeResult>& volumes);

// Volumes that could share a slab: plane, matrix and in-plane spacing (rounded).
std::string geometry_key(const VolumeInfo& v);

// Pairs non-fat-suppressed T1 GRE volumes of the same geometry with two echo times; an echo the
// chemical-shift rule left ambiguous takes the phase opposite its partner's (or shorter TE = opposed).
// Adds likelihood ratios and notes to header evidence.
void pair_in_opposed(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts, const FusionParams& params);

// A derived diffusion image without a b-value that shares its geometry with an acquired DWI of the study
// (with a b-value, or ORIGINAL when b-values were stripped) -- vendors that mark ADC maps only as
// DERIVED\SECONDARY: supports ADC. Adds likelihood ratios and notes.
void derived_adc_from_dwi(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts, const FusionParams& params);

// Result of ordering DCE candidates: the best monotone phase path and each volume's marginal phase probability.
struct PhaseChain {
  std::vector<int> path;                        // 0 pre, 1 arterial, 2 portal, 3 delayed
  std::vector<std::array<double, 4>> marginal;  // per volume, sums to 1
};

// local[i][p]: support for phase p of the i-th candidate in time order (any positive scale).
// Phases never go back in time; repeats and skips cost DceParams::repeat / skip. The chain starts most
// likely at pre-contrast, or, when `pre_acquired_before` (an earlier DCE acquisition of the study lies
// outside this run), most likely at the arterial phase.
PhaseChain order_phases(const std::vector<std::array<double, 4>>& local, const DceParams& params, bool pre_acquired_before = false);

// Groups DCE candidates by geometry, orders them in time and assigns phases jointly with their
// fused probabilities; rewrites `fused` of the candidates and adds a note for each to `notes`.
// Returns, per volume, whether its phase came from a chain of two or more (the Other threshold then
// applies to its DCE mass, not to the phase, which order alone leaves uncertain).
std::vector<bool> assign_dce_phases(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts,
                       const FusionParams& params, std::vector<std::vector<std::string>>& notes);

// Image mode: the model tells portal from delayed poorly one volume at a time (dose and timing overlap) but
// orders two of one study almost always right (360 of 360 pairs on 280 held-out synthetic studies). When two
// or more volumes of a study are labelled late-phase and all alike, the one that looks earliest
// (highest log P(portal) - log P(delayed)) is DCE_Portal and the rest DCE_Delayed. Assumes, as liver
// protocols do, a portal phase before any delayed one; a study whose late labels already differ is left alone.
void order_late_phases_by_image(std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes);

// Image mode: DWI_HighB is the highest b of its series, which one volume cannot show. When the model labels
// two or more volumes of one series DWI_HighB, only the most high-b-looking (highest P(DWI_HighB)) keeps the
// label; the others become Other (18 of 18 such demotions right on 280 held-out synthetic studies).
void keep_one_high_b_per_series(std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes);

// Notes linking each ADC volume to the DWI of the same geometry (and back), by final labels.
void link_adc_to_dwi(const std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes);

}  // namespace mpmri::evidence
