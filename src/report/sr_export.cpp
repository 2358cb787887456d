// --sr: one DICOM Comprehensive SR per study (DCMTK's dcmsr), filed into the original study: same
// StudyInstanceUID, patient and study attributes copied from its images, a new series. Each classified series is
// a container with its SeriesInstanceUID, its label as a coded entry of our private scheme 99MPMRI, the
// confidence and, per volume, the evidence in words; every source image is listed in the Current Requested
// Procedure Evidence Sequence. Content and codes: docs/routing.md.
#include <dcmtk/config/osconfig.h>  // first, as DCMTK requires
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmsr/dsrdoc.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <set>

#include "mpmri/error.hpp"
#include "mpmri/io.hpp"
#include "mpmri/routing.hpp"

namespace mpmri {

namespace fs = std::filesystem;

std::string label_code_meaning(Label label) {
  switch (label) {
    case Label::T1WI_In: return "T1-weighted in-phase";
    case Label::T1WI_Opp: return "T1-weighted opposed-phase";
    case Label::T2WI_Fs: return "T2-weighted fat-suppressed";
    case Label::DWI_HighB: return "Diffusion-weighted, high b-value";
    case Label::ADC: return "Apparent diffusion coefficient map";
    case Label::DCE_Pre: return "Dynamic contrast-enhanced, precontrast";
    case Label::DCE_Arterial: return "Dynamic contrast-enhanced, arterial phase";
    case Label::DCE_Portal: return "Dynamic contrast-enhanced, portal venous phase";
    case Label::DCE_Delayed: return "Dynamic contrast-enhanced, delayed phase";
    case Label::Other: return "Other series";
  }
  return "Other series";
}

namespace {

DSRCodedEntryValue private_code(const char* value, const char* meaning) {
  return DSRCodedEntryValue(value, kSrCodingScheme, meaning);
}
DSRCodedEntryValue label_code(Label label) {
  return DSRCodedEntryValue(std::string(to_string(label)).c_str(), kSrCodingScheme, label_code_meaning(label).c_str());
}

void check(const OFCondition& status, const std::string& what) {
  if (status.bad()) throw Error(ErrorKind::Internal, "SR: " + what + ": " + status.text());
}

// Adds an item of `type` (below the current one when `below`, else after it) and names it.
DSRContentItem& add_item(DSRDocumentTree& tree, DSRTypes::E_ValueType type, const DSRCodedEntryValue& concept, bool below) {
  if (tree.addContentItem(DSRTypes::RT_contains, type, below ? DSRTypes::AM_belowCurrent : DSRTypes::AM_afterCurrent) == 0)
    throw Error(ErrorKind::Internal, "SR: cannot add a content item");
  DSRContentItem& item = tree.getCurrentContentItem();
  check(item.setConceptName(concept), "concept name");
  return item;
}

void add_text(DSRDocumentTree& tree, const DSRCodedEntryValue& concept, const std::string& text, bool below) {
  check(add_item(tree, DSRTypes::VT_Text, concept, below).setStringValue(text.c_str(), OFFalse), "text value");
}

void add_confidence(DSRDocumentTree& tree, double confidence, bool below) {
  char value[32];
  std::snprintf(value, sizeof value, "%.4f", confidence);
  DSRNumericMeasurementValue number(value, DSRCodedEntryValue("1", "UCUM", "no units"));
  check(add_item(tree, DSRTypes::VT_Num, private_code("CONFIDENCE", "Classification confidence"), below)
            .setNumericValue(number),
        "confidence");
}

// Patient and study attributes the SR must share with the images of its study (copied as they are).
const DcmTagKey kStudyTags[] = {DCM_SpecificCharacterSet, DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID,
                                DCM_PatientBirthDate, DCM_PatientSex, DCM_StudyDate, DCM_StudyTime,
                                DCM_AccessionNumber, DCM_ReferringPhysicianName, DCM_StudyID, DCM_StudyDescription};

struct SourceInstance {
  std::string sop_class_uid, sop_instance_uid;
};

class SrRouter : public StudyRouter {
 public:
  explicit SrRouter(const RoutingOptions& options) : dir_(options.sr_dir) {}

