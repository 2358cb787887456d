// `mpmri-classify preprocess DIR... --labels labels.csv --out CACHE`: the training cache, made by the same
// C++ preprocessing that inference runs, so a trained model sees exactly what it will see in use.
#include "command.hpp"
#include "mpmri/runner.hpp"

namespace mpmri::cli {

void add_preprocess_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<PreprocessOptions>();
  auto* sub = app.add_subcommand("preprocess", "Write model-input tensors of labelled volumes (training cache)");
  sub->add_option("inputs", opts->inputs, "Study folders")->required()->check(CLI::ExistingPath);
  sub->add_option("--labels", opts->labels_csv, "Truth file (labels.csv as written by mpmri-synth)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--out", opts->out_dir, "Cache folder (resumable: studies already there are skipped)")
      ->required();
  auto* model = sub->add_option("--model", opts->model_path,
                                "Model whose card gives the grid and normalisation (default: the shipped model)");
  sub->add_option("--card", opts->card_path, "A model card JSON alone (no .pt needed)")
      ->check(CLI::ExistingFile)
      ->excludes(model);
  sub->add_option("-j,--jobs", opts->jobs, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  sub->callback([&slot, opts] { slot.run = [opts] { return run_preprocess(*opts).exit_code(); }; });
}

}  // namespace mpmri::cli
