#pragma once
// NIfTI input (.nii, .nii.gz): one file is one series; a 4D file holds one volume per 4th-dimension index.
// Header facts come from a dcm2niix/BIDS JSON sidecar beside the file (same stem), b-values from a .bval file
// (FSL naming). Without a sidecar a volume carries no header facts. See docs/nifti.md.
#include <array>
#include <string>
#include <vector>

#include "mpmri/dicom.hpp"
#include "mpmri/volume.hpp"

namespace mpmri::nifti {

// True for names ending in .nii or .nii.gz (any case).
bool is_nifti_path(const std::string& path);

// Moves the NIfTI files of `files` into `nifti_files` and drops their sidecars (.json, .bval, .bvec of the
// same stem) from `files`: those are read with their image, not scanned as DICOM.
void take_nifti_files(std::vector<std::string>& files, std::vector<std::string>& nifti_files);

// Reads the headers and sidecars of `nifti_files` (no voxels) and adds their studies, series and volumes to
// `result` (merging into a study of the same UID). A file that cannot be read becomes a FailedSeries with the
// reason; a sidecar that cannot be read is a skipped file and the image goes on without it.
void scan_nifti(const std::vector<std::string>& nifti_files, const ScanOptions& options, ScanResult& result);

// Reads the voxels of one NIfTI volume (VolumeInfo::nifti set) into LPS geometry with scl_slope/scl_inter applied.
// Throws Error(ErrorKind::Input) with the reason when the file cannot be read.
VolumeImage load_nifti_volume(const VolumeInfo& volume, const ScanOptions& options);

// The study UID of NIfTI files without a sidecar StudyInstanceUID: "2.25." + the first 16 bytes of the
// SHA-256 of the folder's absolute path, as a decimal number (a UUID-derived UID, deterministic per folder).
std::string folder_study_uid(const std::string& folder);

// What the image file itself says, in the loader's convention (nifti_io.cpp, through ITK's NIfTI reader,
// which converts the file's RAS qform/sform to LPS): x fastest, then y, then z, and z ascending along
// row x column, as the DICOM loader sorts slices. A file whose index axes are left-handed has its rows
// reversed here (`reversed_rows`): dcm2niix stores a DICOM series with its rows flipped, so this restores
// the DICOM's own voxel order (top row first, slices in the same order), not only its physical placement.
struct NiftiGeometry {
  std::array<int, 3> size{};
  int volumes = 1;  // 4th dimension (1 for 2D/3D files)
  std::array<double, 3> spacing{1, 1, 1};
  std::array<double, 3> origin{};                              // LPS centre of voxel (0,0,0) after any reversal
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, columns = axis directions
  bool reversed_rows = false;
};

// Throws Error(ErrorKind::Input) when the file is not a readable single-component NIfTI of 2 to 4 dimensions.
NiftiGeometry read_nifti_geometry(const std::string& path, std::size_t max_voxels);

// Reads 3D volume `index` of the file into `voxels` (size x*y*z, file order, rescale applied).
void read_nifti_voxels(const std::string& path, const NiftiGeometry& geometry, int index, std::vector<float>& voxels);

}  // namespace mpmri::nifti