  void add_study(const StudyResult& study) override {
    if (study.series.empty()) return;
    try {
      write_study(study);
    } catch (const std::exception& e) {
      ++failures_;
      spdlog::warn("--sr: no SR for study {}: {}", study.study_uid, e.what());
    }
  }

 private:
  // A new SR in the study: its own series, the private scheme declared, the root and the algorithm.
  static void start_document(DSRDocument& doc, const OFString& study_uid) {
    check(doc.createNewSeriesInStudy(study_uid), "new series");
    check(doc.setSeriesDescription("mpmri-classify sequence labels"), "series description");
    check(doc.setSeriesNumber("990"), "series number");
    check(doc.setInstanceNumber("1"), "instance number");
    check(doc.setManufacturer("mpmri-classify"), "manufacturer");
    check(doc.setSoftwareVersions(tool_version().c_str()), "software versions");
    // Declares the private scheme, as PS3.3 asks of any scheme not in PS3.16's list.
    DSRCodingSchemeIdentificationList& schemes = doc.getCodingSchemeIdentification();
    check(schemes.addItem(kSrCodingScheme), "coding scheme");
    check(schemes.setCodingSchemeName("mpmri-classify sequence labels"), "coding scheme name");
    check(schemes.setCodingSchemeResponsibleOrganization("mpmri-classify (docs/routing.md)"), "coding scheme organization");
    DSRDocumentTree& tree = doc.getTree();
    if (tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container) == 0) throw Error(ErrorKind::Internal, "SR: no root");
    check(tree.getCurrentContentItem().setConceptName(private_code("REPORT", "MR series sequence classification")), "root");
    add_text(tree, DSRCodedEntryValue("111001", "DCM", "Algorithm Name"), "mpmri-classify", true);
    add_text(tree, DSRCodedEntryValue("111003", "DCM", "Algorithm Version"), tool_version(), false);
  }

  void write_study(const StudyResult& study) {
    // The DICOM files of each series; the first file readable gives the patient and study attributes.
    std::vector<std::pair<const SeriesResult*, std::vector<std::string>>> series_files;
    for (const auto& s : study.series) {
      if (s.status != VolumeStatus::Ok) continue;
      std::vector<std::string> files;
      std::set<std::string> seen;
      for (const auto& v : study.volumes)
        if (v.info.header.series_uid == s.series_uid && !v.info.nifti)
          for (const auto& slice : v.info.slices)
            if (seen.insert(slice.path).second) files.push_back(slice.path);
      if (!files.empty()) series_files.emplace_back(&s, std::move(files));
    }
    if (series_files.empty()) {
      spdlog::info("--sr: study {} has no DICOM series (NIfTI input); no SR", study.study_uid);
      return;
    }
    DcmFileFormat first;
    check(first.loadFile(series_files.front().second.front().c_str()), "reading " + series_files.front().second.front());
    DcmDataset& source = *first.getDataset();
    OFString study_uid;
    check(source.findAndGetOFString(DCM_StudyInstanceUID, study_uid), "StudyInstanceUID");

    // A study can come in parts (study_source.hpp: its files in distant folders): a later part is added to the
    // SR its first part wrote, read back from disk, so memory stays bounded and there is one SR per study.
    const fs::path target = dir_ / (safe_path_component(study_uid.c_str()) + ".dcm");
    DSRDocument doc(DSRTypes::DT_ComprehensiveSR);
    DSRDocumentTree& tree = doc.getTree();
    DcmFileFormat earlier;
    if (written_.count(study_uid.c_str())) {
      check(earlier.loadFile(target.c_str()), "reading back " + target.string());
      check(doc.read(*earlier.getDataset()), "reading back " + target.string());
      doc.createNewSOPInstance();  // new content, new instance
      tree.gotoRoot();
      tree.goDown();
      tree.gotoLast();  // the series containers are appended after the last item below the root
    } else {
      start_document(doc, study_uid);
    }

    for (const auto& [series, files] : series_files) {
      add_item(tree, DSRTypes::VT_Container, private_code("SERIES", "Classified series"), false);
      check(add_item(tree, DSRTypes::VT_UIDRef, DSRCodedEntryValue("112002", "DCM", "Series Instance UID"), true)
                .setStringValue(series->series_uid.c_str()),
            "series UID " + series->series_uid);
      add_text(tree, private_code("SERIESNUM", "Series number"), std::to_string(series->series_number), false);
      if (!series->series_description.empty())
        add_text(tree, private_code("SERIESDESC", "Series description"), series->series_description, false);
      check(add_item(tree, DSRTypes::VT_Code, private_code("SEQLABEL", "Sequence label"), false).setCodeValue(label_code(series->label)),
            "series label");
      add_confidence(tree, series->confidence, false);
      for (const auto& v : study.volumes) {
        if (v.info.header.series_uid != series->series_uid || v.status != VolumeStatus::Ok) continue;
        add_volume(tree, v);
      }
      tree.goUp();
      for (const auto& path : files) {
        SourceInstance instance = read_instance(path);
        check(doc.getCurrentRequestedProcedureEvidence().addItem(study_uid, series->series_uid.c_str(),
                                                                instance.sop_class_uid.c_str(),
                                                                instance.sop_instance_uid.c_str()),
              "evidence reference for " + path);
      }
    }

    DcmFileFormat out;
    DcmDataset& dataset = *out.getDataset();
    check(doc.write(dataset), "writing the document");
    // A value invalid for its VR (an anonymiser's "***" as StudyDate) would make the SR invalid: it is written
    // empty instead (all these are type 2 or 3), not left at dcmsr's own value (today's date), and logged.
    for (const auto& tag : kStudyTags) {
      DcmElement* element = nullptr;
      if (source.findAndGetElement(tag, element).bad() || element->getLength() == 0) continue;
      if (element->checkValue("1-n").bad()) {
        spdlog::warn("--sr: {} of study {} is not valid DICOM; written empty", DcmTag(tag).getTagName(), study.study_uid);
        if (tag != DCM_SpecificCharacterSet) check(dataset.putAndInsertString(tag, ""), "emptying an invalid attribute");
        continue;
      }
      check(dataset.insert(OFstatic_cast(DcmElement*, element->clone()), OFTrue), "copying a study attribute");
    }
    save_atomic(out, target);
    written_.insert(study_uid.c_str());
  }

