// Bad input: each broken file or folder gets a reason, the good series beside it is still loaded.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcvrul.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "dicom/dicom_fixtures.hpp"
#include "mpmri/dicom.hpp"
#include "mpmri/error.hpp"

namespace fs = std::filesystem;
using namespace mpmri;
using mpmri::test::FakeSlice;
using mpmri::test::TempDir;

namespace {

const SkippedFile* skipped_entry(const ScanResult& r, const fs::path& p) {
  for (const auto& s : r.skipped)
    if (fs::path(s.path) == p) return &s;
  return nullptr;
}

size_t volume_count(const ScanResult& r) {
  size_t n = 0;
  for (const auto& st : r.studies)
    for (const auto& se : st.series) n += se.volumes.size();
  return n;
}

const VolumeInfo* find_series(const ScanResult& r, const std::string& uid) {
  for (const auto& st : r.studies)
    for (const auto& se : st.series)
      if (se.series_uid == uid && !se.volumes.empty()) return &se.volumes.front();
  return nullptr;
}

// The witness series is found, complete and decodable.
void expect_good_series(const ScanResult& r) {
  const VolumeInfo* v = find_series(r, "1.2.3.4.99");
  ASSERT_NE(v, nullptr) << "the good series was lost";
  EXPECT_EQ(v->slices.size(), 3u);
  VolumeImage img = load_volume(*v);
  EXPECT_EQ(img.size[2], 3);
  EXPECT_FLOAT_EQ(img.voxels[img.voxels.size() - 1], 200 + 63);
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

}  // namespace

TEST(dicomBadInput, ZeroByteFile) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  write_bytes(t.path / "empty.dcm", "");
  auto r = scan_folders({t.path.string()});
  auto* s = skipped_entry(r, t.path / "empty.dcm");
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->reason.find("empty"), std::string::npos) << s->reason;
  expect_good_series(r);
}

TEST(dicomBadInput, RandomBytesNamedDcm) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  std::mt19937 rng(7);
  std::string junk(5000, '\0');
  for (auto& c : junk) c = static_cast<char>(rng() & 0xFF);
  write_bytes(t.path / "junk.dcm", junk);
  // Random bytes behind a valid preamble reach the DICOM parser itself.
  std::string with_preamble(128, '\0');
  with_preamble += "DICM" + junk;
  write_bytes(t.path / "junk_dicm.dcm", with_preamble);
  auto r = scan_folders({t.path.string()});
  auto* a = skipped_entry(r, t.path / "junk.dcm");
  auto* b = skipped_entry(r, t.path / "junk_dicm.dcm");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->reason.find("not DICOM"), std::string::npos) << a->reason;
  EXPECT_FALSE(b->reason.empty());
  expect_good_series(r);
}

// Archives copied through macOS carry '._name' AppleDouble files beside every file, .DS_Store, and __MACOSX/
// in zips: metadata, skipped with a reason, never errors (they once made every real TCGA-LIHC run exit 3).
TEST(dicomBadInput, HiddenAndMacMetadataFilesAreSkippedNotFailed) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  write_bytes(t.path / "._slice1.dcm", std::string("\0\x05\x16\x07\0\x02\0\0Mac OS X        ", 24));
  write_bytes(t.path / ".DS_Store", "Bud1");
  fs::create_directories(t.path / "__MACOSX");
  write_bytes(t.path / "__MACOSX" / "slice1.dcm", "junk");
  auto r = scan_folders({t.path.string()});
  for (const auto* p : {"._slice1.dcm", ".DS_Store", "__MACOSX"}) {
    auto* s = skipped_entry(r, t.path / p);
    ASSERT_NE(s, nullptr) << p;
    EXPECT_FALSE(s->is_error) << p << ": " << s->reason;
    EXPECT_NE(s->reason.find("AppleDouble"), std::string::npos) << s->reason;
  }
  EXPECT_EQ(skipped_entry(r, t.path / "__MACOSX" / "slice1.dcm"), nullptr) << "__MACOSX/ is not entered";
  expect_good_series(r);
}

// A gzip-compressed DICOM (dcm_qa ships *.dcm.gz) is named for what it is, and counts as not read.
TEST(dicomBadInput, GzipCompressedDicomIsNamedAsSuch) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  write_bytes(t.path / "slice.dcm.gz", std::string("\x1f\x8b\x08\0\0\0\0\0\0\x03junk", 14));
  auto r = scan_folders({t.path.string()});
  auto* s = skipped_entry(r, t.path / "slice.dcm.gz");
  ASSERT_NE(s, nullptr);
  EXPECT_NE(s->reason.find("gzip-compressed"), std::string::npos) << s->reason;
  EXPECT_TRUE(s->is_error) << "a DICOM that was not read counts in the exit code";
  expect_good_series(r);
}

