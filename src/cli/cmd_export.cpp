// `mpmri-classify export RUN_DIR`: the routing outputs (--nifti, --sort, --sr) of a finished classify run, from its
// results.json, without classifying again. The routing options are declared here once for classify and export.
#include "command.hpp"
#include "mpmri/routing.hpp"
#include "mpmri/runner.hpp"

namespace mpmri::cli {

void add_routing_options(CLI::App& sub, RoutingOptions& routing) {
  auto* nifti = sub.add_option("--nifti", routing.nifti_dir,
                               "Write each classified volume as DIR/<name>.nii.gz with a JSON sidecar (+ .bval/.bvec "
                               "for diffusion); the labels of --nifti-labels, by default all but Other");
  sub.add_option("--nifti-name", routing.nifti_name,
                 "NIfTI name template: %p PatientID, %d StudyDate, %i StudyInstanceUID, %l label, %s SeriesNumber, "
                 "%t SeriesDescription, %u SeriesInstanceUID, %v volume index, / makes folders; a name used twice "
                 "gets _2, _3, ...")
      ->capture_default_str()
      ->needs(nifti)
      ->check(CLI::Validator(
          [](std::string& name_template) {
            try {
              nifti_file_stem(name_template, StudyResult{}, VolumeResult{});
              return std::string();
            } catch (const Error& e) {
              return std::string(e.what());
            }
          },
          "TEMPLATE"));
  sub.add_option_function<std::vector<std::string>>(
         "--nifti-labels",
         [&routing](const std::vector<std::string>& names) {
           for (const auto& name : names) {
             auto label = parse_label(name);
             if (!label) throw CLI::ValidationError("--nifti-labels", "unknown label '" + name + "'");
             routing.nifti_labels.insert(*label);
           }
         },
         "Comma-separated labels to write as NIfTI (Other only when listed)")
      ->delimiter(',')
      ->needs(nifti);
  auto* sort = sub.add_option("--sort", routing.sort_dir,
                              "Arrange the original DICOM files as DIR/<study>/<series_number>_<label>/<name> "
                              "(hard links on the same filesystem, else copies; never moved or overwritten)");
  sub.add_flag("--copy", routing.sort_copy, "With --sort: copy the files even where a hard link would do")->needs(sort);
  sub.add_option("--sr", routing.sr_dir,
                 "Write one DICOM Comprehensive SR per study into DIR, filed into the original study");
}

void add_export_command(CLI::App& app, CommandSlot& slot) {
  auto opts = std::make_shared<ExportOptions>();
  auto* sub = app.add_subcommand("export", "Route a finished run's series (NIfTI, sorted DICOM, SR) from its results.json");
  sub->add_option("run_dir", opts->run_dir, "A classify output folder (holds results.json)")
      ->required()
      ->check(CLI::ExistingDirectory);
  sub->add_option("-j,--jobs", opts->jobs, "Worker threads (0 = all cores)")->check(CLI::NonNegativeNumber);
  add_routing_options(*sub, opts->routing);
  sub->callback([&slot, opts] {
#ifdef MPMRI_HAVE_RUNNER
    slot.run = [opts] { return run_export(*opts).exit_code(); };
#else
    slot.run = []() -> ExitCode { throw Error(ErrorKind::Internal, "this build lacks the export runner"); };
#endif
  });
}

}  // namespace mpmri::cli
