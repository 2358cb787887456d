#include "evidence/study_reasoning.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "evidence/fusion.hpp"

namespace mpmri::evidence {

namespace {

constexpr int kPhases = 4;
const Label kPhaseLabel[kPhases] = {Label::DCE_Pre, Label::DCE_Arterial, Label::DCE_Portal, Label::DCE_Delayed};

std::optional<double> time_of(const HeaderInfo& h) {
  if (h.acquisition_time_s) return h.acquisition_time_s;
  if (h.content_time_s) return h.content_time_s;
  return std::nullopt;
}

std::string series_name(const HeaderInfo& h) {
  std::string s = "series " + std::to_string(h.series_number);
  if (!h.series_description.empty()) s += " '" + h.series_description + "'";
  return s;
}

double transition(int from, int to, const DceParams& p) {
  if (to < from) return 0;
  if (to == from) return p.repeat[to];
  return std::pow(p.skip, to - from - 1);
}

}  // namespace

std::vector<SeriesContext> series_contexts(const std::vector<VolumeResult>& volumes) {
  // Some exports put each b-value of one DWI acquisition in its own series with one description: the
  // context spans the acquisition family (description, protocol, matrix), not only the series UID.
  std::map<std::string, SeriesContext> by_series;
  std::map<std::string, std::set<long>> bs, tes;
  // Echoes of one series are one acquisition even where each echo has its own ProtocolName (CHAOS:
  // T1DUAL_InPhase / T1DUAL_OutPhase in one series), so echo times are also gathered per series UID.
  std::map<std::string, std::set<long>> tes_in_series;
  auto family = [](const VolumeInfo& v) {
    const auto& h = v.header;
    if (h.series_description.empty() && h.protocol_name.empty()) return h.series_uid;
    return h.study_uid + "|" + h.series_description + "|" + h.protocol_name + "|" + std::to_string(v.matrix[0]) + "x" +
           std::to_string(v.matrix[1]);
  };
  // Echo times count within the family and the same ScanningSequence. Names alone do not single out an
  // acquisition: GE writes the exam's protocol, the same on every series of the study, in ProtocolName, and
  // de-identification blanks SeriesDescription, so a T2 (SE), a DWI (EP\SE) and a dual-echo GRE of one matrix
  // are one family by name, and their TEs read as a four-echo GRE. b-values still count over the whole family:
  // a Philips DWI exported as one series per b-value may carry the sequence tags in one form and not the other.
  auto echo_family = [&family](const VolumeInfo& v) { return family(v) + "|" + v.header.scanning_sequence; };
  for (const auto& v : volumes) {
    const auto& h = v.info.header;
    const std::string key = family(v.info);
    auto& ctx = by_series[key];
    auto b = v.info.b_value();
    if (b) {
      if (!ctx.max_b || *b > *ctx.max_b) ctx.max_b = b;
      bs[key].insert(std::lround(*b));
    }
    auto te = v.info.echo_time_ms();
    if (te && *te > 0) {  // TE 0: a computed map, not an echo
      tes[echo_family(v.info)].insert(std::lround(*te * 100));
      tes_in_series[h.series_uid].insert(std::lround(*te * 100));
    }
    if (ctx.field_map_sibling.empty()) {
      const std::string type = phase_or_field_map_type(h.image_type);
      if (!type.empty()) ctx.field_map_sibling = type + " in " + series_name(h);
    }
  }
  for (auto& [uid, ctx] : by_series) ctx.b_count = static_cast<int>(bs[uid].size());
  std::vector<SeriesContext> out;
  for (const auto& v : volumes) {
    out.push_back(by_series[family(v.info)]);
    for (long t : tes[echo_family(v.info)]) out.back().echo_times.push_back(t / 100.0);
    const auto& own = tes_in_series[v.info.header.series_uid];
    if (own.size() > out.back().echo_times.size()) {
      out.back().echo_times.clear();
      for (long t : own) out.back().echo_times.push_back(t / 100.0);
    }
  }
  return out;
}

std::string geometry_key(const VolumeInfo& v) {
  return v.plane + "|" + std::to_string(v.matrix[0]) + "x" + std::to_string(v.matrix[1]) + "|" +
         std::to_string(std::lround(v.pixel_spacing[0] * 20)) + "x" + std::to_string(std::lround(v.pixel_spacing[1] * 20));
}

void pair_in_opposed(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts, const FusionParams& params) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < volumes.size(); ++i)
    if (volumes[i].status == VolumeStatus::Ok && !volumes[i].header.decisive && facts[i].chemical_shift != ChemicalShift::NotApplicable &&
        facts[i].echo_time_ms && *facts[i].echo_time_ms > 0 && volumes[i].info.slices.size() >= 4)
      groups[geometry_key(volumes[i].info)].push_back(i);
  for (auto& [key, idx] : groups) {
    std::map<long, std::vector<size_t>> by_te;  // TE in 1/100 ms
    for (size_t i : idx) by_te[std::lround(*facts[i].echo_time_ms * 100)].push_back(i);
    if (by_te.size() != 2) continue;
    auto& shorter = by_te.begin()->second;
    auto& longer = by_te.rbegin()->second;
    auto phase_of = [&](const std::vector<size_t>& g) {
      for (size_t i : g)
        if (facts[i].chemical_shift != ChemicalShift::Ambiguous) return facts[i].chemical_shift;
      return ChemicalShift::Ambiguous;
    };
    ChemicalShift ps = phase_of(shorter), pl = phase_of(longer);
    auto te_text = [&](const std::vector<size_t>& g) { return fmt(*facts[g.front()].echo_time_ms) + " ms"; };
    auto apply = [&](const std::vector<size_t>& g, Label l, double lr, const std::string& note) {
      for (size_t i : g) {
        volumes[i].header.likelihood[index_of(l)] *= lr;
        volumes[i].header.notes.push_back(note);
      }
    };
    auto opposite = [](ChemicalShift c) { return c == ChemicalShift::In ? Label::T1WI_Opp : Label::T1WI_In; };
    if (ps == ChemicalShift::Ambiguous && pl != ChemicalShift::Ambiguous) {
      apply(shorter, opposite(pl), params.lr("pair_opposite"), "paired with TE " + te_text(longer) + " of the same geometry: the other phase");
    } else if (pl == ChemicalShift::Ambiguous && ps != ChemicalShift::Ambiguous) {
      apply(longer, opposite(ps), params.lr("pair_opposite"), "paired with TE " + te_text(shorter) + " of the same geometry: the other phase");
    } else if (ps == ChemicalShift::Ambiguous && pl == ChemicalShift::Ambiguous) {
      // First opposed-phase echo precedes the first in-phase echo at any field strength.
      apply(shorter, Label::T1WI_Opp, params.lr("pair_shorter_te"), "shorter TE of a dual-echo pair (" + te_text(longer) + "): opposed-phase");
      apply(longer, Label::T1WI_In, params.lr("pair_shorter_te"), "longer TE of a dual-echo pair (" + te_text(shorter) + "): in-phase");
    } else {
      // Both TEs place themselves. Single-echo volumes waited for this partner of the other phase; echoes of a
      // dual-echo series were supported by the per-volume rule already.
      const bool opposite_phases = ps != pl;
      auto settle = [&](const std::vector<size_t>& g, const std::vector<size_t>& partner, ChemicalShift own) {
        const std::string with = "paired with TE " + te_text(partner) + " (" + series_name(volumes[partner.front()].info.header) + ")";
        for (size_t i : g) {
          if (opposite_phases && facts[i].chemical_shift_awaits_partner) {
            const Label l = own == ChemicalShift::In ? Label::T1WI_In : Label::T1WI_Opp;
            volumes[i].header.likelihood[index_of(l)] *= params.lr("chemical_shift_phase");
            volumes[i].header.notes.push_back(with + " of the other phase: " + std::string(to_string(l)));
          } else {
            volumes[i].header.notes.push_back(with);
          }
        }
      };
      settle(shorter, longer, ps);
      settle(longer, shorter, pl);
    }
  }
}

