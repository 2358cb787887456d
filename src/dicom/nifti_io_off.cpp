// Fuzz builds only (MPMRI_FUZZ): they are compiled with clang, which Debian's ITK headers refuse, so ITK's NIfTI
// reader is left out and NIfTI files fail as unreadable series with this reason.
#include "dicom/nifti_source.hpp"
#include "mpmri/error.hpp"

namespace mpmri::nifti {

NiftiGeometry read_nifti_geometry(const std::string&, std::size_t) {
  throw Error(ErrorKind::Input, "no NIfTI reader in this build (fuzzing build without ITK)");
}

void read_nifti_voxels(const std::string&, const NiftiGeometry&, int, std::vector<float>&) {
  throw Error(ErrorKind::Input, "no NIfTI reader in this build (fuzzing build without ITK)");
}

}  // namespace mpmri::nifti
