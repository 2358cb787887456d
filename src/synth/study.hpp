#pragma once
// One study from seed to rendered images (shared by the writer path and the in-memory truth path).
#include <string>
#include <vector>

#include "render.hpp"

namespace mpmri::synth {

struct StudyRender {
  std::uint64_t seed = 0;
  Phantom phantom;
  StudyPlan plan;
  Kinetics kinetics;
  std::vector<std::vector<Rendered>> images;  // [series][volume]
  std::vector<double> sigma;                  // noise sigma per series
};

StudyRender render_study(const SynthOptions& options, int index, const RenderFlags& flags);

// Random per-study tissue state: steatosis, iron, ADC and relaxation spread, stomach and bile content.
void personalise(Phantom& ph, Rng& rng);

std::vector<LabelRow> label_rows(const StudyRender& s);
// Every generating parameter (synth.json without the file listing).
nlohmann::json study_json(const StudyRender& s, const SynthOptions& options, int index);

// Output helpers (output.cpp).
std::string nbia_study_dir(const StudyPlan& plan);             // relative to out_dir
std::string nbia_series_dir(const StudyPlan& plan, const SeriesPlan& series);  // relative to out_dir
void write_preview_png(const StudyRender& s, const std::string& path);
void merge_labels(const std::string& out_dir);
void merge_nbia_metadata(const std::string& out_dir);

}  // namespace mpmri::synth
