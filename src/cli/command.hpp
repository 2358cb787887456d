#pragma once
// Each subcommand declares its whole interface in its own cmd_*.cpp and registers a run function here.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "mpmri/error.hpp"

namespace mpmri {
struct RoutingOptions;
}

namespace mpmri::cli {

using RunFn = std::function<ExitCode()>;

// Filled by the subcommand that CLI11 parsed; main() runs it inside the single catch.
struct CommandSlot {
  RunFn run;
  std::vector<std::string> argv;  // the command line as given, for provenance in outputs
};

void add_classify_command(CLI::App& app, CommandSlot& slot);
void add_inspect_command(CLI::App& app, CommandSlot& slot);
void add_preprocess_command(CLI::App& app, CommandSlot& slot);
void add_evaluate_command(CLI::App& app, CommandSlot& slot);
void add_export_command(CLI::App& app, CommandSlot& slot);
// --nifti, --nifti-name, --nifti-labels, --sort, --copy, --sr: shared by classify and export (cmd_export.cpp).
void add_routing_options(CLI::App& sub, RoutingOptions& routing);
void add_merge_command(CLI::App& app, CommandSlot& slot);
void add_shard_entries_command(CLI::App& app, CommandSlot& slot);
void add_adapt_command(CLI::App& app, CommandSlot& slot);
// mpmri-synth is its own program; its options live in cmd_synth.cpp.
void add_synth_options(CLI::App& app, CommandSlot& slot);

// Parses argv with `app`, runs the slot, catches every error and maps it to an exit code (stderr log).
int run_main(CLI::App& app, CommandSlot& slot, int argc, char** argv);

}  // namespace mpmri::cli
