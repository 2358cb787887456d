#include "ledger.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "mpmri/report.hpp"

namespace mpmri {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw Error(ErrorKind::Io, "ledger: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw Error(ErrorKind::Io, std::string("ledger: ") + text + " in: " + sql);
  }
}

// A prepared statement; bind() takes parameters in order, step() returns false when done.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) fail(db, std::string("cannot prepare ") + sql);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(const std::string& v) {
    sqlite3_bind_text(stmt_, ++next_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(long long v) {
    sqlite3_bind_int64(stmt_, ++next_, v);
    return *this;
  }
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step failed");
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_ = 0;
  }
  std::string text(int column) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
  }
  long long integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int next_ = 0;
};

// Rolls back unless commit() was reached, so an exception never leaves half a study behind.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  bool done_ = false;
};

struct FileStamp {
  long long size = -1, mtime_ns = -1;
  bool operator==(const FileStamp& o) const { return size == o.size && mtime_ns == o.mtime_ns; }
};

FileStamp stamp_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

std::string folder_of(const std::string& path) { return fs::path(path).parent_path().string(); }

std::string now_utc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS studies(
  id INTEGER PRIMARY KEY,
  sort_key TEXT NOT NULL UNIQUE,
  study_uid TEXT NOT NULL,
  status TEXT NOT NULL,
  ok INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  volumes_csv TEXT NOT NULL,
  series_csv TEXT NOT NULL,
  study_json TEXT NOT NULL,
  committed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS study_files(
  path TEXT PRIMARY KEY,
  study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS study_files_by_study ON study_files(study_id);
CREATE TABLE IF NOT EXISTS skipped_files(
  path TEXT NOT NULL, reason TEXT NOT NULL, is_error INTEGER NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  PRIMARY KEY(path, reason));
CREATE TABLE IF NOT EXISTS orphan_series(study_uid TEXT NOT NULL, series_uid TEXT NOT NULL, reason TEXT NOT NULL);
)sql";

void insert_skipped(sqlite3* db, const std::vector<SkippedFile>& skipped) {
  Statement insert(db, "INSERT OR REPLACE INTO skipped_files(path, reason, is_error, size, mtime_ns) VALUES(?,?,?,?,?)");
  for (const auto& s : skipped) {
    FileStamp st = stamp_of(s.path);
    insert.bind(s.path).bind(s.reason).bind(s.is_error ? 1LL : 0LL).bind(st.size).bind(st.mtime_ns).run();
  }
}

}  // namespace

Ledger::Ledger(const std::string& path, Access access) : path_(path) {
  int flags = access == Access::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(access == Access::ReadOnly ? ErrorKind::Input : ErrorKind::Io, "cannot open ledger " + path + ": " + why);
  }
  sqlite3_busy_timeout(db_, 10000);
  exec(db_, "PRAGMA foreign_keys=ON");
  if (access == Access::ReadOnly) return;
  // WAL: a commit is one append, readers (a merge, sqlite3 on the side) never block the run, and a killed
  // process loses only the transaction it had open. synchronous=NORMAL is durable against a killed process;
  // a power cut may lose the last commits, never the database.
  exec(db_, "PRAGMA journal_mode=WAL");
  exec(db_, "PRAGMA synchronous=NORMAL");
  exec(db_, kSchema);
}

Ledger::~Ledger() { sqlite3_close(db_); }

bool Ledger::empty() const {
  Statement any(db_, "SELECT EXISTS(SELECT 1 FROM studies) OR EXISTS(SELECT 1 FROM skipped_files)");
  any.step();
  return any.integer(0) == 0;
}

long Ledger::studies() const {
  Statement count(db_, "SELECT COUNT(*) FROM studies");
  count.step();
  return static_cast<long>(count.integer(0));
}

std::map<std::string, std::string> Ledger::meta() const {
  std::map<std::string, std::string> out;
  Statement rows(db_, "SELECT key, value FROM meta");
  while (rows.step()) out[rows.text(0)] = rows.text(1);
  return out;
}

