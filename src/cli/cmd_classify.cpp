// `mpmri-classify [classify] DIR...`: the main job. The whole interface is declared here.
#include <map>

#include "command.hpp"
#include "mpmri/runner.hpp"

namespace mpmri::cli {

void add_classify_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<ClassifyOptions>();
  auto mode = std::make_shared<std::string>("fusion");
  auto* sub = app.add_subcommand("classify", "Label every volume and series under DIR... (the default command)");
  sub->add_option("inputs", opts->inputs, "Study folders or archives (any layout, NBIA/TCIA included)")
      ->required()
      ->check(CLI::ExistingPath);
  sub->add_option("-o,--out", opts->out_dir, "Output folder: volumes.csv, series.csv, results.json, thumbnails/")
      ->capture_default_str();
  sub->add_option("--model", opts->model_path, "TorchScript model (.pt) with its card (.json) beside it; "
                                                "default: the shipped models/default.pt or $MPMRI_MODEL");
  sub->add_option("--device", opts->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  sub->add_option("-j,--jobs", opts->jobs, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  sub->add_option("--mode", *mode, "image: pixels only; header: DICOM header rules only; fusion: both")
      ->check(CLI::IsMember({"image", "header", "fusion"}))
      ->capture_default_str();
  sub->add_flag("--json", opts->json_stdout, "Also write results to stdout, one JSON object per study (JSON Lines)");
  sub->add_flag("!--no-progress", opts->progress, "Never draw the progress bar");
  sub->add_option("--report", opts->report_html, "Write a self-contained HTML report with thumbnails");
  sub->add_option("--keyword-rules", opts->decision.keyword_rules_path,
                  "JSON file of SeriesDescription/ProtocolName keyword rules (replaces the built-in ones)")
      ->check(CLI::ExistingFile);
  sub->add_option("--fusion-params", opts->decision.fusion_params_path, "JSON file of fusion parameters")
      ->check(CLI::ExistingFile);
  add_routing_options(*sub, opts->routing);
  sub->add_option("--shard", opts->shard,
                  "Classify part I of N of the archive (by top-level folder; merge the N outputs with `merge`)")
      ->capture_default_str();
  sub->add_flag("--whole-studies,!--no-whole-studies", opts->whole_studies,
                "Read every file's StudyInstanceUID first (default), so that a study whose files lie in distant "
                "folders is classified as one study; --no-whole-studies streams folder by folder without that "
                "pass (docs/archives.md)");
  sub->add_flag("--fresh", opts->fresh,
                "Forget the ledger of an earlier run into the output folder (by default its finished studies are kept)");
  sub->add_option("--refresh-seconds", opts->refresh_seconds,
                  "During a run, rewrite the outputs from the ledger at most this often (0 = after every study)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->callback([&slot, opts, mode] {
    static const std::map<std::string, Mode> modes{{"image", Mode::Image}, {"header", Mode::Header}, {"fusion", Mode::Fusion}};
    opts->mode = modes.at(*mode);
    opts->arguments = slot.argv;
#ifdef MPMRI_HAVE_RUNNER
    slot.run = [opts] { return run_classify(*opts).exit_code(); };
#else
    slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "this build lacks the classify runner"); };
#endif
  });
}

}  // namespace mpmri::cli
