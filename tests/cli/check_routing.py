#!/usr/bin/env python3
"""Checks a classify run's routing outputs against its results.json (tests/cli/test_routing.sh).

  check_routing.py nifti RUN NIFTI_DIR [LABEL,...]   one .nii.gz + sidecar per ok volume of the labels (default:
                                                     all but Other), .bval/.bvec for diffusion, voxels = the DICOM's
  check_routing.py sort RUN SORT_DIR links|copies    every source file once under <study>/<series_number>_<label>/
  check_routing.py same NIFTI_A NIFTI_B              two NIfTI exports hold the same files, voxels and sidecars
"""
import json
import os
import sys

import nibabel
import numpy as np
import pydicom


def volumes(run):
    results = json.load(open(os.path.join(run, "results.json")))
    for study in results["studies"]:
        for v in study["volumes"]:
            yield study, v


def files_below(root):
    out = []
    for folder, _, names in os.walk(root):
        out += [os.path.join(folder, n) for n in names]
    return sorted(out)


def dicom_volume(paths):
    """The DICOM volume as dcm2niix lays it out: x = column, y = row flipped, z = slices along the normal."""
    slices = [pydicom.dcmread(p) for p in paths]
    normal = np.cross(*np.array(slices[0].ImageOrientationPatient, dtype=float).reshape(2, 3))
    slices.sort(key=lambda s: float(np.dot(normal, np.array(s.ImagePositionPatient, dtype=float))))
    data = np.stack([s.pixel_array * float(getattr(s, "RescaleSlope", 1)) + float(getattr(s, "RescaleIntercept", 0))
                     for s in slices], axis=-1)  # rows, columns, slices
    return np.transpose(data, (1, 0, 2))[:, ::-1, :]


def check_nifti(run, nifti_dir, wanted):
    expected = voxels_checked = 0
    written = [f for f in files_below(nifti_dir) if f.endswith(".nii.gz")]
    by_key = {}
    for path in written:
        sidecar = json.load(open(path[:-7] + ".json"))
        ours = sidecar["MpmriClassify"]
        for field in ("EchoTime", "RepetitionTime", "FlipAngle", "MagneticFieldStrength", "Manufacturer",
                      "SeriesDescription", "SeriesNumber", "ImageType", "StudyInstanceUID", "SeriesInstanceUID",
                      "Modality"):
            assert field in sidecar, f"{path}: sidecar lacks {field}"
        assert sidecar["EchoTime"] < 1, f"{path}: EchoTime {sidecar['EchoTime']} is not in seconds"
        by_key[(sidecar["SeriesInstanceUID"], ours["VolumeIndex"])] = (path, sidecar)
    for study, v in volumes(run):
        if v["status"] != "ok" or v["label"] not in wanted:
            continue
        expected += 1
        key = (v["series_uid"], v["volume_index"])
        assert key in by_key, f"no NIfTI for {key} ({v['label']})"
        path, sidecar = by_key[key]
        ours = sidecar["MpmriClassify"]
        assert ours["Label"] == v["label"] and abs(ours["Confidence"] - v["confidence"]) < 1e-9, path
        assert ours["Evidence"] == v["evidence"], path
        assert os.path.basename(path).startswith(v["label"]), f"{path} is not named by its label {v['label']}"
        assert len(os.path.relpath(path, nifti_dir).split(os.sep)) == 3, f"{path}: not <patient>/<date>/<label>"
        b_value = v["key"]["b_value"] if v["key"]["b_value"] is not None else v["header"]["b_value"]
        maps = {"ADC", "EADC", "FA"}
        diffusion = b_value is not None and v["label"] != "ADC" and not maps & set(v["header"]["image_type"])
        assert os.path.exists(path[:-7] + ".bval") == diffusion, f"{path}: .bval {'missing' if diffusion else 'unexpected'}"
        if diffusion:
            assert float(open(path[:-7] + ".bval").read()) == b_value, path
            assert os.path.exists(path[:-7] + ".bvec"), path
        image = nibabel.load(path)
        if v["header"]["enhanced"]:
            continue  # frames of one file: the C++ tests compare those (tests/report/test_routing.cpp)
        assert np.array_equal(np.asarray(image.dataobj), dicom_volume(v["source_files"])), \
            f"{path}: voxels differ from the DICOM's"
        voxels_checked += 1
    assert len(written) == expected, f"{len(written)} NIfTI files, {expected} expected for labels {sorted(wanted)}"
    print(f"{expected} NIfTI volumes checked in {nifti_dir}, {voxels_checked} against the DICOM's voxels")


def check_sort(run, sort_dir, mode):
    expected = {}
    for study, v in volumes(run):
        if v["status"] != "ok":
            continue
        series = next(s for s in study["series"] if s["series_uid"] == v["series_uid"])
        folder = os.path.join(sort_dir, study["study_uid"], f"{series['series_number']}_{series['label']}")
        for f in v["source_files"]:
            expected[f] = folder
    sorted_files = files_below(sort_dir)
    assert len(sorted_files) == len(expected), f"{len(sorted_files)} sorted files, {len(expected)} source files"
    inode = {os.stat(f).st_ino: f for f in expected}
    for f in sorted_files:
        if mode == "links":
            source = inode.get(os.stat(f).st_ino)
            assert source, f"{f} is not a hard link to a source file"
        else:
            assert os.stat(f).st_ino not in inode, f"{f} is a link, --copy asked for copies"
            source = next(s for s in expected if os.path.basename(s) == os.path.basename(f)
                          and expected[s] == os.path.dirname(f) and open(s, "rb").read() == open(f, "rb").read())
        assert os.path.dirname(f) == expected[source], f"{f} is in the wrong folder (expected {expected[source]})"
        assert os.path.exists(source), f"{source} was moved"
    print(f"{len(sorted_files)} files sorted ({mode}) in {sort_dir}")


def check_same(a, b):
    fa, fb = [os.path.relpath(f, a) for f in files_below(a)], [os.path.relpath(f, b) for f in files_below(b)]
    assert fa == fb, f"different files:\n{fa}\n{fb}"
    for rel in fa:
        if rel.endswith(".nii.gz"):
            ia, ib = nibabel.load(os.path.join(a, rel)), nibabel.load(os.path.join(b, rel))
            assert np.array_equal(np.asarray(ia.dataobj), np.asarray(ib.dataobj)), rel
            assert np.allclose(ia.affine, ib.affine), rel
        else:
            assert open(os.path.join(a, rel), "rb").read() == open(os.path.join(b, rel), "rb").read(), rel
    print(f"{len(fa)} files identical in {a} and {b}")


if __name__ == "__main__":
    what = sys.argv[1]
    if what == "nifti":
        labels = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
                  "DCE_Delayed"]
        check_nifti(sys.argv[2], sys.argv[3], set(sys.argv[4].split(",")) if len(sys.argv) > 4 else set(labels))
    elif what == "sort":
        check_sort(sys.argv[2], sys.argv[3], sys.argv[4])
    elif what == "same":
        check_same(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
