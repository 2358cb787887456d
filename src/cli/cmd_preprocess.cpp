// Placeholder until the preprocess subcommand lands; it refuses to run rather than pretend.
#include "command.hpp"

namespace mpmri::cli {
void add_preprocess_command(CLI::App& app, CommandSlot& slot) {
  auto* sub = app.add_subcommand("preprocess", "(not yet implemented)");
  sub->callback([&slot] { slot.run = [] () -> ExitCode { throw Error(ErrorKind::Internal, "preprocess is not implemented yet"); }; });
}
}  // namespace mpmri::cli
