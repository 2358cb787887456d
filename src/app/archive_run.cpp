#include "archive_run.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "mpmri/io.hpp"

namespace mpmri {

namespace {

namespace fs = std::filesystem;

std::string file_identity(const std::string& path) { return path.empty() ? "built-in" : sha256_file(path); }

std::string ledger_path(const std::string& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir))
    throw Error(ErrorKind::Io, "cannot create output folder " + out_dir + (ec ? ": " + ec.message() : ""));
  return (fs::path(out_dir) / Ledger::kFileName).string();
}

// --fresh: the ledger and its WAL go, the outputs are rewritten at the end.
std::string fresh_ledger_path(const std::string& out_dir, bool fresh) {
  std::string path = ledger_path(out_dir);
  if (fresh)
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  return path;
}

// One run per output folder at a time: two would interleave their commits and rewrites. The lock goes with
// the process, however it ends.
int lock_output_folder(const std::string& out_dir) {
  const std::string path = (fs::path(ledger_path(out_dir)).parent_path() / ".ledger.lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(ErrorKind::Io, "cannot create " + path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    throw Error(ErrorKind::Usage, "another run is writing to " + out_dir);
  }
  return fd;
}

// Temporary files of a run that was killed while writing a thumbnail (write_file_atomic names them
// NAME.tmpRANDOM.PID); with the folder locked, none of them belongs to a live writer.
void remove_stale_temporaries(const std::string& out_dir) {
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(out_dir) / "thumbnails", ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().find(".png.tmp") != std::string::npos) fs::remove(it->path(), ec);
}

}  // namespace

LedgerParameters classify_parameters(const ClassifyOptions& options, const RunProvenance& provenance) {
  return {{"tool_version", provenance.tool_version},
          {"mode", provenance.mode},
          {"model_name", provenance.model_name},
          {"model_sha256", provenance.model_sha256},
          {"keyword_rules_sha256", file_identity(options.decision.keyword_rules_path)},
          {"fusion_params_sha256", file_identity(options.decision.fusion_params_path)}};
}

ArchiveRun::ArchiveRun(const ClassifyOptions& options, const RunProvenance& provenance)
    : options_(options),
      lock_fd_(lock_output_folder(options.out_dir)),
      provenance_(provenance),
      shard_(ShardSpec::parse(options.shard)),
      ledger_(fresh_ledger_path(options.out_dir, options.fresh)),
      last_written_(std::chrono::steady_clock::now()) {
  std::map<std::string, std::string> wanted = classify_parameters(options, provenance);
  wanted["shard"] = shard_.text();
  std::map<std::string, std::string> recorded = ledger_.meta();
  if (!ledger_.empty())
    for (const auto& [key, value] : wanted) {
      auto it = recorded.find(key);
      std::string was = it == recorded.end() ? "(none)" : it->second;
      if (was != value)
        throw Error(ErrorKind::Usage, "output folder " + options.out_dir + " holds the ledger of a run with another " +
                                          key + " (" + was + ", now " + value +
                                          "): give another -o, or --fresh to classify everything anew");
    }
  wanted["complete"] = "0";
  ledger_.set_meta(wanted);
  remove_stale_temporaries(options.out_dir);
}

ArchiveRun::~ArchiveRun() { ::close(lock_fd_); }

void ArchiveRun::select_files(std::vector<std::string>& files) {
  size_t listed = files.size();
  keep_shard_files(files, options_.inputs, shard_);
  if (!shard_.whole_archive()) spdlog::info("shard {}: {} of {} files", shard_.text(), files.size(), listed);
  if (ledger_.empty()) return;
  kept_ = ledger_.keep_unchanged(files);
  spdlog::info("resuming: {} studies already done and unchanged, {} files left to scan", kept_, files.size());
}

std::vector<SkippedFile> ArchiveRun::take_new_skipped(const std::vector<SkippedFile>& all) {
  std::vector<SkippedFile> out(all.begin() + static_cast<long>(skipped_taken_), all.end());
  skipped_taken_ = all.size();
  return out;
}

void ArchiveRun::commit(const StudyResult& study, const Outcome& counted, const std::vector<SkippedFile>& new_skipped) {
  LedgerStudy row;
  std::set<std::string> files;
  for (const auto& v : study.volumes)
    for (const auto& slice : v.info.slices) files.insert(slice.path);
  row.files.assign(files.begin(), files.end());
  row.sort_key = row.files.empty() ? "~" + study.study_uid : archive_relative_path(row.files.front(), options_.inputs);
  row.study_uid = study.study_uid;
  row.ok = counted.ok;
  row.failed = counted.failed;
  row.volumes_csv = volumes_csv_rows(study);
  row.series_csv = series_csv_rows(study);
  row.study_json = study_json(study);
  ledger_.commit_study(row, new_skipped);
  auto now = std::chrono::steady_clock::now();
  if (now - last_written_ >= std::chrono::seconds(options_.refresh_seconds)) write_outputs();
}

void ArchiveRun::write_outputs() {
  write_outputs_from_ledger(ledger_, options_.out_dir, provenance_);
  last_written_ = std::chrono::steady_clock::now();
}

Outcome ArchiveRun::finish(const std::vector<FailedSeries>& orphans, const std::vector<SkippedFile>& skipped) {
  ledger_.replace_orphans(orphans);
  ledger_.add_skipped(take_new_skipped(skipped));
  ledger_.set_meta({{"complete", "1"}});
  write_outputs();
  return ledger_.outcome();
}

}  // namespace mpmri
