// mpmri-classify: `mpmri-classify DIR...` is short for `mpmri-classify classify DIR...`.
#include <cstring>
#include <string>
#include <vector>

#include "command.hpp"

int main(int argc, char** argv) {
  using namespace mpmri::cli;
  CLI::App app{"mpmri-classify: label every series of liver multi-parametric MRI studies"};
  app.name("mpmri-classify");
  CommandSlot slot;
  add_classify_command(app, slot);
  add_inspect_command(app, slot);
  add_preprocess_command(app, slot);
  add_evaluate_command(app, slot);

  // A first argument that is neither a subcommand nor an option is a folder to classify.
  std::vector<char*> args(argv, argv + argc);
  static char classify_word[] = "classify";
  if (argc > 1 && argv[1][0] != '-') {
    bool is_subcommand = false;
    for (const auto* sub : app.get_subcommands({})) is_subcommand |= (sub->get_name() == argv[1]);
    if (!is_subcommand) args.insert(args.begin() + 1, classify_word);
  }
  return run_main(app, slot, static_cast<int>(args.size()), args.data());
}
