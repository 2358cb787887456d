// Placeholder until the evaluate subcommand lands; it refuses to run rather than pretend.
#include "command.hpp"

namespace mpmri::cli {
void add_evaluate_command(CLI::App& app, CommandSlot& slot) {
  auto* sub = app.add_subcommand("evaluate", "(not yet implemented)");
  sub->callback([&slot] { slot.run = [] () -> ExitCode { throw Error(ErrorKind::Internal, "evaluate is not implemented yet"); }; });
}
}  // namespace mpmri::cli
