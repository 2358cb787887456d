// Why: Debian's LibTorch drags in ~290 shared libraries (OpenCV with GDAL, Qt and FFmpeg among them). Opened in
// one dlopen, every relocation of every one of them is looked up along the plugin's single breadth-first scope,
// where a library deep in the tree finds even its own symbols only after walking past a hundred others: that
// lookup was about a quarter of the plugin's 0.65-0.85 s open on the 2-core machine (perf: do_lookup_x). Opened
// deepest first, each library is relocated in its own scope, itself first; the open fell to 0.54-0.74 s.
// Checked with LD_DEBUG=bindings: the symbols that then bind elsewhere are weak template instantiations,
// typeinfo and GNU-unique objects (identical copies, or unified process-wide by the loader anyway), and one
// libnetcdf/libbsd `strlcat`.
#include "dependency_preload.hpp"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <vector>

extern char** environ;

namespace mpmri::model_plugin {
namespace {

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The running program's dynamic loader (its PT_INTERP), so the listing resolves exactly as dlopen would.
std::string program_interpreter() {
  std::string interp;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        for (int i = 0; i < info->dlpi_phnum; ++i)
          if (info->dlpi_phdr[i].p_type == PT_INTERP)
            *static_cast<std::string*>(out) = reinterpret_cast<const char*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        return 1;  // the first object is the program itself
      },
      &interp);
  return interp;
}

std::set<std::string> loaded_object_names() {
  std::set<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name) static_cast<std::set<std::string>*>(out)->insert(base_name(info->dlpi_name));
        return 0;
      },
      &names);
  return names;
}

// `ld.so --list LIBRARY` (what ldd runs): one line per dependency in load order, "soname => path (address)".
bool list_dependencies(const std::string& interp, const std::string& library, std::string& output) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> args = {interp, "--list", library};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, interp.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (spawned != 0) {
    close(fds[0]);
    return false;
  }
  char buffer[65536];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    output.append(buffer, size_t(n));
  }
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

struct Dependency {
  std::string name;  // soname as the library asks for it
  std::string path;  // where the loader found it
};

// Empty with `why` set when the listing names a library the loader cannot find.
std::vector<Dependency> parse_listing(const std::string& output, std::string& why) {
  std::vector<Dependency> deps;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    Dependency d;
    if (const auto arrow = line.find(" => "); arrow != std::string::npos) {
      d.name = line.substr(0, arrow);
      d.path = line.substr(arrow + 4);
      if (d.path.rfind("not found", 0) == 0) {
        why = d.name + " not found";
        return {};
      }
    } else {
      d.path = line;  // the loader itself, or the vDSO (no path)
    }
    d.path = d.path.substr(0, d.path.find(" ("));
    if (d.path.empty() || d.path[0] != '/') continue;
    if (d.name.empty()) d.name = base_name(d.path);
    deps.push_back(d);
  }
  return deps;
}

}  // namespace

PreloadReport preload_dependencies(const std::string& library) {
  PreloadReport report;
  if (const char* off = std::getenv("MPMRI_NO_PRELOAD"); off && *off && std::strcmp(off, "0") != 0) {
    report.skipped_why = "MPMRI_NO_PRELOAD is set";
    return report;
  }
  const std::string interp = program_interpreter();
  if (interp.empty()) {
    report.skipped_why = "the program has no dynamic loader";
    return report;
  }
  std::string output;
  if (!list_dependencies(interp, library, output)) {
    report.skipped_why = interp + " --list failed";
    return report;
  }
  std::vector<Dependency> deps = parse_listing(output, report.skipped_why);
  if (deps.empty()) {
    if (report.skipped_why.empty()) report.skipped_why = "no dependencies listed";
    return report;
  }
  report.listed = int(deps.size());
  // Already in the process under the same name: a path from the listing could be a second copy.
  const std::set<std::string> loaded = loaded_object_names();
  for (auto it = deps.rbegin(); it != deps.rend(); ++it) {
    if (loaded.count(it->name) || loaded.count(base_name(it->path))) continue;
    if (dlopen(it->path.c_str(), kOpenFlags)) {
      ++report.opened;  // never closed: the plugin that needs it stays open for the life of the process
    } else {
      dlerror();
      ++report.refused;
    }
  }
  return report;
}

}  // namespace mpmri::model_plugin