void Ledger::set_meta(const std::map<std::string, std::string>& values) {
  Transaction tx(db_);
  Statement put(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  for (const auto& [k, v] : values) put.bind(k).bind(v).run();
  tx.commit();
}

long Ledger::keep_unchanged(std::vector<std::string>& files) {
  std::unordered_map<std::string, FileStamp> now;
  now.reserve(files.size());
  for (const auto& f : files) now.emplace(f, stamp_of(f));

  std::unordered_map<std::string, long long> owner;  // recorded file -> study id
  std::set<long long> changed;
  std::map<std::string, std::set<long long>> studies_in_folder;
  {
    Statement rows(db_, "SELECT path, study_id, size, mtime_ns FROM study_files");
    while (rows.step()) {
      std::string path = rows.text(0);
      long long id = rows.integer(1);
      auto it = now.find(path);
      if (it == now.end() || !(it->second == FileStamp{rows.integer(2), rows.integer(3)})) changed.insert(id);
      studies_in_folder[folder_of(path)].insert(id);
      owner.emplace(std::move(path), id);
    }
  }
  std::set<std::pair<std::string, std::string>> stale_skipped;
  std::set<std::string> known_skipped;
  {
    Statement rows(db_, "SELECT path, reason, size, mtime_ns FROM skipped_files");
    while (rows.step()) {
      auto it = now.find(rows.text(0));
      if (it != now.end() && it->second == FileStamp{rows.integer(2), rows.integer(3)})
        known_skipped.insert(rows.text(0));
      else
        stale_skipped.emplace(rows.text(0), rows.text(1));  // gone or changed: listing and scanning say it anew
    }
  }
  // A file the ledger has never seen beside a recorded study (a series copied in late) changes that study.
  for (const auto& f : files) {
    if (owner.count(f) || known_skipped.count(f)) continue;
    auto it = studies_in_folder.find(folder_of(f));
    if (it != studies_in_folder.end()) changed.insert(it->second.begin(), it->second.end());
  }

  Transaction tx(db_);
  Statement drop_study(db_, "DELETE FROM studies WHERE id = ?");
  for (long long id : changed) drop_study.bind(id).run();
  Statement drop_skipped(db_, "DELETE FROM skipped_files WHERE path = ? AND reason = ?");
  for (const auto& [path, reason] : stale_skipped) drop_skipped.bind(path).bind(reason).run();
  tx.commit();

  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const std::string& f) {
                               auto it = owner.find(f);
                               return (it != owner.end() && !changed.count(it->second)) || known_skipped.count(f);
                             }),
              files.end());
  return studies();
}

void Ledger::commit_study(const LedgerStudy& study, const std::vector<SkippedFile>& new_skipped) {
  Transaction tx(db_);
  Statement drop_owner(db_, "DELETE FROM studies WHERE id IN (SELECT study_id FROM study_files WHERE path = ?)");
  for (const auto& f : study.files) drop_owner.bind(f).run();
  Statement drop_same_key(db_, "DELETE FROM studies WHERE sort_key = ?");
  drop_same_key.bind(study.sort_key).run();
  const char* status = study.failed == 0 ? "ok" : study.ok == 0 ? "failed" : "partial";
  Statement insert(db_,
                   "INSERT INTO studies(sort_key, study_uid, status, ok, failed, volumes_csv, series_csv, study_json, "
                   "committed_at) VALUES(?,?,?,?,?,?,?,?,?)");
  insert.bind(study.sort_key).bind(study.study_uid).bind(std::string(status)).bind(study.ok).bind(study.failed)
      .bind(study.volumes_csv).bind(study.series_csv).bind(study.study_json).bind(now_utc()).run();
  const long long id = sqlite3_last_insert_rowid(db_);
  Statement file(db_, "INSERT INTO study_files(path, study_id, size, mtime_ns) VALUES(?,?,?,?)");
  for (const auto& f : study.files) {
    FileStamp st = stamp_of(f);
    file.bind(f).bind(id).bind(st.size).bind(st.mtime_ns).run();
  }
  insert_skipped(db_, new_skipped);
  tx.commit();
}

void Ledger::add_skipped(const std::vector<SkippedFile>& skipped) {
  Transaction tx(db_);
  insert_skipped(db_, skipped);
  tx.commit();
}

void Ledger::replace_orphans(const std::vector<FailedSeries>& orphans) {
  Transaction tx(db_);
  exec(db_, "DELETE FROM orphan_series");
  Statement insert(db_, "INSERT INTO orphan_series(study_uid, series_uid, reason) VALUES(?,?,?)");
  for (const auto& o : orphans) insert.bind(o.study_uid).bind(o.series_uid).bind(o.reason).run();
  tx.commit();
}

