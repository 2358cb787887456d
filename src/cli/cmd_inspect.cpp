// Placeholder until the inspect subcommand lands; it refuses to run rather than pretend.
#include "command.hpp"

namespace mpmri::cli {
void add_inspect_command(CLI::App& app, CommandSlot& slot) {
  auto* sub = app.add_subcommand("inspect", "(not yet implemented)");
  sub->callback([&slot] { slot.run = [] () -> ExitCode { throw Error(ErrorKind::Internal, "inspect is not implemented yet"); }; });
}
}  // namespace mpmri::cli
