// `mpmri-classify merge OUT1 OUT2 ... -o OUT`: the outputs of `classify --shard I/N` runs as one.
#include "command.hpp"
#include "mpmri/runner.hpp"

namespace mpmri::cli {

void add_merge_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<MergeOptions>();
  auto* sub = app.add_subcommand("merge", "Merge the output folders of `classify --shard I/N` runs (docs/archives.md)");
  sub->add_option("shards", opts->shard_dirs, "Output folders of the shard runs, each holding ledger.sqlite")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("-o,--out", opts->out_dir, "Merged output folder: volumes.csv, series.csv, results.json, thumbnails/")
      ->required();
  sub->add_flag("--allow-incomplete", opts->allow_incomplete,
                "Merge even when shards are missing or their runs have not finished");
  sub->callback([&slot, opts] {
    opts->arguments = slot.argv;
#ifdef MPMRI_HAVE_RUNNER
    slot.run = [opts] { return run_merge(*opts).exit_code(); };
#else
    slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "this build lacks the classify runner"); };
#endif
  });
}

}  // namespace mpmri::cli