TEST(dicomBadInput, TruncatedFile) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice s;
  s.series_uid = "1.2.3.4.5";
  s.rows = s.cols = 64;
  write_slice(t.path / "whole.dcm", s);
  auto size = fs::file_size(t.path / "whole.dcm");
  fs::resize_file(t.path / "whole.dcm", size - 3000);  // cut inside the pixel data
  fs::copy_file(t.path / "whole.dcm", t.path / "header_only.dcm");
  fs::resize_file(t.path / "header_only.dcm", 300);     // cut inside the header
  auto r = scan_folders({t.path.string()});
  auto* a = skipped_entry(r, t.path / "whole.dcm");
  auto* b = skipped_entry(r, t.path / "header_only.dcm");
  ASSERT_NE(a, nullptr) << "a file truncated inside its pixel data must be skipped at scan";
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(a->reason.empty());
  EXPECT_FALSE(b->reason.empty());
  expect_good_series(r);
}

TEST(dicomBadInput, NoPixelData) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice s;
  s.series_uid = "1.2.3.4.6";
  s.pixel_data = false;
  write_slice(t.path / "nopixels.dcm", s);
  auto r = scan_folders({t.path.string()});
  auto* e = skipped_entry(r, t.path / "nopixels.dcm");
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->reason.find("no pixel data"), std::string::npos) << e->reason;
  expect_good_series(r);
}

TEST(dicomBadInput, InconsistentDimensionsInSeries) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  for (int i = 0; i < 4; ++i) {
    FakeSlice s;
    s.series_uid = "1.2.3.4.7";
    s.instance = i + 1;
    s.position = std::array<double, 3>{0, 0, double(i)};
    if (i == 2) s.rows = s.cols = 16;
    write_slice(t.path / ("mixed" + std::to_string(i) + ".dcm"), s);
  }
  auto r = scan_folders({t.path.string()});
  const VolumeInfo* v = find_series(r, "1.2.3.4.7");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->slices.size(), 3u);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].reason.find("inconsistent dimensions"), std::string::npos) << r.failed[0].reason;
  EXPECT_NO_THROW(load_volume(*v));
  expect_good_series(r);
}

TEST(dicomBadInput, MissingImagePositionFallsBackToInstanceNumber) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  for (int i = 0; i < 3; ++i) {
    FakeSlice s;
    s.series_uid = "1.2.3.4.8";
    s.instance = 3 - i;  // written in reverse so file order is not the answer
    s.position.reset();
    s.fill = static_cast<unsigned short>(1000 * (3 - i));
    write_slice(t.path / ("nopos" + std::to_string(i) + ".dcm"), s);
  }
  auto r = scan_folders({t.path.string()});
  const VolumeInfo* v = find_series(r, "1.2.3.4.8");
  ASSERT_NE(v, nullptr);
  ASSERT_EQ(v->slices.size(), 3u);
  EXPECT_EQ(v->slices[0].instance_number, 1);
  EXPECT_EQ(v->slices[2].instance_number, 3);
  ASSERT_FALSE(v->warnings.empty());
  EXPECT_NE(v->warnings[0].find("InstanceNumber"), std::string::npos);
  VolumeImage img = load_volume(*v);
  EXPECT_FLOAT_EQ(img.voxels[0], 1000);
  EXPECT_FLOAT_EQ(img.voxels[2 * 64], 3000);
  expect_good_series(r);
}

TEST(dicomBadInput, MissingImagePositionAndRepeatedInstanceNumbersFails) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  for (int i = 0; i < 2; ++i) {
    FakeSlice s;
    s.series_uid = "1.2.3.4.9";
    s.sop_uid = "1.2.3.4.9.100" + std::to_string(i);
    s.instance = 1;
    s.acquisition_time = i ? "101011" : "101010";
    s.position.reset();
    write_slice(t.path / ("unsortable" + std::to_string(i) + ".dcm"), s);
  }
  auto r = scan_folders({t.path.string()});
  EXPECT_EQ(find_series(r, "1.2.3.4.9"), nullptr);
  ASSERT_EQ(r.failed.size(), 1u);
  EXPECT_NE(r.failed[0].reason.find("slice order unknown"), std::string::npos) << r.failed[0].reason;
  expect_good_series(r);
}

