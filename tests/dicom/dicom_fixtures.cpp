#include "dicom/dicom_fixtures.hpp"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <random>
#include <sstream>
#include <stdexcept>

namespace mpmri::test {

namespace fs = std::filesystem;

void write_slice(const fs::path& path, const FakeSlice& s) {
  DcmFileFormat ff;
  DcmDataset* ds = ff.getDataset();
  std::string sop = s.sop_uid.empty() ? s.series_uid + "." + std::to_string(s.instance) : s.sop_uid;
  ds->putAndInsertString(DCM_SOPClassUID, UID_MRImageStorage);
  ds->putAndInsertString(DCM_SOPInstanceUID, sop.c_str());
  ds->putAndInsertString(DCM_StudyInstanceUID, s.study_uid.c_str());
  ds->putAndInsertString(DCM_SeriesInstanceUID, s.series_uid.c_str());
  ds->putAndInsertString(DCM_Modality, "MR");
  ds->putAndInsertString(DCM_Manufacturer, "TEST");
  ds->putAndInsertString(DCM_SeriesNumber, "1");
  ds->putAndInsertString(DCM_InstanceNumber, std::to_string(s.instance).c_str());
  ds->putAndInsertString(DCM_AcquisitionTime, s.acquisition_time.c_str());
  ds->putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\M\\ND");
  if (s.position) {
    std::ostringstream p;
    p << (*s.position)[0] << "\\" << (*s.position)[1] << "\\" << (*s.position)[2];
    ds->putAndInsertString(DCM_ImagePositionPatient, p.str().c_str());
  }
  std::ostringstream o;
  for (int i = 0; i < 6; ++i) o << (i ? "\\" : "") << s.orientation[i];
  ds->putAndInsertString(DCM_ImageOrientationPatient, o.str().c_str());
  ds->putAndInsertString(DCM_PixelSpacing, "0.5\\0.75");
  ds->putAndInsertString(DCM_SliceThickness, "1");
  if (s.echo_time) ds->putAndInsertString(DCM_EchoTime, std::to_string(*s.echo_time).c_str());
  if (s.echo_number) ds->putAndInsertString(DCM_EchoNumbers, std::to_string(*s.echo_number).c_str());
  if (s.b_value) ds->putAndInsertFloat64(DCM_DiffusionBValue, *s.b_value);
  if (!s.manufacturer.empty()) ds->putAndInsertString(DCM_Manufacturer, s.manufacturer.c_str());
  if (!s.image_comments.empty()) ds->putAndInsertString(DCM_ImageComments, s.image_comments.c_str());
  if (!s.image_type.empty()) ds->putAndInsertString(DCM_ImageType, s.image_type.c_str());
  ds->putAndInsertString(DCM_RescaleSlope, std::to_string(s.slope).c_str());
  ds->putAndInsertString(DCM_RescaleIntercept, std::to_string(s.intercept).c_str());
  ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(s.rows));
  ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(s.cols));
  if (s.frames) ds->putAndInsertString(DCM_NumberOfFrames, std::to_string(*s.frames).c_str());
  ds->putAndInsertUint16(DCM_SamplesPerPixel, static_cast<Uint16>(s.samples_per_pixel));
  ds->putAndInsertString(DCM_PhotometricInterpretation, s.photometric.c_str());
  ds->putAndInsertUint16(DCM_BitsAllocated, 16);
  ds->putAndInsertUint16(DCM_BitsStored, 12);
  ds->putAndInsertUint16(DCM_HighBit, 11);
  ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
  if (s.pixel_data) {
    long n = s.pixel_bytes >= 0 ? s.pixel_bytes / 2 : long(s.rows) * s.cols * s.frames.value_or(1) * s.samples_per_pixel;
    std::vector<Uint16> px(static_cast<size_t>(n));
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<Uint16>((s.fill + i) & 0x0FFF);
    ds->putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size()));
  }
  OFCondition c = ff.saveFile(path.c_str(), EXS_LittleEndianExplicit);
  if (c.bad()) throw std::runtime_error("cannot write test DICOM " + path.string() + ": " + c.text());
}

TempDir::TempDir() {
  std::random_device rd;
  path = fs::temp_directory_path() / ("mpmri-dicom-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path);
}

TempDir::~TempDir() {
  std::error_code ec;
  // Restore permissions changed by the tests, or removal fails for non-root users.
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path, ec);
}

void write_good_series(const fs::path& dir, const std::string& series_uid) {
  fs::create_directories(dir);
  for (int i = 0; i < 3; ++i) {
    FakeSlice s;
    s.series_uid = series_uid;
    s.instance = i + 1;
    s.position = std::array<double, 3>{0, 0, double(i)};
    s.fill = static_cast<unsigned short>(100 * i);
    write_slice(dir / ("good" + std::to_string(i) + ".dcm"), s);
  }
}

}  // namespace mpmri::test