  // One volume: what split it off its series, its label, confidence and evidence.
  void add_volume(DSRDocumentTree& tree, const VolumeResult& v) {
    add_item(tree, DSRTypes::VT_Container, private_code("VOLUME", "Classified volume"), false);
    const std::string key = v.info.key.describe();
    add_text(tree, private_code("VOLKEY", "Volume key"), key.empty() ? "whole series" : key, true);
    check(add_item(tree, DSRTypes::VT_Code, private_code("SEQLABEL", "Sequence label"), false).setCodeValue(label_code(v.label)),
          "volume label");
    add_confidence(tree, v.confidence, false);
    if (!v.evidence.empty()) add_text(tree, private_code("EVIDENCE", "Evidence"), v.evidence, false);
    tree.goUp();
  }

  static SourceInstance read_instance(const std::string& path) {
    DcmFileFormat file;
    check(file.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect, DCM_PixelData),
          "reading " + path);
    OFString sop_class, sop_instance;
    check(file.getDataset()->findAndGetOFString(DCM_SOPClassUID, sop_class), "SOPClassUID of " + path);
    check(file.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sop_instance), "SOPInstanceUID of " + path);
    return {sop_class.c_str(), sop_instance.c_str()};
  }

  static void save_atomic(DcmFileFormat& file, const fs::path& target) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    const std::string tmp = temporary_path_for(target.string());
    OFCondition status = file.saveFile(tmp.c_str(), EXS_LittleEndianExplicit);
    if (status.bad()) {
      fs::remove(tmp, ec);
      throw Error(ErrorKind::Io, "cannot write " + target.string() + ": " + status.text());
    }
    rename_into_place(tmp, target.string());
  }

  fs::path dir_;
  std::set<std::string> written_;  // study UIDs with an SR from this run
};

}  // namespace

std::unique_ptr<StudyRouter> make_sr_router(const RoutingOptions& options) { return std::make_unique<SrRouter>(options); }

}  // namespace mpmri