TEST(dicomBadInput, DuplicateInstancesAreDropped) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  fs::copy_file(t.path / "good1.dcm", t.path / "good1_copy.dcm");  // same SOPInstanceUID
  FakeSlice s;  // same position and acquisition, new UID: a re-export of the same image
  s.series_uid = "1.2.3.4.99";
  s.sop_uid = "9.9.9";
  s.instance = 2;
  s.position = std::array<double, 3>{0, 0, 1};
  s.fill = 100;
  write_slice(t.path / "good1_reexport.dcm", s);
  auto r = scan_folders({t.path.string()});
  auto* copy = skipped_entry(r, t.path / "good1_copy.dcm");
  auto* reexport = skipped_entry(r, t.path / "good1_reexport.dcm");
  auto* original = skipped_entry(r, t.path / "good1.dcm");
  ASSERT_TRUE((copy != nullptr) != (original != nullptr)) << "exactly one of two identical files is dropped";
  ASSERT_NE(reexport, nullptr);
  EXPECT_NE(reexport->reason.find("duplicate"), std::string::npos);
  EXPECT_EQ(volume_count(r), 1u);
  expect_good_series(r);
}

// Checks run in a child that drops root (chmod 000 does not stop root); bit 0: file reason, bit 1: folder.
int unreadable_checks(const fs::path& dir) {
  ScanOptions one_thread;
  one_thread.threads = 1;  // no TBB workers are needed after fork
  auto r = scan_folders({dir.string()}, one_thread);
  int bits = 0;
  auto* f = skipped_entry(r, dir / "locked.dcm");
  auto* d = skipped_entry(r, dir / "locked_dir");
  if (f && f->reason.find("cannot open") != std::string::npos) bits |= 1;
  if (d && d->reason.find("cannot read folder") != std::string::npos) bits |= 2;
  if (find_series(r, "1.2.3.4.99")) bits |= 4;
  return bits;
}

TEST(dicomBadInput, UnreadableFileAndFolder) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice s;
  s.series_uid = "1.2.3.4.10";
  write_slice(t.path / "locked.dcm", s);
  fs::create_directories(t.path / "locked_dir");
  s.sop_uid = "1.2.3.4.10.77";
  write_slice(t.path / "locked_dir" / "inner.dcm", s);
  fs::permissions(t.path / "locked.dcm", fs::perms::none);
  fs::permissions(t.path / "locked_dir", fs::perms::none);
  auto r = scan_folders({t.path.string()});
  expect_good_series(r);
  int bits = 0;
  if (geteuid() != 0) {
    bits = unreadable_checks(t.path);
  } else {
    // Root reads everything: repeat the scan in a child running as nobody.
    fs::permissions(t.path, fs::perms::all, fs::perm_options::add);
    for (const auto& e : fs::directory_iterator(t.path))
      if (e.path().filename().string().rfind("good", 0) == 0) fs::permissions(e.path(), fs::perms::all, fs::perm_options::add);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      if (setgid(65534) != 0 || setuid(65534) != 0) _exit(100);
      _exit(unreadable_checks(t.path));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 100) GTEST_SKIP() << "running as root and cannot drop to uid 65534";
    bits = WEXITSTATUS(status);
  }
  EXPECT_TRUE(bits & 1) << "unreadable file not reported as 'cannot open'";
  EXPECT_TRUE(bits & 2) << "unreadable folder not reported as 'cannot read folder'";
  EXPECT_TRUE(bits & 4) << "the readable series was lost";
}

TEST(dicomBadInput, SymlinkLoop) {
  TempDir t;
  mpmri::test::write_good_series(t.path / "a");
  fs::create_directory_symlink(t.path, t.path / "a" / "back_to_top");
  fs::create_symlink(t.path / "missing", t.path / "dangling.dcm");
  auto r = scan_folders({t.path.string()});
  bool loop_reported = false;
  for (const auto& s : r.skipped) loop_reported |= s.reason.find("symlink loop") != std::string::npos;
  EXPECT_TRUE(loop_reported);
  EXPECT_NE(skipped_entry(r, t.path / "dangling.dcm"), nullptr);
  expect_good_series(r);
  EXPECT_EQ(volume_count(r), 1u);
}

