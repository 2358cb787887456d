// Placeholder until mpmri-synth lands; it refuses to run rather than pretend.
#include "command.hpp"

namespace mpmri::cli {
void add_synth_options(CLI::App& app, CommandSlot& slot) {
  app.callback([&slot] { slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "synth is not implemented yet"); }; });
}
}  // namespace mpmri::cli
