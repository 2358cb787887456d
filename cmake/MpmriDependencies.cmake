# Every dependency is a Debian 12 package (see README.md); nothing is downloaded.
find_package(Threads REQUIRED)
find_package(DCMTK CONFIG REQUIRED)
find_package(ITK 5.2 CONFIG REQUIRED COMPONENTS ITKCommon ITKImageGrid ITKImageFunction ITKTransform ITKImageIntensity ITKIOImageBase ITKIOGDCM ITKIONIFTI)
find_package(CLI11 CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(nlohmann_json 3 CONFIG REQUIRED)
find_package(TBB CONFIG REQUIRED)
# imgcodecs only for tests that read PNGs back; the programs encode with libpng (src/core/png.cpp says why).
find_package(OpenCV CONFIG REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)  # NIfTI: checking that a .nii.gz holds the bytes a volume needs
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
if(MPMRI_WITH_TORCH)
  find_package(Torch CONFIG REQUIRED)
endif()
if(MPMRI_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)
endif()
if(MPMRI_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()

# ITK's use-file adds include paths and registers IO factories; keep it to the targets that link ITK.
set(MPMRI_ITK_LIBS ${ITK_LIBRARIES})
