#pragma once
// Stage 1: find DICOM files, read headers without pixel data, group into studies/series, split series
// into volumes, and decode one volume on demand. Knows nothing of the network. NIfTI files (.nii, .nii.gz)
// are series of their own, with header facts from a JSON sidecar (src/dicom/nifti_source.hpp).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mpmri/volume.hpp"

namespace mpmri {

struct ScanOptions {
  int threads = 0;                         // 0 = all cores
  std::size_t max_voxels = 256u << 20;     // refuse volumes larger than this (absurd headers)
};

// Recursively lists candidate files under each root (files given directly are kept).
// Unreadable folders and symlink loops are reported in `skipped`, never thrown.
std::vector<std::string> list_files(const std::vector<std::string>& roots, std::vector<SkippedFile>& skipped);

// StudyInstanceUID of a DICOM file, parsing no further than (0020,000D); nullopt for anything else (not DICOM,
// unreadable, no UID). Cheap enough to learn, before any study is classified, which folders hold each study.
std::optional<std::string> read_study_uid(const std::string& path);

// Reads headers of `files` (no pixel data), groups into studies and series, splits into volumes.
ScanResult scan_files(const std::vector<std::string>& files, const ScanOptions& options = {});

// list_files + scan_files.
ScanResult scan_folders(const std::vector<std::string>& roots, const ScanOptions& options = {});

// Decodes the slices of one volume into LPS geometry with rescale applied.
// Throws Error(ErrorKind::Input) with a reason when the volume cannot be built.
VolumeImage load_volume(const VolumeInfo& volume, const ScanOptions& options = {});

}  // namespace mpmri
