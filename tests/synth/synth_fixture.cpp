#include "synth_fixture.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace synth_test {

namespace fs = std::filesystem;

int run(const std::string& cmd, std::string* output) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) return -1;
  std::array<char, 4096> buf;
  std::string out;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = pclose(p);
  if (output) *output = out;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

bool have_tool(const std::string& name) { return run("command -v " + name + " >/dev/null") == 0; }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> files_below(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::string text = read_text(path), field;
  std::vector<std::string> row;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field), field.clear();
    } else if (c == '\n') {
      row.push_back(field), field.clear();
      rows.push_back(row), row.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) row.push_back(field), rows.push_back(row);
  return rows;
}

namespace {

// The fixture is keyed by the test binary's modification time, so a rebuilt generator regenerates it.
std::string fixture_dir() {
  struct stat st {};
  ::stat("/proc/self/exe", &st);
  return (fs::path(MPMRI_BINARY_DIR) / "tests" / "synth-fixture" / std::to_string(st.st_mtime)).string();
}

void generate(const std::string& dir) {
  using mpmri::synth::SynthOptions;
  struct Case {
    int index;
    const char* vendor;
    const char* xfer;
    const char* domain;
    double deid;
    bool enhanced;
  };
  const Case cases[] = {{0, "siemens", "explicit", "train", 0, true},  {1, "ge", "rle", "train", 0, false},
                        {2, "philips", "jpegls", "train", 0, true},    {3, "plain", "implicit", "train", 1, false},
                        {4, "canon", "explicit", "external", 0, false}};
  for (const Case& c : cases) {
    SynthOptions o;
    o.out_dir = dir + "/scanner";
    o.seed = 42;
    o.domain = c.domain;
    o.vendor = c.vendor;
    o.transfer_syntax = c.xfer;
    o.deidentify_fraction = c.deid;
    o.force_enhanced = c.enhanced;
    o.max_slices = 6;
    o.preview = c.index == 0;
    mpmri::synth::generate_study(o, c.index);
  }
  mpmri::synth::merge_study_labels(dir + "/scanner");
  SynthOptions n;
  n.out_dir = dir + "/nbia";
  n.seed = 42;
  n.layout = "nbia";
  n.max_slices = 4;
  n.first_index = 7;
  n.studies = 1;
  n.jobs = 1;
  mpmri::synth::run_synth(n);
}

}  // namespace

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture fx;
    std::string dir = fixture_dir();
    if (!fs::exists(fs::path(dir) / "complete")) {
      std::string tmp = dir + ".tmp" + std::to_string(::getpid());
      fs::remove_all(tmp);
      generate(tmp);
      std::ofstream(fs::path(tmp) / "complete") << "ok\n";
      std::error_code ec;
      fs::rename(tmp, dir, ec);  // another test process may have won the race: use its copy
      if (ec) fs::remove_all(tmp);
    }
    fx.root = dir + "/scanner";
    fx.nbia_root = dir + "/nbia";
    for (int i = 0; i < 5; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "study_%06d", i);
      FixtureStudy s;
      s.dir = fx.root + "/" + name;
      s.json = nlohmann::json::parse(read_text(s.dir + "/synth.json"));
      fx.studies.push_back(s);
    }
    return fx;
  }();
  return f;
}

}  // namespace synth_test
