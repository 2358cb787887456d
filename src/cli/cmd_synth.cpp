// mpmri-synth options: synthetic liver mpMRI studies as scanner-like DICOM with labels.csv.
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "command.hpp"
#include "mpmri/synth.hpp"

namespace mpmri::cli {

void add_synth_options(CLI::App& app, CommandSlot& slot) {
  auto opt = std::make_shared<synth::SynthOptions>();
  app.add_option("--out", opt->out_dir, "output folder (created)")->required();
  app.add_option("--studies", opt->studies, "number of studies to generate")->capture_default_str();
  app.add_option("--seed", opt->seed, "base seed; study i's seed derives from (seed, i) only")->capture_default_str();
  app.add_option("--domain", opt->domain, "preset: train, external, external-3t, deid (docs/synthetic-data.md)")
      ->capture_default_str();
  app.add_option("--anatomy", opt->anatomy,
                 "bodies: phantom (shapes), real (TotalSegmentator subjects' anatomy), mix (half each)")
      ->capture_default_str();
  app.add_option("--anatomy-dir", opt->anatomy_dir, "folder holding anatomy/ and real/ for --anatomy real|mix")
      ->capture_default_str();
  app.add_flag("--preview", opt->preview, "write OUT/previews/<study>.png: middle slice of every volume with its label");
  app.add_option("--layout", opt->layout, "scanner (vendor export folders) or nbia (NBIA Data Retriever tree + metadata.csv)")
      ->capture_default_str();
  app.add_option("--deidentify-fraction", opt->deidentify_fraction,
                 "share of studies stripped of descriptions, private and contrast tags (default: the domain's)");
  app.add_option("--jobs", opt->jobs, "studies generated in parallel (0 = all cores)")->capture_default_str();
  app.add_option("--first-index", opt->first_index, "index of the first study (resumable runs)")->capture_default_str();
  app.add_option("--max-slices", opt->max_slices, "keep at most N central slices per volume (quick smoke runs; 0 = all)")
      ->capture_default_str();
  app.callback([opt, &slot] {
    slot.run = [opt]() -> ExitCode {
      auto t0 = std::chrono::steady_clock::now();
      auto studies = synth::run_synth(*opt);
      long files = 0, volumes = 0;
      for (const auto& s : studies) {
        files += s.files;
        volumes += long(s.rows.size());
        spdlog::debug("study {} -> {} ({} files, {:.2f} s)", s.index, s.folder, s.files, s.seconds);
      }
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      spdlog::info("wrote {} studies, {} labelled volumes, {} files to {} in {:.1f} s", studies.size(), volumes, files,
                   opt->out_dir, secs);
      return ExitCode::AllOk;
    };
  });
}

}  // namespace mpmri::cli
