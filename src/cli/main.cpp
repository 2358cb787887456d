// mpmri-classify: `mpmri-classify DIR...` is short for `mpmri-classify classify DIR...`.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "mpmri/model.hpp"

int main(int argc, char** argv) {
  // LibTorch's OpenMP threads spin after each parallel region by default, taking a core from the decoding of the
  // next study (measured: an archive of 4 studies 7-12% faster, 13 of 14 runs, with passive waiting). OpenMP
  // reads this when the LibTorch plugin loads, later; set here before any thread exists. A user's value wins.
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  using namespace mpmri::cli;
  CLI::App app{"mpmri-classify: label every series of liver multi-parametric MRI studies"};
  app.name("mpmri-classify");
  CommandSlot slot;
  add_classify_command(app, slot);
  add_inspect_command(app, slot);
  add_preprocess_command(app, slot);
  add_evaluate_command(app, slot);
  add_export_command(app, slot);
  add_merge_command(app, slot);
  add_shard_entries_command(app, slot);
  add_adapt_command(app, slot);

  // Without a subcommand name anywhere, the command line is a classify one (`mpmri-classify DIR`).
  std::vector<char*> args(argv, argv + argc);
  static char classify_word[] = "classify";
  bool has_subcommand = false, wants_help = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    wants_help |= (a == "-h" || a == "--help" || a == "--version");
    for (const auto* sub : app.get_subcommands({})) has_subcommand |= (sub->get_name() == a);
  }
  if (argc > 1 && !has_subcommand && !wants_help) args.insert(args.begin() + 1, classify_word);
  const int code = run_main(app, slot, static_cast<int>(args.size()), args.data());
  if (mpmri::torch_runtime_loaded()) {
    // LibTorch's static destructors unregister thousands of operators at exit (~0.1 s measured). Every output
    // is written, renamed and closed by now, so flush the streams and skip them.
    std::cout.flush();
    std::fflush(nullptr);
    spdlog::shutdown();
    std::_Exit(code);
  }
  return code;
}