void derived_adc_from_dwi(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts, const FusionParams& params) {
  for (size_t i = 0; i < volumes.size(); ++i) {
    auto& v = volumes[i];
    const auto& it = v.info.header.image_type;
    const bool derived = !it.empty() && it[0] == "DERIVED";
    const bool trace = std::find(it.begin(), it.end(), "TRACEW") != it.end() || std::find(it.begin(), it.end(), "TRACE") != it.end();
    if (v.status != VolumeStatus::Ok || v.header.decisive || !facts[i].diffusion || facts[i].b_value || !derived || trace) continue;
    for (size_t j = 0; j < volumes.size(); ++j) {
      // The partner is an acquired diffusion image: it has a b-value, or (b-values stripped) it is ORIGINAL.
      const auto& jt = volumes[j].info.header.image_type;
      const bool acquired = facts[j].b_value || (facts[j].diffusion && !jt.empty() && jt[0] == "ORIGINAL");
      if (j == i || volumes[j].status != VolumeStatus::Ok || !acquired || geometry_key(volumes[j].info) != geometry_key(v.info))
        continue;
      v.header.likelihood[index_of(Label::ADC)] *= params.lr("derived_from_dwi");
      v.header.notes.push_back("derived diffusion image without a b-value, same geometry as the DWI in " +
                               series_name(volumes[j].info.header) + ": ADC map");
      break;
    }
  }
}

