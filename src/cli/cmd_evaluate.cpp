// `mpmri-classify evaluate --pred OUTDIR --truth labels.csv`: the seed paper's figures for a classify run.
#include <cstdio>
#include <map>

#include "command.hpp"
#include "mpmri/eval.hpp"

namespace mpmri::cli {

void add_evaluate_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<eval::EvaluateOptions>();
  auto level = std::make_shared<std::string>("volume");
  auto* sub = app.add_subcommand("evaluate", "Compare a classify run with truth labels (docs/evaluation.md)");
  sub->add_option("--pred", opts->pred_dir, "Output folder of a classify run (volumes.csv, series.csv)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("--truth", opts->truth_path, "Truth CSV: series_uid,label [,echo_time_ms,b_value,temporal_index,...]")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--level", *level, "Score volumes or series")
      ->check(CLI::IsMember({"volume", "series"}))
      ->capture_default_str();
  sub->add_option("--out", opts->out_dir, "Folder for metrics.json, table.md, confusion.png, ... (default PRED/evaluation)");
  sub->add_option("--bootstrap", opts->bootstrap, "Resamples of studies for 95% intervals (0 = none)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--seed", opts->seed, "Seed of the bootstrap")->capture_default_str();
  sub->add_option("--report", opts->report_html, "Write a self-contained HTML report with the misclassified volumes");
  sub->callback([&slot, opts, level] {
    opts->level = *level == "series" ? eval::Level::Series : eval::Level::Volume;
    slot.run = [opts]() -> ExitCode {
      eval::Evaluation e = eval::run_evaluation(*opts);
      // The table is the command's answer, so it goes to stdout; logs stay on stderr.
      std::fputs(eval::markdown_table(e).c_str(), stdout);
      std::printf("\nWritten to %s\n", e.options.out_dir.c_str());
      return ExitCode::AllOk;
    };
  });
}

}  // namespace mpmri::cli
