// The plugin's dependencies opened deepest first, before the plugin itself (model/dependency_preload.cpp).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <link.h>

#include <cstdlib>
#include <set>
#include <string>

#include "model/dependency_preload.hpp"

namespace {

const std::string kPlugin = std::string(MPMRI_BINARY_DIR) + "/src/cli/libmpmri_torch_classifier.so";

bool loaded(const std::string& name_part) {
  std::pair<std::string, bool> query{name_part, false};
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* q = static_cast<std::pair<std::string, bool>*>(data);
        if (info->dlpi_name && std::string(info->dlpi_name).find(q->first) != std::string::npos) q->second = true;
        return 0;
      },
      &query);
  return query.second;
}

TEST(dependencyPreload, OpensTheDependenciesThePluginThenFindsLoaded) {
  ASSERT_FALSE(loaded("libtorch_cpu")) << "this test program must not link LibTorch";
  const auto report = mpmri::model_plugin::preload_dependencies(kPlugin);
  EXPECT_EQ(report.skipped_why, "");
  EXPECT_GT(report.listed, 0);
  EXPECT_GT(report.opened, 0);
  EXPECT_LE(report.opened + report.refused, report.listed);
  EXPECT_TRUE(loaded("libtorch_cpu")) << "preloaded before the plugin itself";
  EXPECT_FALSE(loaded("libmpmri_torch_classifier"));
  void* plugin = dlopen(kPlugin.c_str(), RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND);
  ASSERT_NE(plugin, nullptr) << dlerror();
  EXPECT_NE(dlsym(plugin, "mpmri_torch_load_classifier"), nullptr);
}

TEST(dependencyPreload, CanBeTurnedOff) {
  setenv("MPMRI_NO_PRELOAD", "1", 1);
  const auto report = mpmri::model_plugin::preload_dependencies(kPlugin);
  unsetenv("MPMRI_NO_PRELOAD");
  EXPECT_NE(report.skipped_why, "");
  EXPECT_EQ(report.opened, 0);
  EXPECT_FALSE(loaded("libtorch_cpu"));
}

TEST(dependencyPreload, AMissingLibraryIsLeftToDlopenToReport) {
  const auto report = mpmri::model_plugin::preload_dependencies("/nonexistent/libnothing.so");
  EXPECT_NE(report.skipped_why, "");
  EXPECT_EQ(report.listed, 0);
  EXPECT_EQ(report.opened, 0);
}

}  // namespace
