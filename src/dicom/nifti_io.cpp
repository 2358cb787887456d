// The NIfTI file itself through ITK's NIfTI reader: geometry (ITK converts the file's RAS qform/sform to LPS)
// and the voxels of one 3D volume, converted to float with scl_slope/scl_inter applied by ITK.
#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkNiftiImageIO.h>

#include <cmath>

#include "dicom/nifti_source.hpp"
#include "mpmri/error.hpp"

namespace mpmri::nifti {

namespace {

double det3(const std::array<double, 9>& m) {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

itk::NiftiImageIO::Pointer open_header(const std::string& path) {
  auto io = itk::NiftiImageIO::New();
  if (!io->CanReadFile(path.c_str())) throw Error(ErrorKind::Input, "not a readable NIfTI file (header missing, damaged or not NIfTI)");
  io->SetFileName(path);
  try {
    io->ReadImageInformation();
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::Input, std::string("NIfTI header could not be read: ") + e.GetDescription());
  }
  return io;
}

}  // namespace

NiftiGeometry read_nifti_geometry(const std::string& path, std::size_t max_voxels) {
  auto io = open_header(path);
  const unsigned dims = io->GetNumberOfDimensions();
  if (dims < 2 || dims > 4)
    throw Error(ErrorKind::Input, "NIfTI with " + std::to_string(dims) + " dimensions (only 2D, 3D and 4D images are read)");
  if (io->GetNumberOfComponents() != 1)
    throw Error(ErrorKind::Input, "NIfTI with " + std::to_string(io->GetNumberOfComponents()) +
                                      " components per voxel (vector, complex or RGB): not an MR magnitude image");
  NiftiGeometry g;
  for (unsigned k = 0; k < 3; ++k) {
    g.size[k] = k < dims ? static_cast<int>(io->GetDimensions(k)) : 1;
    g.spacing[k] = k < dims ? io->GetSpacing(k) : 1.0;
    g.origin[k] = k < dims ? io->GetOrigin(k) : 0.0;
    if (g.size[k] <= 0) throw Error(ErrorKind::Input, "NIfTI has an empty dimension");
    if (!(g.spacing[k] > 0) || !std::isfinite(g.spacing[k]))
      throw Error(ErrorKind::Input, "NIfTI has a non-positive voxel spacing (pixdim)");
  }
  g.volumes = dims == 4 ? static_cast<int>(io->GetDimensions(3)) : 1;
  if (g.volumes <= 0) throw Error(ErrorKind::Input, "NIfTI has an empty 4th dimension");
  double voxels = double(g.size[0]) * g.size[1] * g.size[2];
  if (voxels > double(max_voxels))
    throw Error(ErrorKind::Input, "NIfTI volume has " + std::to_string(static_cast<long long>(voxels)) +
                                      " voxels, over the limit of " + std::to_string(max_voxels));
  // Columns of `direction` are the axis directions; a 2D file's third axis is the in-plane normal.
  for (unsigned axis = 0; axis < 3 && axis < dims; ++axis) {
    std::vector<double> d = io->GetDirection(axis);
    for (unsigned r = 0; r < 3; ++r) g.direction[r * 3 + axis] = r < d.size() ? d[r] : (r == axis ? 1.0 : 0.0);
  }
  if (dims == 2) {
    const auto& m = g.direction;
    std::array<double, 3> n{m[3] * m[7] - m[6] * m[4], m[6] * m[1] - m[0] * m[7], m[0] * m[4] - m[3] * m[1]};
    for (int r = 0; r < 3; ++r) g.direction[r * 3 + 2] = n[r];
  }
  const double det = det3(g.direction);
  if (!(std::fabs(det) > 1e-6)) throw Error(ErrorKind::Input, "NIfTI orientation (qform/sform) is singular");
  if (det < 0) {
    // Slices must ascend along row x column: undo dcm2niix's row flip (start from the other end of y).
    g.reversed_rows = true;
    for (int r = 0; r < 3; ++r) {
      g.origin[r] += g.direction[r * 3 + 1] * g.spacing[1] * (g.size[1] - 1);
      g.direction[r * 3 + 1] = -g.direction[r * 3 + 1];
    }
  }
  return g;
}

void read_nifti_voxels(const std::string& path, const NiftiGeometry& geometry, int index, std::vector<float>& voxels) {
  using Image4 = itk::Image<float, 4>;
  auto reader = itk::ImageFileReader<Image4>::New();
  reader->SetImageIO(itk::NiftiImageIO::New());
  reader->SetFileName(path);
  try {
    reader->UpdateOutputInformation();
    Image4::RegionType region = reader->GetOutput()->GetLargestPossibleRegion();
    for (unsigned k = 0; k < 3; ++k)
      if (region.GetSize(k) != static_cast<itk::SizeValueType>(geometry.size[k]))
        throw Error(ErrorKind::Input, "NIfTI file changed since it was scanned (matrix differs)");
    if (index < 0 || static_cast<itk::SizeValueType>(index) >= region.GetSize(3))
      throw Error(ErrorKind::Input, "NIfTI file has no volume " + std::to_string(index) + " along its 4th dimension");
    region.SetIndex(3, index);
    region.SetSize(3, 1);
    // ITK's NIfTI reader reads just this 3D block (a .nii.gz is decompressed up to it, not beyond).
    reader->GetOutput()->SetRequestedRegion(region);
    reader->Update();
    const Image4* image = reader->GetOutput();
    Image4::IndexType first = region.GetIndex();
    if (!image->GetBufferedRegion().IsInside(region))
      throw Error(ErrorKind::Input, "ITK's NIfTI reader did not return the requested volume");
    const float* begin = image->GetBufferPointer() + image->ComputeOffset(first);
    voxels.assign(begin, begin + region.GetNumberOfPixels());
  } catch (const itk::ExceptionObject& e) {
    throw Error(ErrorKind::Input, std::string("NIfTI voxels could not be read (truncated or damaged file?): ") + e.GetDescription());
  }
}

}  // namespace mpmri::nifti
