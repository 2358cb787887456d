// scan -> load + preprocess (parallel) -> infer + decide + write (in order), one study at a time.
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_pipeline.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "mpmri/dicom.hpp"
#include "mpmri/io.hpp"
#include "mpmri/model.hpp"
#include "mpmri/preprocess.hpp"
#include "mpmri/report.hpp"
#include "mpmri/runner.hpp"
#include "archive_run.hpp"
#include "progress.hpp"
#include "study_source.hpp"

namespace mpmri {

namespace {

std::string thumbnail_path(const std::string& out_dir, const VolumeInfo& v) {
  return out_dir + "/thumbnails/" + thumbnail_file_name(v.header.series_uid, v.volume_index);
}

// Series that could not be split or read at all become failed series rows.
void add_failed_series(StudyResult& study, const std::vector<FailedSeries>& failed) {
  for (const auto& f : failed) study.series.push_back(failed_series_result(f));
}

// Every volume and every series that failed before it had a volume counts once in the exit code.
void count_outcome(const StudyResult& study, Outcome& outcome) {
  for (const auto& v : study.volumes) (v.status == VolumeStatus::Ok ? outcome.ok : outcome.failed)++;
  for (const auto& s : study.series)
    if (s.status == VolumeStatus::Failed && s.volumes == 0) outcome.failed++;
}

void infer(PreparedStudy& work, ImageClassifier& classifier) {
  std::vector<std::vector<float>> batch;
  std::vector<size_t> index;
  for (size_t i = 0; i < work.result.volumes.size(); ++i) {
    // Another modality (a CT in the patient's folder) is Other before any model runs (DecisionEngine).
    if (work.result.volumes[i].status != VolumeStatus::Ok || work.result.volumes[i].info.header.other_modality()) continue;
    batch.push_back(std::move(work.inputs[i]));
    index.push_back(i);
  }
  if (batch.empty()) return;
  std::vector<LabelProbs> probs = classifier.predict(batch);
  for (size_t k = 0; k < index.size(); ++k) work.result.volumes[index[k]].image_probs = probs[k];
}

}  // namespace

PreparedStudy prepare_study(Study study, const ClassifyOptions& options, const ModelCard* card, const ScanOptions& scan) {
  PreparedStudy work;
  work.result.study_uid = study.study_uid;
  work.failed = std::move(study.failed);
  for (auto& series : study.series)
    for (auto& volume : series.volumes) {
      VolumeResult r;
      r.info = std::move(volume);
      work.result.volumes.push_back(std::move(r));
    }
  work.inputs.resize(work.result.volumes.size());
  tbb::parallel_for(size_t(0), work.result.volumes.size(), [&](size_t i) {
    VolumeResult& v = work.result.volumes[i];
    try {
      VolumeImage image = load_volume(v.info, scan);
      if (!options.out_dir.empty()) {
        try {
          write_thumbnail_png(image, thumbnail_path(options.out_dir, v.info));
        } catch (const std::exception& e) {  // a missing thumbnail must not cost the volume its label
          spdlog::warn("no thumbnail for {}: {}", v.info.id(), e.what());
        }
      }
      if (card && !v.info.header.other_modality()) work.inputs[i] = prepare_model_input(image, card->grid, card->norm);
    } catch (const std::exception& e) {
      v.status = VolumeStatus::Failed;
      v.reason = e.what();
    }
  });
  return work;
}

StudyResult finish_study(PreparedStudy work, ImageClassifier* classifier, const DecisionEngine& decisions, Mode mode) {
  StudyResult& study = work.result;
  if (classifier) {
    try {
      infer(work, *classifier);
    } catch (const std::exception& e) {  // out of memory on a device, a shape error: this study fails, the batch goes on
      for (auto& v : study.volumes)
        if (v.status == VolumeStatus::Ok) {
          v.status = VolumeStatus::Failed;
          v.reason = std::string("inference failed: ") + e.what();
        }
    }
  }
  decisions.decide_study(study.volumes, mode);
  study.series = decisions.summarize_series(study.volumes);
  add_failed_series(study, work.failed);
  return std::move(work.result);
}

StudyResult classify_study(Study study, const ClassifyOptions& options, const ModelCard* card, ImageClassifier* classifier,
                           const DecisionEngine& decisions, const ScanOptions& scan) {
  return finish_study(prepare_study(std::move(study), options, card, scan), classifier, decisions, options.mode);
}

namespace {

// A study in the pipeline with the files the source skipped while scanning for it: the ledger records them with
// the study. They are taken in the source's own stage, the only one that appends to skipped().
template <class Stage>
struct WithSkipped {
  Stage stage;
  std::vector<SkippedFile> skipped;
};

}  // namespace

Outcome run_classify(const ClassifyOptions& options) {
  if (options.inputs.empty()) throw Error(ErrorKind::Usage, "no input folder given");
  for (const auto& in : options.inputs)
    if (!std::filesystem::exists(in)) throw Error(ErrorKind::Usage, "input does not exist: " + in);

  const int threads = options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::max(1, threads));

