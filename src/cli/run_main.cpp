#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "command.hpp"
#include "mpmri/io.hpp"

namespace mpmri::cli {

namespace {
ExitCode exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return ExitCode::Usage;
    case ErrorKind::Input: return ExitCode::NothingUsable;
    default: return ExitCode::Fatal;
  }
}
}  // namespace

int run_main(CLI::App& app, CommandSlot& slot, int argc, char** argv) {
  // Logs go to stderr so stdout stays machine-readable (--json).
  auto logger = spdlog::stderr_color_mt("mpmri");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%l] %v");
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();
  app.set_version_flag("--version", tool_version());
  app.require_subcommand(0, 1);
  slot.argv.assign(argv, argv + argc);
  // --log-level is global and may stand anywhere (before or after the subcommand): take it out here.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--log-level" && i + 1 < argc) {
      log_level = argv[++i];
    } else if (a.rfind("--log-level=", 0) == 0) {
      log_level = a.substr(12);
    } else {
      args.push_back(a);
    }
  }
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : static_cast<int>(ExitCode::Usage);
  }
  spdlog::set_level(spdlog::level::from_str(log_level));
  if (!slot.run) {
    std::fprintf(stderr, "%s", app.help().c_str());
    return static_cast<int>(ExitCode::Usage);
  }
  try {
    return static_cast<int>(slot.run());
  } catch (const Error& e) {
    spdlog::error("{}", e.what());
    return static_cast<int>(exit_code_for(e.kind()));
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
    return static_cast<int>(ExitCode::Fatal);
  }
}

}  // namespace mpmri::cli
