#!/usr/bin/python3
"""scripts/adapt_loso_real.py's folds never adapt on a subject they score (issue 16's leave-subject-out).

For every fold: the site archive it builds (links) reaches no file of a left-out folder, no file in it carries a
scored series' SeriesInstanceUID or a left-out CHAOS set's PatientName, every scored source has truth rows,
and the fold scoring the CHAOS T2-SPIR holds no CHAOS file at all. Needs ../shared beside the checkout
(exit 77, skipped, without it) and Debian's python3-pydicom.
"""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))


def main():
    shared = os.path.abspath(os.path.join(ROOT, "..", "shared"))
    if not os.path.isdir(os.path.join(shared, "dicom", "chaos-liver-t1dual")):
        print("skipped: ../shared is not beside the checkout")
        return 77
    import pydicom
    import adapt_loso_real as loso

    failures = []
    folds = loso.folds(shared)
    names = [f[0] for f in folds]
    if sorted(names) != sorted(["chaos-set3", "chaos-set4", "chaos-set10", "chaos-all", "tcia"]):
        failures.append(f"unexpected folds {names}")
    with tempfile.TemporaryDirectory() as tmp:
        for fold, left_out, scored in folds:
            site = os.path.join(tmp, fold)
            loso.site_archive(shared, left_out, site)
            left_real = [os.path.realpath(p) + os.sep for p in left_out]
            scored_uids, patient_names = set(), set()
            for source, inputs, truth in scored:
                if not truth:
                    failures.append(f"{fold}: no truth rows for {source}")
                scored_uids |= {t["series_uid"] for t in truth}
            for d in left_out:
                for dirpath, _, files in os.walk(d):
                    for n in files:
                        if n.endswith(".dcm") and not n.startswith("."):
                            ds = pydicom.dcmread(os.path.join(dirpath, n), stop_before_pixels=True, force=True)
                            patient_names.add(str(ds.get("PatientName", "")))
            checked = 0
            for dirpath, _, files in os.walk(site, followlinks=True):
                for n in files:
                    real = os.path.realpath(os.path.join(dirpath, n))
                    if any(real.startswith(p) for p in left_real):
                        failures.append(f"{fold}: site archive reaches left-out file {real}")
                    liver = "chaos-liver-t1dual" in real or "cptac-ccrcc" in real or "tcga-lihc" in real
                    if fold == "chaos-all" and "chaos" in real.lower() and n.endswith(".dcm"):
                        failures.append(f"chaos-all: site archive holds a CHAOS file {real}")
                    if liver and n.endswith(".dcm") and not n.startswith("."):
                        ds = pydicom.dcmread(real, stop_before_pixels=True, force=True)
                        checked += 1
                        if str(ds.get("SeriesInstanceUID", "")) in scored_uids:
                            failures.append(f"{fold}: site file {real} is a scored series")
                        if patient_names - {""} and str(ds.get("PatientName", "")) in patient_names:
                            failures.append(f"{fold}: site file {real} is a left-out patient")
            if checked == 0 and fold != "chaos-all":
                failures.append(f"{fold}: the site archive holds no liver DICOM at all")
            print(f"{fold}: left out {len(left_out)} folder(s), {checked} liver files checked, "
                  f"{sum(len(t) for _, _, t in scored)} scored truth rows")
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