PhaseChain order_phases(const std::vector<std::array<double, 4>>& local, const DceParams& params, bool pre_acquired_before) {
  const size_t n = local.size();
  PhaseChain out;
  if (n == 0) return out;
  // Viterbi for the best path, forward-backward for the marginals; both under the same monotone chain.
  std::vector<std::array<double, kPhases>> best(n), fwd(n), bwd(n);
  std::vector<std::array<int, kPhases>> from(n);
  for (int p = 0; p < kPhases; ++p) {
    double start = pre_acquired_before ? (p == 0 ? params.skip : std::pow(params.skip, p - 1)) : std::pow(params.skip, p);
    best[0][p] = std::log(std::max(local[0][p], 1e-300)) + std::log(start);
    fwd[0][p] = local[0][p] * start;
  }
  auto rescale = [](std::array<double, kPhases>& a) {
    double s = 0;
    for (double v : a) s += v;
    if (s > 0) for (double& v : a) v /= s;
  };
  rescale(fwd[0]);
  for (size_t i = 1; i < n; ++i) {
    for (int p = 0; p < kPhases; ++p) {
      best[i][p] = -1e300;
      from[i][p] = 0;
      fwd[i][p] = 0;
      for (int q = 0; q <= p; ++q) {
        double t = transition(q, p, params);
        double s = best[i - 1][q] + std::log(t);
        if (s > best[i][p]) best[i][p] = s, from[i][p] = q;
        fwd[i][p] += fwd[i - 1][q] * t;
      }
      best[i][p] += std::log(std::max(local[i][p], 1e-300));
      fwd[i][p] *= local[i][p];
    }
    rescale(fwd[i]);
  }
  bwd[n - 1].fill(1);
  for (size_t i = n - 1; i-- > 0;) {
    for (int q = 0; q < kPhases; ++q) {
      bwd[i][q] = 0;
      for (int p = q; p < kPhases; ++p) bwd[i][q] += transition(q, p, params) * local[i + 1][p] * bwd[i + 1][p];
    }
    rescale(bwd[i]);
  }
  out.path.assign(n, 0);
  out.path[n - 1] = static_cast<int>(std::max_element(best[n - 1].begin(), best[n - 1].end()) - best[n - 1].begin());
  for (size_t i = n - 1; i > 0; --i) out.path[i - 1] = from[i][out.path[i]];
  for (size_t i = 0; i < n; ++i) {
    std::array<double, kPhases> m{};
    for (int p = 0; p < kPhases; ++p) m[p] = fwd[i][p] * bwd[i][p];
    rescale(m);
    out.marginal.push_back(m);
  }
  return out;
}

