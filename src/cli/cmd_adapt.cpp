// `mpmri-classify adapt ARCHIVE... -o MODEL_DIR`: fine-tunes the model on a site's own archive, labelled by its
// DICOM facts alone (docs/adapt.md). One step for the user; the training itself runs scripts/train.py.
#include "command.hpp"
#include "mpmri/adapt.hpp"

namespace mpmri::cli {

void add_adapt_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<AdaptOptions>();
  auto* sub = app.add_subcommand("adapt", "Fine-tune the model on a site's archive labelled by header facts alone");
  sub->add_option("inputs", opts->inputs, "The site's archive(s): study folders in any layout")
      ->required()
      ->check(CLI::ExistingPath);
  sub->add_option("-o,--out", opts->out_dir, "MODEL_DIR: adapted.pt, adapted.json (its card), pseudo_labels.csv")
      ->required();
  sub->add_option("--base", opts->base_model, "Model to start from (default: the shipped models/default.pt)")
      ->check(CLI::ExistingFile);
  sub->add_option("--min-per-class", opts->min_per_class,
                  "A class with fewer header-decided volumes is filled in with synthetic studies and warned about; "
                  "fewer in every class: refuse")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--min-confidence", opts->min_confidence, "Header-mode posterior a pseudo-label needs")
      ->check(CLI::Range(0.5, 1.0))
      ->capture_default_str();
  sub->add_option("--held-out", opts->held_out_fraction, "Share of the site's studies held out (by study)")
      ->check(CLI::Range(0.05, 0.9))
      ->capture_default_str();
  sub->add_option("--minutes", opts->minutes, "Wall-clock cap of the fine-tune")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--epochs", opts->epochs, "Epochs (the learning-rate schedule follows them)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--patience", opts->patience, "Stop after this many epochs without held-out gain")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--epoch-samples", opts->epoch_samples, "Volumes drawn per epoch (class-balanced)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--lr", opts->lr, "Peak learning rate")->check(CLI::PositiveNumber)->capture_default_str();
  sub->add_option("--synth-studies", opts->synth_studies, "Synthetic studies made for the classes the site lacks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_flag("--replay", opts->replay,
                "The synthetic studies' volumes of every class train beside the site's (rehearsal), not only those of "
                "the classes the site lacks");
  sub->add_option("--synth-max-slices", opts->synth_max_slices, "Central slices kept per synthetic volume (0 = all)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--device", opts->device, "cpu or cuda")->check(CLI::IsMember({"cpu", "cuda"}))->capture_default_str();
  sub->add_option("--seed", opts->seed, "Seed of the split, the synthetic studies and the training")
      ->capture_default_str();
  sub->add_option("-j,--jobs", opts->jobs, "Threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  sub->add_option("--python", opts->python, "Python with torch and numpy that runs scripts/train.py")
      ->capture_default_str();
  sub->add_flag("--labels-only", opts->labels_only, "Write MODEL_DIR/pseudo_labels.csv and stop (no training)");
  sub->add_flag("--keep-work", opts->keep_work, "Keep MODEL_DIR/adapt-work (caches, synthetic studies, metrics)");
  sub->callback([&slot, opts] {
    opts->arguments = slot.argv;
#ifdef MPMRI_HAVE_RUNNER
    slot.run = [opts] { return run_adapt(*opts).exit_code(); };
#else
    slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "this build lacks the adapt runner"); };
#endif
  });
}

}  // namespace mpmri::cli
