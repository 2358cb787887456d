// `mpmri-classify shard-entries ARCHIVE --shard I/N`: which top-level entries of an archive one shard classifies,
// one per line, so a batch job can stage only those to node-local scratch (scripts/slurm/classify-shard.sbatch).
#include <iostream>

#include "command.hpp"
#include "mpmri/runner.hpp"

namespace mpmri::cli {

void add_shard_entries_command(CLI::App& app, CommandSlot& slot) {
  auto archive = std::make_shared<std::string>();
  auto shard = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("shard-entries", "List the top-level entries of ARCHIVE that --shard I/N classifies");
  sub->add_option("archive", *archive, "Archive folder (one input)")->required()->check(CLI::ExistingDirectory);
  sub->add_option("--shard", *shard, "I/N, as given to classify")->required();
  sub->callback([&slot, archive, shard] {
#ifdef MPMRI_HAVE_RUNNER
    slot.run = [archive, shard] {
      for (const auto& entry : shard_entries(*archive, *shard)) std::cout << entry << "\n";
      return ExitCode::AllOk;
    };
#else
    slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "this build lacks the classify runner"); };
#endif
  });
}

}  // namespace mpmri::cli