TEST(dicomBadInput, AbsurdDimensionsAreRefusedBeforeAllocation) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice huge;
  huge.series_uid = "1.2.3.4.11";
  huge.rows = huge.cols = 65535;
  huge.frames = 10000;
  huge.pixel_bytes = 64;
  write_slice(t.path / "huge.dcm", huge);
  FakeSlice short_data;  // within the voxel limit but with far less pixel data than claimed
  short_data.series_uid = "1.2.3.4.12";
  short_data.rows = short_data.cols = 4000;
  short_data.pixel_bytes = 64;
  write_slice(t.path / "short.dcm", short_data);
  auto r = scan_folders({t.path.string()});
  auto* a = skipped_entry(r, t.path / "huge.dcm");
  auto* b = skipped_entry(r, t.path / "short.dcm");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->reason.find("over the limit"), std::string::npos) << a->reason;
  EXPECT_NE(b->reason.find("pixel data holds"), std::string::npos) << b->reason;
  expect_good_series(r);
}

TEST(dicomBadInput, IntegersOutOfRangeAreTreatedAsAbsent) {
  // Found by fuzzing (tests/fuzz): a UL value beyond int's range (an enhanced TemporalPositionIndex of
  // 4244635652) was converted to int, which is undefined behaviour. Here as classic tags stored with VR UL.
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice odd;
  odd.series_uid = "1.2.3.4.13";
  write_slice(t.path / "odd.dcm", odd);
  DcmFileFormat file;
  ASSERT_TRUE(file.loadFile((t.path / "odd.dcm").c_str()).good());
  DcmDataset* ds = file.getDataset();
  for (const DcmTagKey& key : {DCM_InstanceNumber, DCM_EchoNumbers, DCM_SeriesNumber}) {
    auto* e = new DcmUnsignedLong(DcmTag(key, EVR_UL));
    e->putUint32(4244635652u);
    ASSERT_TRUE(ds->insert(e, true).good());
  }
  ASSERT_TRUE(file.saveFile((t.path / "odd.dcm").c_str(), EXS_LittleEndianExplicit).good());
  auto r = scan_folders({t.path.string()});
  const VolumeInfo* v = find_series(r, "1.2.3.4.13");
  ASSERT_NE(v, nullptr);  // still one readable slice
  EXPECT_NO_THROW(load_volume(*v));
  expect_good_series(r);
}

TEST(dicomBadInput, FileChangedAfterScanFailsWithReason) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  auto r = scan_folders({t.path.string()});
  const VolumeInfo* v = find_series(r, "1.2.3.4.99");
  ASSERT_NE(v, nullptr);
  fs::remove(t.path / "good1.dcm");
  try {
    load_volume(*v);
    FAIL() << "expected an Input error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Input);
    EXPECT_NE(std::string(e.what()).find("good1.dcm"), std::string::npos) << e.what();
  }
}

TEST(dicomBadInput, VolumeOverVoxelLimitIsRefused) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  auto r = scan_folders({t.path.string()});
  const VolumeInfo* v = find_series(r, "1.2.3.4.99");
  ASSERT_NE(v, nullptr);
  ScanOptions tight;
  tight.max_voxels = 100;
  EXPECT_THROW(load_volume(*v, tight), Error);
}

TEST(dicomBadInput, ColourImagesAreSkippedWithReason) {
  TempDir t;
  mpmri::test::write_good_series(t.path);
  FakeSlice rgb;
  rgb.series_uid = "1.2.3.4.13";
  rgb.photometric = "RGB";
  rgb.samples_per_pixel = 3;
  write_slice(t.path / "colfa.dcm", rgb);
  auto r = scan_folders({t.path.string()});
  auto* e = skipped_entry(r, t.path / "colfa.dcm");
  ASSERT_NE(e, nullptr);
  EXPECT_NE(e->reason.find("colour"), std::string::npos) << e->reason;
  expect_good_series(r);
}

TEST(dicomBadInput, RescaleThroughDirectRead) {
  TempDir t;
  FakeSlice s;
  s.series_uid = "1.2.3.4.14";
  s.slope = 2.5;
  s.intercept = -10;
  s.fill = 7;
  write_slice(t.path / "scaled.dcm", s);
  auto r = scan_folders({t.path.string()});
  auto* v = find_series(r, "1.2.3.4.14");
  ASSERT_NE(v, nullptr);
  VolumeImage img = load_volume(*v);
  EXPECT_FLOAT_EQ(img.voxels[0], 7 * 2.5f - 10);
  EXPECT_FLOAT_EQ(img.voxels[63], (7 + 63) * 2.5f - 10);
  EXPECT_EQ(img.spacing[0], 0.75);  // PixelSpacing is row spacing \ column spacing
  EXPECT_EQ(img.spacing[1], 0.5);
}
