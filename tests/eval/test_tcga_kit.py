#!/usr/bin/python3
"""The TCGA-LIHC kit on a hand-made NBIA-style download and classify output folder.

    test_tcga_kit.py SOURCE_DIR [MPMRI_CLASSIFY]

Checks the labelling sheet (rows, NBIA metadata joined, thumbnails, times, reading order, no overwrite),
the manifest writer, and, when the binary is given, that the filled sheet evaluates through
run_and_compare.py --skip-classify and the comparison names the paper's figures.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

SRC = sys.argv[1]
CLASSIFY = sys.argv[2] if len(sys.argv) > 2 else None
KIT = os.path.join(SRC, "scripts", "tcga-lihc")
PY = sys.executable

META_HEADER = ("Series UID,Collection,3rd Party Analysis,Data Description URI,Subject ID,Study UID,Study Description,"
               "Study Date,Series Description,Manufacturer,Modality,SOP Class Name,SOP Class UID,Number of Images,"
               "File Size,File Location,Download Timestamp")
VOL_HEADER = ("study_uid,series_uid,series_number,series_description,volume_index,echo_time_ms,b_value,temporal_index,"
              "image_type,label,confidence,p_T1WI_In,p_T1WI_Opp,p_T2WI_Fs,p_DWI_HighB,p_ADC,p_DCE_Pre,p_DCE_Arterial,"
              "p_DCE_Portal,p_DCE_Delayed,p_Other,status,reason,evidence,manufacturer,field_strength_t")
PROBS = ",".join(["0.1"] * 10)

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)


def main():
    tmp = tempfile.mkdtemp(prefix="mpmri_tcga_kit_")
    download, run = os.path.join(tmp, "download"), os.path.join(tmp, "run")
    study_dir = "TCGA-LIHC/TCGA-DD-A1EB/08-17-2002-NA-MRI ABDOMEN-54321"
    series = [("1.2.3.5", 5, "AX T2 FS", "5.000000-AX T2 FS-11111"),
              ("1.2.3.3", 3, "T1 DUAL", "3.000000-T1 DUAL-22222"),
              ("1.2.3.9", 9, "DYN, 3 PHASE", "9.000000-DYN 3 PHASE-33333")]
    os.makedirs(os.path.join(download, study_dir))
    with open(os.path.join(download, "metadata.csv"), "w", newline="") as f:
        f.write(META_HEADER + "\n")
        for uid, num, desc, folder in series:
            os.makedirs(os.path.join(download, study_dir, folder))
            f.write(f'{uid},TCGA-LIHC,NO,,TCGA-DD-A1EB,1.2.3,MRI ABDOMEN,08-17-2002,"{desc}",GE MEDICAL SYSTEMS,MR,'
                    f'MR Image Storage,1.2.840.10008.5.1.4.1.1.4,20,1.2 MB,./{study_dir}/{folder},2026-01-01T00:00:00\n')
    os.makedirs(os.path.join(run, "thumbnails"))
    vols = [  # series uid, number, desc, index, TE, b, t, label
        ("1.2.3.9", 9, "DYN, 3 PHASE", 2, "", "", "3", "DCE_Portal"),
        ("1.2.3.9", 9, "DYN, 3 PHASE", 0, "", "", "1", "DCE_Pre"),
        ("1.2.3.9", 9, "DYN, 3 PHASE", 1, "", "", "2", "DCE_Portal"),  # wrong: truth arterial
        ("1.2.3.3", 3, "T1 DUAL", 0, "4.4", "", "", "T1WI_In"),
        ("1.2.3.3", 3, "T1 DUAL", 1, "2.2", "", "", "T1WI_Opp"),
        ("1.2.3.5", 5, "AX T2 FS", 0, "85", "", "", "T2WI_Fs"),
    ]
    with open(os.path.join(run, "volumes.csv"), "w", newline="") as f:
        f.write(VOL_HEADER + "\n")
        for uid, num, desc, idx, te, b, t, label in vols:
            f.write(f'1.2.3,{uid},{num},"{desc}",{idx},{te},{b},{t},ORIGINAL\\PRIMARY,{label},0.9,{PROBS},ok,,"rule, x",'
                    f'GE MEDICAL SYSTEMS,1.5\n')
            open(os.path.join(run, "thumbnails", f"{uid}_{idx}.png"), "wb").close()
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump({"studies": [{"volumes": [{"series_uid": "1.2.3.9", "volume_index": 1,
                                             "header": {"acquisition_time_s": 3723.4}}]}]}, f)

    sheet = os.path.join(tmp, "sheet.csv")
    out = subprocess.run([PY, os.path.join(KIT, "make_labelling_sheet.py"), "--download", download, "--run", run,
                          "--out", sheet, "--html", os.path.join(tmp, "sheet.html")], capture_output=True, text=True)
    check(out.returncode == 0, "make_labelling_sheet exit code 0: " + out.stderr)
    with open(sheet, newline="") as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == 6, f"six volume rows (got {len(rows)})")
    check([r["series_number"] for r in rows] == ["3", "3", "5", "9", "9", "9"], "rows in reading order")
    check([r["temporal_index"] for r in rows[3:]] == ["1", "2", "3"], "DCE phases in time order")
    check(all(r["subject_id"] == "TCGA-DD-A1EB" for r in rows), "subject from metadata.csv")
    check(rows[3]["file_location"].endswith("9.000000-DYN 3 PHASE-33333"), "file location from metadata.csv")
    check(rows[4]["acquisition_time"] == "01:02:03", "acquisition time from results.json")
    check(all(r["thumbnail"].endswith(".png") and os.path.isabs(r["thumbnail"]) for r in rows), "thumbnail paths")
    check("predicted" not in rows[0], "predictions hidden by default")
    check(all(r["label"] == "" for r in rows), "label column left to fill")
    again = subprocess.run([PY, os.path.join(KIT, "make_labelling_sheet.py"), "--download", download, "--run", run,
                            "--out", sheet], capture_output=True, text=True)
    check(again.returncode != 0 and "refusing" in again.stderr, "an existing sheet is never overwritten")

    series_json = os.path.join(tmp, "series.json")
    with open(series_json, "w") as f:
        json.dump([{"SeriesInstanceUID": u, "StudyInstanceUID": "1.2.3", "PatientID": "P", "Modality": "MR",
                    "ImageCount": 20} for u, *_ in series] + [{"SeriesInstanceUID": "9.9", "Modality": "CT"}], f)
    manifest = os.path.join(tmp, "m.tcia")
    out = subprocess.run([PY, os.path.join(KIT, "make_manifest.py"), "--series-json", series_json, "--out", manifest],
                         capture_output=True, text=True)
    check(out.returncode == 0, "make_manifest exit code 0: " + out.stderr)
    text = open(manifest).read()
    check(text.startswith("downloadServerUrl=") and "ListOfSeriesToDownload=\n1.2.3.3\n" in text and "9.9" not in text,
          "manifest lists the MR series only")

    # A radiologist fills the sheet; the dynamic phase 2 is arterial, which the run called portal.
    truth = {("1.2.3.9", "1"): "DCE_Pre", ("1.2.3.9", "2"): "arterial", ("1.2.3.9", "3"): "DCE_Portal"}
    for r in rows:
        r["label"] = truth.get((r["series_uid"], r["temporal_index"]),
                               {"4.4": "in phase", "2.2": "T1WI_Opp", "85": "T2WI_Fs"}.get(r["echo_time_ms"], ""))
    filled = os.path.join(tmp, "filled.csv")
    with open(filled, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    if CLASSIFY:
        out = subprocess.run([PY, os.path.join(KIT, "run_and_compare.py"), "--download", download, "--truth", filled,
                              "--run", run, "--classifier", CLASSIFY, "--skip-classify", "--bootstrap", "200"],
                             capture_output=True, text=True)
        check(out.returncode == 0, "run_and_compare exit code 0: " + out.stderr[-2000:])
        check("Macro-F1 (no Other)" in out.stdout and "0.819" in out.stdout, "comparison names the paper's figures")
        m = json.load(open(os.path.join(run, "evaluation", "metrics.json")))
        check(m["n"] == 6 and abs(m["overall"]["accuracy"] - 5 / 6) < 1e-12, "5 of 6 volumes right")
        check(os.path.exists(os.path.join(run, "evaluation", "report.html")), "evaluation HTML report written")
        print(out.stdout)
    else:
        print("note: no mpmri-classify binary given; run_and_compare.py not exercised")
    if failures:
        sys.exit(f"{len(failures)} check(s) failed; files kept in {tmp}")
    subprocess.run(["rm", "-rf", tmp])
    print("tcga-lihc kit: all checks passed")


if __name__ == "__main__":
    main()
