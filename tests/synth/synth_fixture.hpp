#pragma once
// A small set of synthetic studies generated once per build of the test binary and shared by its tests
// (ctest runs each test in its own process): five studies covering every vendor style, transfer syntax,
// classic and enhanced storage, a de-identified and an external-domain study, plus an NBIA-layout study.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mpmri/synth.hpp"

namespace synth_test {

struct FixtureStudy {
  std::string dir;        // study folder
  nlohmann::json json;    // its synth.json
};

struct Fixture {
  std::string root;       // scanner-layout root with labels.csv
  std::string nbia_root;  // NBIA-layout root with labels.csv and metadata.csv
  std::vector<FixtureStudy> studies;  // scanner layout
};

const Fixture& fixture();

// Runs a shell command, returns its exit status and (if asked) its stdout+stderr.
int run(const std::string& cmd, std::string* output = nullptr);
bool have_tool(const std::string& name);
std::string read_text(const std::string& path);
std::vector<std::string> files_below(const std::string& dir);  // regular files, sorted
std::vector<std::vector<std::string>> read_csv(const std::string& path);  // simple CSV with quotes

}  // namespace synth_test
