// JPEG 2000 (and anything else DCMTK 3.6.7 cannot decode) through ITK's GDCMImageIO.
#include <gdcmTrace.h>
#include <itkGDCMImageIO.h>

#include <mutex>

#include <cstdint>

#include "dicom/decode.hpp"

namespace mpmri::dicom {

namespace {
template <typename T>
void copy_frames(const char* buffer, size_t frame_voxels, const std::vector<FrameTarget>& targets) {
  const T* src = reinterpret_cast<const T*>(buffer);
  for (const auto& t : targets)
    for (size_t i = 0; i < frame_voxels; ++i) t.dest[i] = static_cast<float>(src[size_t(t.frame) * frame_voxels + i]);
}
}  // namespace

bool decode_with_gdcm(const std::string& path, int rows, int cols, const std::vector<FrameTarget>& targets,
                      std::size_t max_voxels, std::string& why) {
  static std::once_flag quiet;
  // GDCM's own warnings (e.g. "more bits actually stored") go straight to std::cerr; the outcome is ours to report.
  std::call_once(quiet, [] {
    gdcm::Trace::WarningOff();
    gdcm::Trace::ErrorOff();
  });
  try {
    auto io = itk::GDCMImageIO::New();
    io->SetFileName(path);
    io->ReadImageInformation();
    unsigned nd = io->GetNumberOfDimensions();
    size_t c = io->GetDimensions(0), r = nd > 1 ? io->GetDimensions(1) : 1, f = nd > 2 ? io->GetDimensions(2) : 1;
    if (int(c) != cols || int(r) != rows) {
      why = "GDCM reports a different matrix";
      return false;
    }
    if (io->GetNumberOfComponents() != 1) {
      why = "not a single-component image";
      return false;
    }
    if (double(c) * r * f > double(max_voxels)) {
      why = "too many voxels";
      return false;
    }
    for (const auto& t : targets)
      if (t.frame < 0 || size_t(t.frame) >= f) {
        why = "frame out of range";
        return false;
      }
    std::vector<char> buffer(io->GetImageSizeInBytes());
    io->Read(buffer.data());
    size_t frame_voxels = c * r;
    using IOC = itk::IOComponentEnum;
    switch (io->GetComponentType()) {
      case IOC::UCHAR: copy_frames<std::uint8_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::CHAR: copy_frames<std::int8_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::USHORT: copy_frames<std::uint16_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::SHORT: copy_frames<std::int16_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::UINT: copy_frames<std::uint32_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::INT: copy_frames<std::int32_t>(buffer.data(), frame_voxels, targets); break;
      case IOC::FLOAT: copy_frames<float>(buffer.data(), frame_voxels, targets); break;
      case IOC::DOUBLE: copy_frames<double>(buffer.data(), frame_voxels, targets); break;
      default: why = "unsupported component type"; return false;
    }
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
}

}  // namespace mpmri::dicom
