// Opening a shared library with a deep dependency tree faster: its dependencies one by one, deepest first.
#pragma once

#include <dlfcn.h>

#include <string>

namespace mpmri::model_plugin {

// How the plugin and, before it, each of its dependencies are opened: the same scope rules for both.
constexpr int kOpenFlags = RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND;

struct PreloadReport {
  int listed = 0;   // dependencies the dynamic loader resolved for the library
  int opened = 0;   // of those, opened here (the rest were already in the process, or refused: see below)
  int refused = 0;  // dlopen failed (an under-linked library needs a symbol only its dependants bring); harmless
  std::string skipped_why;  // non-empty when nothing was preloaded, and why
};

// Asks the dynamic loader for `library`'s dependency closure (`ld.so --list`, the same resolution dlopen uses,
// environment included) and opens those dependencies in reverse load order, each with kOpenFlags, before
// the caller dlopens `library` itself. Only an optimisation: any failure leaves the rest
// to the caller's dlopen, which then reports missing libraries the usual way. MPMRI_NO_PRELOAD=1 turns it off.
PreloadReport preload_dependencies(const std::string& library);

}  // namespace mpmri::model_plugin