  // TBB dlopens its optional thread-pool server (libirml) when it first starts workers; the dynamic loader
  // serialises that behind the model's dlopen, whose constructors run ~1 s under the loader lock, so start
  // the workers before the model load begins (measured: decoding otherwise waited for the whole load).
  tbb::parallel_for(0, std::max(1, threads), [](int) {});
  // Opening LibTorch and loading the TorchScript model take 0.5-1 s: that runs while the first study is scanned
  // and decoded, since the card alone says how to prepare inputs. A model that fails to load still stops the
  // run: the first inference rethrows it, and so does the check after the pipeline when no study was found.
  std::optional<ModelCard> card_storage;
  std::shared_future<std::shared_ptr<ImageClassifier>> classifier_future;
  if (options.mode != Mode::Header) {
    std::string model = options.model_path.empty() ? default_model_path() : options.model_path;
    if (!std::filesystem::is_regular_file(model)) throw Error(ErrorKind::Model, "model file not found: " + model);
    card_storage = read_model_card_for(model);
    classifier_future = std::async(std::launch::async, [model, device = options.device, threads] {
                          return std::shared_ptr<ImageClassifier>(load_classifier(model, device, threads));
                        }).share();
    spdlog::info("model {} ({})", card_storage->name, model);
  }
  // The model load is the longer of the two at start (LibTorch's operator registration is single-threaded):
  // decoding gives it a core until it is ready, then takes them all.
  std::optional<tbb::global_control> yield_to_model_load;
  if (classifier_future.valid() && threads > 1)
    yield_to_model_load.emplace(tbb::global_control::max_allowed_parallelism, threads - 1);
  const ModelCard* card = card_storage ? &*card_storage : nullptr;
  DecisionEngine decisions(options.decision);

  RunProvenance provenance;
  provenance.tool_version = tool_version();
  provenance.model_name = card ? card->name : "";
  provenance.model_sha256 = card ? card->sha256 : "";
  provenance.mode = options.mode == Mode::Image ? "image" : options.mode == Mode::Header ? "header" : "fusion";
  provenance.arguments = options.arguments;
  ArchiveRun archive(options, provenance);  // OUT/ledger.sqlite: resuming, --shard (docs/archives.md)
  std::vector<std::unique_ptr<StudyRouter>> routers = make_routers(options.routing);  // --nifti, --sort, --sr

  ScanOptions scan_options;
  scan_options.threads = threads;
  StudySource source(
      options.inputs, scan_options, [&](std::vector<std::string>& files) { archive.select_files(files); },
      options.whole_studies);
  // A resumed run's report must show the studies of earlier runs too: it is rebuilt from the outputs at the end.
  std::unique_ptr<HtmlReport> html;
  if (!options.report_html.empty() && archive.studies_kept() == 0)
    html = std::make_unique<HtmlReport>(options.report_html, options.out_dir);
  Progress progress(options.progress && ::isatty(STDERR_FILENO), archive.studies_kept());

  tbb::parallel_pipeline(
      2,  // two studies in flight: one decoding while the previous one is inferred and written
      tbb::make_filter<void, std::shared_ptr<WithSkipped<Study>>>(
          tbb::filter_mode::serial_in_order,
          [&](tbb::flow_control& fc) -> std::shared_ptr<WithSkipped<Study>> {
            std::optional<Study> study = source.next();
            if (!study) {
              fc.stop();
              return nullptr;
            }
            return std::make_shared<WithSkipped<Study>>(
                WithSkipped<Study>{std::move(*study), archive.take_new_skipped(source.skipped())});
          }) &
          tbb::make_filter<std::shared_ptr<WithSkipped<Study>>, std::shared_ptr<WithSkipped<PreparedStudy>>>(
              tbb::filter_mode::parallel,
              [&](std::shared_ptr<WithSkipped<Study>> sourced) {
                return std::make_shared<WithSkipped<PreparedStudy>>(WithSkipped<PreparedStudy>{
                    prepare_study(std::move(sourced->stage), options, card, scan_options), std::move(sourced->skipped)});
              }) &
          tbb::make_filter<std::shared_ptr<WithSkipped<PreparedStudy>>, void>(
              tbb::filter_mode::serial_in_order, [&](std::shared_ptr<WithSkipped<PreparedStudy>> work) {
                ImageClassifier* classifier = nullptr;
                if (classifier_future.valid()) {
                  classifier = classifier_future.get().get();  // a load failure ends the run here
                  yield_to_model_load.reset();
                }
                StudyResult study = finish_study(std::move(work->stage), classifier, decisions, options.mode);
                Outcome counted;
                count_outcome(study, counted);
                archive.commit(study, counted, work->skipped);
                if (html) html->add_study(study);
                for (auto& router : routers) router->add_study(study);
                if (options.json_stdout) std::cout << study_json(study) << "\n" << std::flush;
                progress.update(source.folders_done(), source.folders_total(), study.volumes.size(), counted.failed > 0);
              }));

  progress.finish();
  if (classifier_future.valid()) classifier_future.get();  // no study reached inference: still report a bad model
  // Failures whose study never came out of the source, or came out before they were found (a study spread over
  // distant folders): written as rows of their own, so every failure is in the output, not only in the exit code.
  const std::vector<FailedSeries> unclaimed = source.take_unclaimed_failures();
  if (!unclaimed.empty() && options.json_stdout) {
    StudyResult late;
    add_failed_series(late, unclaimed);
    std::cout << study_json(late) << "\n" << std::flush;
  }
  for (const auto& s : source.skipped()) spdlog::debug("skipped {}: {}", s.path, s.reason);
  // The outputs are written from the ledger, and the outcome counts all of it (earlier runs included): a resumed
  // run exits as an uninterrupted one would.
  Outcome outcome = archive.finish(unclaimed, source.skipped());
  if (html) html->finish();
  for (auto& router : routers) {
    router->finish();
    outcome.failed += router->failures();
  }
  if (!options.report_html.empty() && !html) write_classify_report(options.out_dir, options.report_html);
  spdlog::info("{} volumes classified, {} failed; results in {}", outcome.ok, outcome.failed, options.out_dir);
  return outcome;
}

}  // namespace mpmri