void Ledger::for_each_study(const std::function<void(const LedgerStudy&)>& visit) const {
  Statement rows(db_,
                 "SELECT sort_key, study_uid, ok, failed, volumes_csv, series_csv, study_json FROM studies "
                 "ORDER BY sort_key");
  LedgerStudy s;
  while (rows.step()) {
    s.sort_key = rows.text(0);
    s.study_uid = rows.text(1);
    s.ok = static_cast<long>(rows.integer(2));
    s.failed = static_cast<long>(rows.integer(3));
    s.volumes_csv = rows.text(4);
    s.series_csv = rows.text(5);
    s.study_json = rows.text(6);
    visit(s);
  }
}

std::vector<SkippedFile> Ledger::skipped() const {
  std::vector<SkippedFile> out;
  Statement rows(db_, "SELECT path, reason, is_error FROM skipped_files ORDER BY path, reason");
  while (rows.step()) out.push_back({rows.text(0), rows.text(1), rows.integer(2) != 0});
  return out;
}

std::vector<FailedSeries> Ledger::orphans() const {
  std::vector<FailedSeries> out;
  Statement rows(db_, "SELECT study_uid, series_uid, reason FROM orphan_series ORDER BY study_uid, series_uid, reason");
  while (rows.step()) out.push_back({rows.text(0), rows.text(1), rows.text(2)});
  return out;
}

Outcome Ledger::outcome() const {
  Outcome o;
  Statement sums(db_,
                 "SELECT COALESCE(SUM(ok), 0), COALESCE(SUM(failed), 0) FROM studies");
  sums.step();
  o.ok = static_cast<long>(sums.integer(0));
  o.failed = static_cast<long>(sums.integer(1));
  Statement more(db_,
                 "SELECT (SELECT COUNT(*) FROM orphan_series) + (SELECT COUNT(*) FROM skipped_files WHERE is_error)");
  more.step();
  o.failed += static_cast<long>(more.integer(0));
  return o;
}

void Ledger::absorb(const std::string& other_path) {
  Statement attach(db_, "ATTACH DATABASE ? AS shard");
  attach.bind(other_path).run();
  try {
    Transaction tx(db_);
    Statement duplicate(db_,
                        "SELECT s.sort_key FROM shard.studies s JOIN main.studies m ON m.sort_key = s.sort_key LIMIT 1");
    if (duplicate.step())
      throw Error(ErrorKind::Input, "study " + duplicate.text(0) + " of " + other_path + " is in another shard too");
    exec(db_,
         "INSERT INTO main.studies(sort_key, study_uid, status, ok, failed, volumes_csv, series_csv, study_json, "
         "committed_at) SELECT sort_key, study_uid, status, ok, failed, volumes_csv, series_csv, study_json, "
         "committed_at FROM shard.studies");
    exec(db_,
         "INSERT OR REPLACE INTO main.study_files(path, study_id, size, mtime_ns) SELECT f.path, m.id, f.size, "
         "f.mtime_ns FROM shard.study_files f JOIN shard.studies s ON s.id = f.study_id "
         "JOIN main.studies m ON m.sort_key = s.sort_key");
    exec(db_, "INSERT OR REPLACE INTO main.skipped_files SELECT * FROM shard.skipped_files");
    exec(db_, "INSERT INTO main.orphan_series SELECT * FROM shard.orphan_series");
    tx.commit();
  } catch (...) {
    sqlite3_exec(db_, "DETACH DATABASE shard", nullptr, nullptr, nullptr);
    throw;
  }
  exec(db_, "DETACH DATABASE shard");
}

void write_outputs_from_ledger(const Ledger& ledger, const std::string& out_dir, const RunProvenance& provenance) {
  ResultsWriter writer(out_dir, provenance);
  ledger.for_each_study([&](const LedgerStudy& s) { writer.add_rendered(s.volumes_csv, s.series_csv, s.study_json); });
  // Series that failed before they had a single volume, in studies that had none either.
  StudyResult orphans;
  for (const auto& f : ledger.orphans()) orphans.series.push_back(failed_series_result(f));
  if (!orphans.series.empty()) writer.add_study(orphans);
  writer.add_skipped(ledger.skipped());
  writer.finish();
}

}  // namespace mpmri
