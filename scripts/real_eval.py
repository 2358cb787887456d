#!/usr/bin/python3
"""Scores a build's mpmri-classify on the labelled real scans beside the checkout (../shared).

Sources (../shared/real/README.md, ../shared/dicom/README.md):
  cptac-t1dual   ../shared/real/cptac-ccrcc-t1dual   GE dual-echo DICOM      truth: ../shared/real/labels.csv
  tcga-delayed   ../shared/real/tcga-lihc-delayed    Siemens VIBE DICOM      truth: ../shared/real/labels.csv
  chaos-t2spir   ../shared/real/chaos-t2spir/image_N.nii.gz (20 NIfTI, no sidecar), all T2WI_Fs
  chaos-t1dual   ../shared/dicom/chaos-liver-t1dual  Philips dual-echo DICOM truth: tests/data/real_labels.csv

Each source is classified in its own run (so a source's volumes are never another's study mates), scored by
`mpmri-classify evaluate` (the project's figures: accuracy, macro-F1 over the classes present in truth or
prediction), and all runs together are scored once more for the overall figures. A truth row belongs to the
source whose run wrote its series; rows that no run wrote are counted as missing in the overall figures.
The CHAOS T2-SPIR truth rows name each file by its absolute path, the series UID the loader gives a NIfTI
file without a sidecar (docs/nifti.md); label_N.nii.gz (organ masks) are not images and are not passed.

Usage: scripts/real_eval.py [--build build] [--mode image|header|fusion] [--model models/default.pt]
                            [--shared ../shared] [--out /tmp/mpmri-real-eval] [--jobs 0] [--fusion-params F]
Writes OUT/summary.json and OUT/summary.csv (one row per source and one "overall"), plus each run and its
evaluation under OUT/<source>/. Exit 0 when every run and evaluation completed, 2 for a missing
../shared, build or model, 1 when a run or evaluation failed.
"""
import argparse
import csv
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABELS = ["T1WI_In", "T1WI_Opp", "T2WI_Fs", "DWI_HighB", "ADC", "DCE_Pre", "DCE_Arterial", "DCE_Portal",
          "DCE_Delayed", "Other"]


def fail(msg, code=2):
    print("real_eval: " + msg, file=sys.stderr)
    sys.exit(code)


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def nifti_series_uid(path):
    # The loader's name for a NIfTI file without a sidecar: std::filesystem::absolute(path).lexically_normal().
    return os.path.normpath(os.path.abspath(path))


def sources(shared):
    """(name, inputs, truth): truth is a fixed list of rows, or None for the rows of ../shared/real/labels.csv,
    which name series of two folders: each row goes to the run that wrote its series."""
    real, dicom = os.path.join(shared, "real"), os.path.join(shared, "dicom")
    t2_dir = os.path.join(real, "chaos-t2spir")
    t2_files = sorted((os.path.join(t2_dir, n) for n in os.listdir(t2_dir)
                       if n.startswith("image_") and n.endswith(".nii.gz")),
                      key=lambda p: int(os.path.basename(p)[6:-7]))
    t2_truth = [{"series_uid": nifti_series_uid(p), "label": "T2WI_Fs", "reason": "CHAOS T2-SPIR (../shared/real/README.md)"}
                for p in t2_files]
    # tests/data/real_labels.csv labels all of ../shared/dicom; its CHAOS rows are this folder's.
    t1_truth = [r for r in read_csv(os.path.join(ROOT, "tests", "data", "real_labels.csv")) if r["reason"].startswith("CHAOS")]
    return [
        ("cptac-t1dual", [os.path.join(real, "cptac-ccrcc-t1dual")], None),
        ("tcga-delayed", [os.path.join(real, "tcga-lihc-delayed")], None),
        ("chaos-t2spir", t2_files, t2_truth),
        ("chaos-t1dual", [os.path.join(dicom, "chaos-liver-t1dual")], t1_truth),
    ]


def classify(cli, inputs, out, args):
    cmd = [cli, "--log-level", "warn", "classify", *inputs, "-o", out, "--mode", args.mode, "--no-progress",
           "--jobs", str(args.jobs)]
    if args.mode != "header":
        cmd += ["--model", args.model]
    if getattr(args, "fusion_params", None):
        cmd += ["--fusion-params", args.fusion_params]
    rc = subprocess.run(cmd).returncode
    if rc not in (0, 3):  # 3: some files failed, the rest is in the output (README "Exit codes")
        print(f"real_eval: classify exited {rc}: {' '.join(cmd)}", file=sys.stderr)
        return False
    return True


