#!/usr/bin/python3
"""Turn a classified TCIA download into a labelling sheet for radiologists.

    mpmri-classify DOWNLOAD -o RUN            # writes RUN/volumes.csv, RUN/results.json, RUN/thumbnails/
    make_labelling_sheet.py --download DOWNLOAD --run RUN --out sheet.csv [--html sheet.html]

One row per volume the classifier found (a DWI series with b=50 and b=800 gives two rows), with the
NBIA metadata (subject, study date, File Location), description, TE, b-value, temporal index,
acquisition time and the thumbnail path. Radiologists fill in `label` (and `comment`); the filled
sheet is a truth file for `mpmri-classify evaluate` as it is (docs/evaluation.md).

The model's prediction is left out unless --with-predictions is given, so it cannot anchor the reader.
Only the Python standard library is used.
"""
import argparse
import csv
import html
import json
import os
import sys

LABELS = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
          "DCE_Delayed", "Other"]

SHEET_COLUMNS = ["subject_id", "study_date", "study_description", "study_uid", "series_uid", "series_number",
                 "series_description", "volume_index", "echo_time_ms", "b_value", "temporal_index",
                 "acquisition_time", "image_type", "manufacturer", "field_strength_t", "file_location",
                 "thumbnail", "label", "comment"]


def read_metadata(download):
    """NBIA Data Retriever's metadata.csv, keyed by Series UID (absent file: empty, with a warning)."""
    path = os.path.join(download, "metadata.csv")
    if not os.path.exists(path):
        print(f"warning: {path} not found; subject, study date and file location stay blank", file=sys.stderr)
        return {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if rows and "Series UID" not in rows[0]:
        sys.exit(f"error: {path} has no 'Series UID' column: is it an NBIA Data Retriever metadata.csv?")
    return {r["Series UID"].strip(): r for r in rows}


def read_times(run):
    """Acquisition time per (series_uid, volume_index) from results.json, when the run wrote it."""
    path = os.path.join(run, "results.json")
    times = {}
    if not os.path.exists(path):
        return times
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for study in doc.get("studies", []):
        for v in study.get("volumes", []):
            t = (v.get("header") or {}).get("acquisition_time_s")
            if t is not None:
                t = int(round(t))
                times[(v["series_uid"], int(v["volume_index"]))] = f"{t // 3600:02d}:{t // 60 % 60:02d}:{t % 60:02d}"
    return times


def thumbnail_name(series_uid, volume_index):
    # Same rule as mpmri::thumbnail_file_name: anything but letters, digits, '.', '-' becomes '_'.
    safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in series_uid)
    return f"{safe}_{volume_index}.png"


def build_rows(download, run, with_predictions):
    volumes_csv = os.path.join(run, "volumes.csv")
    if not os.path.exists(volumes_csv):
        sys.exit(f"error: {volumes_csv} not found: run `mpmri-classify {download} -o {run}` first")
    meta = read_metadata(download)
    times = read_times(run)
    with open(volumes_csv, newline="", encoding="utf-8") as f:
        volumes = list(csv.DictReader(f))
    rows, unknown_series = [], 0
    for v in volumes:
        m = meta.get(v["series_uid"], {})
        unknown_series += not m and bool(meta)
        thumb = os.path.abspath(os.path.join(run, "thumbnails", thumbnail_name(v["series_uid"], v["volume_index"])))
        row = {
            "subject_id": m.get("Subject ID", ""),
            "study_date": m.get("Study Date", ""),
            "study_description": m.get("Study Description", ""),
            "study_uid": v["study_uid"],
            "series_uid": v["series_uid"],
            "series_number": v["series_number"],
            "series_description": v["series_description"] or m.get("Series Description", ""),
            "volume_index": v["volume_index"],
            "echo_time_ms": v["echo_time_ms"],
            "b_value": v["b_value"],
            "temporal_index": v["temporal_index"],
            "acquisition_time": times.get((v["series_uid"], int(v["volume_index"])), ""),
            "image_type": v["image_type"],
            "manufacturer": v["manufacturer"] or m.get("Manufacturer", ""),
            "field_strength_t": v["field_strength_t"],
            "file_location": m.get("File Location", ""),
            "thumbnail": thumb if os.path.exists(thumb) else "",
            "label": "",
            "comment": "failed to load: " + v["reason"] if v["status"] == "failed" else "",
        }
        if with_predictions:
            row["predicted"] = v["label"]
            row["confidence"] = v["confidence"]
        rows.append(row)
    if unknown_series:
        print(f"warning: {unknown_series} volume(s) belong to series missing from metadata.csv", file=sys.stderr)
    # Reading order: subject, study date, study, series number, then time within the series.
    def order(r):
        ti = int(r["temporal_index"]) if r["temporal_index"] else 0
        return (r["subject_id"], r["study_date"], r["study_uid"], int(r["series_number"] or 0), ti,
                int(r["volume_index"]))
    rows.sort(key=order)
    return rows


def write_html(rows, path):
    """A printable page of the sheet with the thumbnails, for reading without a spreadsheet."""
    out = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>TCGA-LIHC labelling sheet</title><style>",
           "body{font:13px sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;",
           "padding:3px 6px;vertical-align:middle}img{height:96px;background:#000}</style></head><body>",
           "<h1>Labelling sheet</h1><p>Labels: " + ", ".join(LABELS) + "</p><table><tr><th>#</th>"]
    shown = ["subject_id", "study_date", "series_number", "series_description", "volume_index", "echo_time_ms",
             "b_value", "temporal_index", "acquisition_time"]
    out.append("".join(f"<th>{c}</th>" for c in shown) + "<th>thumbnail</th><th>label</th></tr>")
    for i, r in enumerate(rows, 2):  # row numbers as the spreadsheet shows them (header is row 1)
        img = f"<img src='file://{html.escape(r['thumbnail'])}'>" if r["thumbnail"] else ""
        out.append(f"<tr><td>{i}</td>" + "".join(f"<td>{html.escape(str(r[c]))}</td>" for c in shown) +
                   f"<td>{img}</td><td></td></tr>")
    out.append("</table></body></html>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--download", required=True, help="folder the NBIA Data Retriever wrote (holds metadata.csv)")
    ap.add_argument("--run", required=True, help="output folder of `mpmri-classify DOWNLOAD -o RUN`")
    ap.add_argument("--out", required=True, help="sheet to write (CSV)")
    ap.add_argument("--html", help="also write a printable HTML page with the thumbnails")
    ap.add_argument("--with-predictions", action="store_true", help="add the model's label (biases readers)")
    args = ap.parse_args()
    if os.path.exists(args.out):
        sys.exit(f"error: {args.out} exists; refusing to overwrite a sheet that may hold labels")
    rows = build_rows(args.download, args.run, args.with_predictions)
    columns = SHEET_COLUMNS + (["predicted", "confidence"] if args.with_predictions else [])
    tmp = args.out + ".partial"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp, args.out)
    if args.html:
        write_html(rows, args.html)
    studies = len({r["study_uid"] for r in rows})
    print(f"wrote {len(rows)} volume rows from {studies} studies to {args.out}; fill in 'label' with one of: "
          + ", ".join(LABELS))


if __name__ == "__main__":
    main()
