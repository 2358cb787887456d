#!/usr/bin/python3
"""Montage for docs/synthetic-data.md: the middle slice of a few classes of several `mpmri-synth --anatomy
real` studies, each row beside a real CHAOS T2-SPIR slice (read in place from ../shared/real).

usage: anatomy_montage.py SYNTH_DIR SHARED_DIR OUT.png [--rows N]
Reads SYNTH_DIR/<study>/labels.csv and the DICOM files of each labelled series with pydicom; volumes that
share a series are told apart by EchoTime or TemporalPositionIdentifier as labels.csv says. Multi-frame,
JPEG-LS and b-value-split series are skipped (another study fills the row). Needs python3-pil, nibabel.
"""
import argparse
import csv
import json
import os
import sys

import nibabel as nib
import numpy as np
import pydicom
from PIL import Image, ImageDraw

TILE = 176
CLASSES = ["T2WI_Fs", "T1WI_Opp", "T1WI_In", "ADC", "DCE_Arterial", "DCE_Portal", "DCE_Delayed"]


def to_tile(img):
    img = np.asarray(img, dtype=np.float32)
    hi = np.percentile(img, 99.5) or 1.0
    u8 = (np.clip(img / hi, 0, 1) * 255).astype(np.uint8)
    im = Image.fromarray(u8)
    im.thumbnail((TILE, TILE))
    tile = Image.new("L", (TILE, TILE))
    tile.paste(im, ((TILE - im.width) // 2, (TILE - im.height) // 2))
    return tile


def series_files(study_dir):
    by_uid = {}
    for root, _, files in os.walk(study_dir):
        for f in files:
            path = os.path.join(root, f)
            try:
                ds = pydicom.dcmread(path, stop_before_pixels=True)
            except Exception:
                continue
            if "SeriesInstanceUID" in ds:
                by_uid.setdefault(ds.SeriesInstanceUID, []).append(path)
    return by_uid


def middle_slice(paths, row):
    slices = []
    for p in paths:
        ds = pydicom.dcmread(p)
        if int(getattr(ds, "NumberOfFrames", 1) or 1) > 1:
            return None
        if row["echo_time_ms"] and abs(float(ds.EchoTime) - float(row["echo_time_ms"])) > 1e-3:
            continue
        if row["temporal_index"] and int(getattr(ds, "TemporalPositionIdentifier", 0)) != int(row["temporal_index"]):
            continue
        normal = np.cross(np.array(ds.ImageOrientationPatient[:3], float), np.array(ds.ImageOrientationPatient[3:], float))
        slices.append((float(np.dot(normal, np.array(ds.ImagePositionPatient, float))), ds))
    if not slices:
        return None
    slices.sort(key=lambda s: s[0])
    try:
        return slices[len(slices) // 2][1].pixel_array
    except Exception:  # a transfer syntax pydicom cannot decode here
        return None


def chaos_slice(shared, case):
    img = np.asarray(nib.load(os.path.join(shared, "real", "chaos-t2spir", "image_%d.nii.gz" % case)).dataobj)
    lab = np.asarray(nib.load(os.path.join(shared, "real", "chaos-t2spir", "label_%d.nii.gz" % case)).dataobj)
    k = int(np.argmax((lab == 1).sum(axis=(0, 1))))  # the slice with most liver
    # Array axes are (i, j) = (x, y); show with anterior up and the patient's right on the left (LPS display).
    return np.rot90(img[:, :, k])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("synth_dir")
    ap.add_argument("shared_dir")
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=3)
    a = ap.parse_args()
    rows = []
    for study in sorted(os.listdir(a.synth_dir)):
        sdir = os.path.join(a.synth_dir, study)
        if not os.path.isfile(os.path.join(sdir, "labels.csv")):
            continue
        meta = json.load(open(os.path.join(sdir, "synth.json")))
        body = meta["phantom"].get("anatomy", {}).get("body")
        if not body or any(r[0] == body for r in rows):
            continue  # one row per source body
        files = series_files(sdir)
        tiles = {}
        for row in csv.DictReader(open(os.path.join(sdir, "labels.csv"))):
            if row["label"] in CLASSES and row["label"] not in tiles and not row["b_value"]:
                img = middle_slice(files.get(row["series_uid"], []), row)
                if img is not None:
                    tiles[row["label"]] = to_tile(img)
        if all(c in tiles for c in CLASSES):
            rows.append((body, meta["field_strength_t"], tiles))
        if len(rows) == a.rows:
            break
    if not rows:
        sys.exit("no study with every class decodable in " + a.synth_dir)
    head = 18
    out = Image.new("L", (TILE * (len(CLASSES) + 1), (TILE + head) * len(rows)))
    draw = ImageDraw.Draw(out)
    for r, (body, field, tiles) in enumerate(rows):
        y = r * (TILE + head)
        case = [1, 2, 3, 5][r % 4]
        out.paste(to_tile(chaos_slice(a.shared_dir, case)), (0, y + head))
        draw.text((3, y + 3), "REAL CHAOS %d T2-SPIR" % case, fill=255)
        for c, name in enumerate(CLASSES):
            out.paste(tiles[name], ((c + 1) * TILE, y + head))
            draw.text(((c + 1) * TILE + 3, y + 3), "%s %s %gT" % (name, body.split("/")[-1], field), fill=255)
    out.save(a.out)
    print("wrote", a.out, len(rows), "rows")


if __name__ == "__main__":
    main()
