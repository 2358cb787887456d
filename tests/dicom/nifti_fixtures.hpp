#pragma once
// Writes small NIfTI files with ITK (known geometry, voxel i of volume t = value(i, t)) and dcm2niix-style
// sidecars for the NIfTI loader tests.
#include <itkImage.h>
#include <itkImageFileWriter.h>
#include <itkNiftiImageIO.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace mpmri::test {

struct NiftiSpec {
  std::array<int, 3> size{6, 5, 4};
  int volumes = 1;  // > 1 writes a 4D file
  std::array<double, 3> spacing{0.8, 0.9, 3.0};
  std::array<double, 3> origin{10, -20, 30};                   // LPS, as ITK takes it
  std::array<double, 9> direction{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major, columns = axis directions (LPS)
  std::function<float(size_t voxel, int volume)> value = [](size_t i, int t) { return float(i) * 1.5f + 1000.0f * t; };
};

template <unsigned D>
void write_nifti_image(const std::filesystem::path& path, const NiftiSpec& s) {
  using Image = itk::Image<float, D>;
  auto image = Image::New();
  typename Image::SizeType size;
  typename Image::SpacingType spacing;
  typename Image::PointType origin;
  typename Image::DirectionType direction;
  direction.SetIdentity();
  for (unsigned k = 0; k < D; ++k) {
    size[k] = k < 3 ? s.size[k] : s.volumes;
    spacing[k] = k < 3 ? s.spacing[k] : 1.0;
    origin[k] = k < 3 ? s.origin[k] : 0.0;
  }
  for (unsigned r = 0; r < 3; ++r)
    for (unsigned c = 0; c < 3; ++c) direction(r, c) = s.direction[r * 3 + c];
  image->SetRegions(typename Image::RegionType(size));
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  const size_t per_volume = size_t(s.size[0]) * s.size[1] * s.size[2];
  float* buffer = image->GetBufferPointer();
  for (int t = 0; t < s.volumes; ++t)
    for (size_t i = 0; i < per_volume; ++i) buffer[t * per_volume + i] = s.value(i, t);
  auto writer = itk::ImageFileWriter<Image>::New();
  writer->SetImageIO(itk::NiftiImageIO::New());
  writer->SetFileName(path.string());
  writer->SetInput(image);
  writer->Update();
}

inline void write_nifti(const std::filesystem::path& path, const NiftiSpec& s) {
  if (s.volumes > 1)
    write_nifti_image<4>(path, s);
  else
    write_nifti_image<3>(path, s);
}

inline void write_text(const std::filesystem::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

}  // namespace mpmri::test
