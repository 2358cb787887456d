#pragma once
// One liver study as the runner would hand it to the report, with simple phantom thumbnails on disk.
#include <cmath>
#include <filesystem>
#include <string>

#include "mpmri/prediction.hpp"
#include "mpmri/report.hpp"

namespace mpmri::test {

// Body, liver, spleen, aorta and kidneys as ellipses; intensities per sequence make the grid look
// like a study so the screenshot can be judged by eye.
inline VolumeImage phantom(double body, double liver, double spleen, double vessel, double kidney) {
  VolumeImage img;
  img.size = {96, 80, 3};
  img.spacing = {4, 4, 6};
  img.voxels.assign(img.voxel_count(), 0.f);
  auto inside = [](double x, double y, double cx, double cy, double rx, double ry) {
    return (x - cx) * (x - cx) / (rx * rx) + (y - cy) * (y - cy) / (ry * ry) <= 1.0;
  };
  for (int z = 0; z < 3; ++z)
    for (int y = 0; y < 80; ++y)
      for (int x = 0; x < 96; ++x) {
        double v = 0;
        if (inside(x, y, 48, 40, 44, 32)) v = body;
        if (inside(x, y, 30, 36, 20, 18)) v = liver;
        if (inside(x, y, 72, 34, 9, 12)) v = spleen;
        if (inside(x, y, 52, 50, 4, 4)) v = vessel;
        if (inside(x, y, 38, 56, 6, 8) || inside(x, y, 64, 56, 6, 8)) v = kidney;
        v += 8.0 * std::sin(x * 0.9 + y * 1.7 + z);  // texture, so the window has a spread
        img.voxels[(size_t(z) * 80 + y) * 96 + x] = static_cast<float>(v);
      }
  return img;
}

inline StudyResult make_report_study(const std::string& out_dir) {
  std::filesystem::create_directories(std::filesystem::path(out_dir) / "thumbnails");
  StudyResult st;
  st.study_uid = "1.2.826.0.1.3680043.2.1143.1";
  struct Row {
    int series;
    const char* desc;
    Label label;
    double conf;
    VolumeImage img;
    const char* evidence;
  };
  const Row rows[] = {
      {1, "3-plane Localizer", Label::Other, 0.97, phantom(300, 320, 330, 500, 350), "ImageType LOCALIZER"},
      {3, "T1 dual echo", Label::T1WI_In, 0.95, phantom(400, 420, 300, 200, 300), "TE=4.6 ms: in phase at 1.5 T"},
      {3, "T1 dual echo", Label::T1WI_Opp, 0.93, phantom(400, 250, 300, 200, 300), "TE=2.3 ms: opposed phase at 1.5 T"},
      {4, "T2 TSE <b>fat</b> sat", Label::T2WI_Fs, 0.91, phantom(120, 150, 420, 60, 500), "TE=85 ms; fat suppression SPIR"},
      {6, "DWI b50/800", Label::DWI_HighB, 0.88, phantom(60, 120, 380, 10, 260), "b=800 from (0018,9087); highest b of 2"},
      {7, "DWI b50/800_ADC", Label::ADC, 0.99, phantom(900, 1100, 800, 2500, 1700), "ImageType ADC (decisive)"},
      {9, "Dyn eTHRIVE", Label::DCE_Pre, 0.84, phantom(300, 320, 330, 200, 300), "first of 4 phases, no contrast"},
      {9, "Dyn eTHRIVE", Label::DCE_Arterial, 0.79, phantom(300, 380, 520, 1400, 900), "phase 2, 25 s after first"},
      {9, "Dyn eTHRIVE", Label::DCE_Portal, 0.82, phantom(300, 560, 560, 900, 800), "phase 3, 65 s"},
      {12, "Delayed 3 min", Label::DCE_Delayed, 0.77, phantom(300, 520, 500, 600, 700), "180 s after first phase"},
  };
  int idx = 0;
  for (const auto& r : rows) {
    VolumeResult v;
    v.info.header.study_uid = st.study_uid;
    v.info.header.series_uid = st.study_uid + "." + std::to_string(r.series);
    v.info.header.series_number = r.series;
    v.info.header.series_description = r.desc;
    bool same_series = idx > 0 && rows[idx - 1].series == r.series;
    static int volume_index = 0;
    volume_index = same_series ? volume_index + 1 : 0;
    v.info.volume_index = volume_index;
    if (r.series == 9) v.info.key.temporal_index = volume_index + 1;
    if (r.series == 3) v.info.key.echo_time_ms = r.label == Label::T1WI_In ? 4.6 : 2.3;
    if (r.series == 6) v.info.header.b_value = 800;
    v.label = r.label;
    v.confidence = r.conf;
    v.fused[index_of(r.label)] = r.conf;
    v.evidence = r.evidence;
    write_thumbnail_png(r.img, out_dir + "/thumbnails/" + thumbnail_file_name(v.info.header.series_uid, v.info.volume_index));
    st.volumes.push_back(v);
    ++idx;
  }
  VolumeResult bad;
  bad.info.header.series_uid = st.study_uid + ".20";
  bad.info.header.series_number = 20;
  bad.info.header.series_description = "MRCP 3D";
  bad.status = VolumeStatus::Failed;
  bad.reason = "transfer syntax JPEG 2000 could not be decoded";
  st.volumes.push_back(bad);
  return st;
}

}  // namespace mpmri::test