std::vector<bool> assign_dce_phases(std::vector<VolumeResult>& volumes, const std::vector<VolumeFacts>& facts,
                                    const FusionParams& params, std::vector<std::vector<std::string>>& notes) {
  const auto& dp = params.dce;
  std::vector<bool> chained(volumes.size(), false);
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const auto& v = volumes[i];
    if (v.status != VolumeStatus::Ok || (v.header.decisive && !facts[i].dce_candidate)) continue;
    double mass = 0;
    for (Label l : kPhaseLabel) mass += v.fused[index_of(l)];
    if (mass >= dp.min_dce_mass || (facts[i].dce_candidate && mass >= dp.candidate_min_dce_mass))
      groups[geometry_key(v.info)].push_back(i);
  }
  for (auto& [key, idx] : groups) {
    // Time order: acquisition time when every member has one, else series number and temporal index.
    bool all_timed = std::all_of(idx.begin(), idx.end(), [&](size_t i) { return time_of(volumes[i].info.header).has_value(); });
    auto order_key = [&](size_t i) {
      const auto& v = volumes[i].info;
      int t = v.temporal_index().value_or(0);
      return std::make_tuple(all_timed ? *time_of(v.header) : 0.0, v.header.series_number, t,
                             v.header.trigger_time_ms.value_or(0), v.volume_index);
    };
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return order_key(a) < order_key(b); });
    std::optional<double> injection;
    for (size_t i : idx)
      if (!injection && volumes[i].info.header.contrast_start_time_s) injection = volumes[i].info.header.contrast_start_time_s;

    std::vector<size_t> chain;
    std::vector<std::array<double, 4>> local;
    std::vector<std::string> timing;
    for (size_t i : idx) {
      auto& v = volumes[i];
      std::array<double, 4> q{};
      for (int p = 0; p < kPhases; ++p) q[p] = v.fused[index_of(kPhaseLabel[p])];
      std::string t_note;
      // Without an injection time, the first candidate (pre-contrast, or an early phase) is the anchor:
      // nothing of the four phases comes 10 min after it, so such a volume is hepatobiliary/late.
      if (!injection && all_timed && i != idx.front()) {
        double since_first = *time_of(v.info.header) - *time_of(volumes[idx.front()].info.header);
        if (since_first >= dp.hepatobiliary_after_s) {
          double mass = 0;
          for (int p = 0; p < kPhases; ++p) mass += q[p], v.fused[index_of(kPhaseLabel[p])] = 0;
          v.fused[index_of(Label::Other)] += mass;
          notes[i].push_back(fmt(since_first / 60, 3) + " min after the first DCE volume: hepatobiliary/late phase, not one of the nine classes");
          continue;
        }
      }
      if (injection && all_timed) {
        double dt = *time_of(v.info.header) - *injection;
        t_note = fmt(dt, 4) + " s after injection";
        if (dt >= dp.hepatobiliary_after_s) {
          double mass = 0;
          for (int p = 0; p < kPhases; ++p) mass += q[p], v.fused[index_of(kPhaseLabel[p])] = 0;
          v.fused[index_of(Label::Other)] += mass;
          notes[i].push_back(fmt(dt / 60, 3) + " min after injection: hepatobiliary/late phase, not one of the nine classes");
          continue;
        }
        for (int p = 0; p < kPhases; ++p)
          if (dt >= dp.windows_s[p][0] && dt <= dp.windows_s[p][1]) q[p] *= dp.window_lr;
      }
      chain.push_back(i);
      local.push_back(q);
      timing.push_back(t_note);
    }
    // A lone candidate has no order to exploit: its phase stays what image and header say.
    if (chain.size() < 2) continue;
    // The pre-contrast phase is often its own series, with another matrix or coverage than the dynamic run
    // (then it is a group of its own here): the run's first volume is then not pre-contrast by position.
    std::optional<size_t> earlier;
    for (const auto& [other_key, other] : groups) {
      if (other_key == key) continue;
      for (size_t j : other) {
        // Only an acquired DCE candidate that the evidence places in the dynamic family (a Dixon in-phase image
        // of a VIBE protocol is a candidate by its sequence, not a phase).
        double mass = 0;
        for (Label l : kPhaseLabel) mass += volumes[j].fused[index_of(l)];
        if (!facts[j].dce_candidate || mass < dp.min_dce_mass) continue;
        const auto& a = volumes[j].info.header;
        const auto& b = volumes[chain.front()].info.header;
        const bool before = time_of(a) && time_of(b) ? *time_of(a) < *time_of(b) - 1
                                                     : a.series_number > 0 && a.series_number < b.series_number;
        if (before && (!earlier || j < *earlier)) earlier = j;
      }
    }
    PhaseChain pc = order_phases(local, dp, earlier.has_value());
    if (earlier)
      notes[chain.front()].push_back("an earlier DCE acquisition (" + series_name(volumes[*earlier].info.header) +
                                     ") lies outside this run: its first volume need not be pre-contrast");
    double t0 = all_timed ? *time_of(volumes[chain.front()].info.header) : 0;
    for (size_t k = 0; k < chain.size(); ++k) {
      auto& v = volumes[chain[k]];
      double mass = 0;
      for (int p = 0; p < kPhases; ++p) mass += v.fused[index_of(kPhaseLabel[p])];
      // The chosen phase keeps at least its share, so the label below is the path's phase.
      for (int p = 0; p < kPhases; ++p) v.fused[index_of(kPhaseLabel[p])] = mass * pc.marginal[k][p];
      int chosen = pc.path[k];
      double top = *std::max_element(pc.marginal[k].begin(), pc.marginal[k].end());
      if (pc.marginal[k][chosen] < top) v.fused[index_of(kPhaseLabel[chosen])] = mass * top * (1 + 1e-6);
      std::string n = "DCE " + std::to_string(k + 1) + " of " + std::to_string(chain.size()) + " in time order";
      if (all_timed && k > 0) n += " (+" + fmt(*time_of(v.info.header) - t0, 4) + " s";
      else if (all_timed) n += " (first";
      if (all_timed) n += timing[k].empty() ? ")" : ", " + timing[k] + ")";
      else if (!timing[k].empty()) n += " (" + timing[k] + ")";
      if (!all_timed) n += " by series number/temporal index";
      n += ": " + std::string(to_string(kPhaseLabel[chosen]));
      notes[chain[k]].push_back(n);
      chained[chain[k]] = true;
    }
  }
  return chained;
}