def evaluate(cli, pred, truth_csv, out):
    cmd = [cli, "--log-level", "warn", "evaluate", "--pred", pred, "--truth", truth_csv, "--out", out, "--bootstrap", "0"]
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        print(f"real_eval: evaluate exited {rc}: {' '.join(cmd)}", file=sys.stderr)
        return None
    with open(os.path.join(out, "metrics.json")) as f:
        metrics = json.load(f)
    items = read_csv(os.path.join(out, "items.csv"))
    per_class = {}
    for it in items:
        right, total = per_class.get(it["truth"], (0, 0))
        per_class[it["truth"]] = (right + (it["correct"] == "1"), total + 1)
    right = sum(r for r, _ in per_class.values())
    wrong = [f"{it['series_uid']}#{it['volume_index']} {it['truth']}->{it['predicted'] or '(missing)'}"
             for it in items if it["correct"] != "1"]
    return {"n": len(items), "right": right, "accuracy": metrics["overall"]["accuracy"],
            "macro_f1": metrics["overall"]["macro_f1"], "per_class": per_class, "wrong": wrong}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build folder holding src/cli/mpmri-classify")
    ap.add_argument("--mode", default="image", choices=["image", "header", "fusion"])
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "default.pt"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"), help="the shared data folder")
    ap.add_argument("--out", default="/tmp/mpmri-real-eval")
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--fusion-params", help="JSON file of fusion parameters (default: the build's data/fusion_params.json)")
    args = ap.parse_args()

    shared = os.path.abspath(args.shared)
    needed = [os.path.join(shared, p) for p in ("real/labels.csv", "real/cptac-ccrcc-t1dual", "real/tcga-lihc-delayed",
                                                "real/chaos-t2spir", "dicom/chaos-liver-t1dual")]
    missing = [p for p in needed if not os.path.exists(p)]
    if missing:
        fail(f"the shared real data is not there ({', '.join(missing)}): put the project's shared folder beside "
             "the checkout as ../shared or pass --shared DIR")
    cli = os.path.join(os.path.abspath(args.build), "src", "cli", "mpmri-classify")
    if not os.access(cli, os.X_OK):
        fail(f"{cli} not found: build first (cmake -S . -B build -G Ninja && cmake --build build) or pass --build")
    args.model = os.path.abspath(args.model)
    if args.mode != "header" and not os.path.isfile(args.model):
        fail(f"model {args.model} not found")

    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    truth_header = ["series_uid", "label", "echo_time_ms", "b_value", "temporal_index", "reason"]
    ok = True
    results, all_truth, all_pred_rows, pred_header = [], [], [], None
    shared_truth = read_csv(os.path.join(shared, "real", "labels.csv"))
    claimed = set()
    for name, inputs, truth in sources(shared):
        run = os.path.join(out, name, "run")
        if not classify(cli, inputs, run, args):
            ok = False
            continue
        if truth is None:
            produced = {r["series_uid"] for f in ("volumes.csv", "series.csv") for r in read_csv(os.path.join(run, f))}
            truth = [t for t in shared_truth if t["series_uid"] in produced]
            claimed.update(t["series_uid"] for t in truth)
        truth_csv = os.path.join(out, name, "truth.csv")
        write_csv(truth_csv, truth_header, truth)
        all_truth += truth
        rows = read_csv(os.path.join(run, "volumes.csv"))
        if rows:
            pred_header = list(rows[0].keys())
        all_pred_rows += rows
        r = evaluate(cli, run, truth_csv, os.path.join(out, name, "eval")) if truth else None
        if truth and r is None:
            ok = False
            continue
        results.append((name, r))

    # Rows of ../shared/real/labels.csv that no run wrote: counted as missing overall.
    unclaimed = [t for t in shared_truth if t["series_uid"] not in claimed]
    all_truth += unclaimed
    combined = os.path.join(out, "all", "run")
    os.makedirs(combined)
    write_csv(os.path.join(combined, "volumes.csv"), pred_header or ["study_uid", "series_uid", "label", "status"], all_pred_rows)
    write_csv(os.path.join(out, "all", "truth.csv"), truth_header, all_truth)
    overall = evaluate(cli, combined, os.path.join(out, "all", "truth.csv"), os.path.join(out, "all", "eval"))
    if overall is None:
        ok = False
    else:
        results.append(("overall", overall))

    table = []
    print(f"mode {args.mode}, model {args.model if args.mode != 'header' else '(none)'}, build {args.build}")
    print(f"{'source':<14} {'right':>9} {'accuracy':>9} {'macro-F1':>9}  per class (right/total)")
    for name, r in results:
        if r is None:
            print(f"{name:<14} {'no labelled volume':>29}")
            continue
        classes = "  ".join(f"{c} {r['per_class'][c][0]}/{r['per_class'][c][1]}" for c in LABELS if c in r["per_class"])
        print(f"{name:<14} {r['right']:>4}/{r['n']:<4} {r['accuracy']:>9.3f} {r['macro_f1']:>9.3f}  {classes}")
        row = {"source": name, "mode": args.mode, "model": os.path.relpath(args.model, ROOT) if args.mode != "header" else "",
               "right": r["right"], "total": r["n"], "accuracy": round(r["accuracy"], 4), "macro_f1": round(r["macro_f1"], 4)}
        for c in LABELS:
            row[c] = "{}/{}".format(*r["per_class"][c]) if c in r["per_class"] else ""
        row["wrong"] = "; ".join(r["wrong"])
        table.append(row)
    if unclaimed:
        print(f"{len(unclaimed)} truth row(s) of ../shared/real/labels.csv matched no run (counted as missing)")
    header = ["source", "mode", "model", "right", "total", "accuracy", "macro_f1", *LABELS, "wrong"]
    write_csv(os.path.join(out, "summary.csv"), header, table)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"mode": args.mode, "model": args.model if args.mode != "header" else None, "build": args.build,
                   "shared": shared, "sources": table}, f, indent=1)
    print(f"written: {out}/summary.csv, {out}/summary.json")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
