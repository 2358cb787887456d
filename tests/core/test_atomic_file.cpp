#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"

using namespace mpmri;
namespace fs = std::filesystem;

TEST(AtomicFile, WritesCompleteFileAndLeavesNoTemporaries) {
  fs::path dir = fs::temp_directory_path() / ("mpmri_atomic_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  write_file_atomic((dir / "a.txt").string(), "hello");
  write_file_atomic((dir / "a.txt").string(), "world");
  std::ifstream in(dir / "a.txt");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), "world");
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1);
  // Known digest of "world".
  EXPECT_EQ(sha256_file((dir / "a.txt").string()),
            "486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7");
  fs::remove_all(dir);
}

TEST(AtomicFile, UnwritableTargetThrowsIoError) {
  try {
    write_file_atomic("/proc/mpmri-cannot-write/x.txt", "x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Io);
  }
}

TEST(Outcome, ExitCodeFollowsCounts) {
  EXPECT_EQ((Outcome{3, 0}.exit_code()), ExitCode::AllOk);
  EXPECT_EQ((Outcome{3, 1}.exit_code()), ExitCode::SomeFailed);
  EXPECT_EQ((Outcome{0, 2}.exit_code()), ExitCode::NothingUsable);
  EXPECT_EQ((Outcome{0, 0}.exit_code()), ExitCode::NothingUsable);
}