void link_adc_to_dwi(const std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes) {
  for (size_t i = 0; i < volumes.size(); ++i) {
    if (volumes[i].status != VolumeStatus::Ok || volumes[i].label != Label::ADC) continue;
    std::optional<size_t> match;
    for (size_t j = 0; j < volumes.size() && !match; ++j)
      if (j != i && volumes[j].status == VolumeStatus::Ok && volumes[j].label == Label::DWI_HighB &&
          geometry_key(volumes[j].info) == geometry_key(volumes[i].info))
        match = j;
    for (size_t j = 0; j < volumes.size() && !match; ++j)
      if (j != i && volumes[j].status == VolumeStatus::Ok && volumes[j].label == Label::DWI_HighB &&
          !volumes[i].info.header.protocol_name.empty() &&
          volumes[j].info.header.protocol_name == volumes[i].info.header.protocol_name)
        match = j;
    if (!match) {
      notes[i].push_back("no DWI of the same geometry or protocol in this study");
      continue;
    }
    const auto& d = volumes[*match].info;
    std::string b = d.b_value() ? " b=" + fmt(*d.b_value(), 6) : "";
    notes[i].push_back("ADC of the DWI in " + series_name(d.header) + b);
    notes[*match].push_back("its ADC map is " + series_name(volumes[i].info.header));
  }
}

void order_late_phases_by_image(std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes) {
  std::vector<size_t> late;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const auto& v = volumes[i];
    if (v.status == VolumeStatus::Ok && v.image_probs && (v.label == Label::DCE_Portal || v.label == Label::DCE_Delayed))
      late.push_back(i);
  }
  if (late.size() < 2) return;
  const Label shared = volumes[late[0]].label;
  for (size_t i : late)
    if (volumes[i].label != shared) return;
  auto earliness = [&](size_t i) {
    const auto& p = *volumes[i].image_probs;
    return std::log(p[index_of(Label::DCE_Portal)] + 1e-9) - std::log(p[index_of(Label::DCE_Delayed)] + 1e-9);
  };
  std::sort(late.begin(), late.end(), [&](size_t a, size_t b) { return earliness(a) > earliness(b); });
  const std::string all = std::to_string(late.size()) + " late-phase volumes of the study, all labelled " +
                          std::string(to_string(shared));
  for (size_t k = 0; k < late.size(); ++k) {
    auto& v = volumes[late[k]];
    const Label wanted = k == 0 ? Label::DCE_Portal : Label::DCE_Delayed;
    if (v.label == wanted) continue;
    v.label = wanted;
    v.confidence = v.fused[index_of(wanted)];
    notes[late[k]].push_back("study order: " + std::string(k == 0 ? "earliest-looking" : "later-looking") + " of " + all +
                             ": " + std::string(to_string(wanted)));
  }
}

void keep_one_high_b_per_series(std::vector<VolumeResult>& volumes, std::vector<std::vector<std::string>>& notes) {
  std::map<std::string, std::vector<size_t>> by_series;
  for (size_t i = 0; i < volumes.size(); ++i) {
    const auto& v = volumes[i];
    if (v.status == VolumeStatus::Ok && v.image_probs && v.label == Label::DWI_HighB)
      by_series[v.info.header.series_uid].push_back(i);
  }
  const int high = index_of(Label::DWI_HighB);
  for (auto& [uid, members] : by_series) {
    if (members.size() < 2) continue;
    const size_t keep = *std::max_element(members.begin(), members.end(), [&](size_t a, size_t b) {
      return (*volumes[a].image_probs)[high] < (*volumes[b].image_probs)[high];
    });
    for (size_t i : members) {
      if (i == keep) continue;
      volumes[i].label = Label::Other;
      volumes[i].confidence = 1 - volumes[i].fused[high];
      notes[i].push_back("series order: " + std::to_string(members.size()) +
                         " volumes of the series look high-b and DWI_HighB is only the highest b of a series; "
                         "volume " + std::to_string(volumes[keep].info.volume_index) + " looks higher: Other");
    }
  }
}

}  // namespace mpmri::evidence
