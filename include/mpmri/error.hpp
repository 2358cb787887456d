#pragma once
// Errors and exit codes. Only src/cli/main.cpp catches and maps them to a process exit code.
#include <stdexcept>
#include <string>

namespace mpmri {

// Documented in README.md ("Exit codes").
enum class ExitCode : int {
  AllOk = 0,          // every volume processed
  Fatal = 1,          // could not run at all (bad model, unwritable output, internal error)
  Usage = 2,          // bad command line
  SomeFailed = 3,     // some volumes or files failed, the rest is in the output
  NothingUsable = 4,  // no usable image volume was found, or all failed
};

enum class ErrorKind { Usage, Input, Model, Io, Internal };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Summarises a batch: the exit code is derived from the counts, never chosen ad hoc.
struct Outcome {
  long ok = 0;
  long failed = 0;
  ExitCode exit_code() const {
    if (ok == 0) return ExitCode::NothingUsable;
    if (failed > 0) return ExitCode::SomeFailed;
    return ExitCode::AllOk;
  }
};

}  // namespace mpmri
