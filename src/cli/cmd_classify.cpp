// Placeholder until the classify subcommand lands; it refuses to run rather than pretend.
#include "command.hpp"

namespace mpmri::cli {
void add_classify_command(CLI::App& app, CommandSlot& slot) {
  auto* sub = app.add_subcommand("classify", "(not yet implemented)");
  sub->callback([&slot] { slot.run = [] () -> ExitCode { throw Error(ErrorKind::Internal, "classify is not implemented yet"); }; });
}
}  // namespace mpmri::cli
