#!/usr/bin/python3
"""Classify a TCGA-LIHC download, evaluate against the radiologists' sheet, and print our figures
beside the seed paper's external-validation figures.

    run_and_compare.py --download DOWNLOAD --truth sheet.csv --run RUN [--classifier mpmri-classify]
                       [--skip-classify] [--level volume|series] [--bootstrap 1000] [-- extra classify args]

Writes RUN/ (classify outputs and RUN/report.html) and RUN/evaluation/ (metrics.json, table.md,
confusion.png, report.html). Only the Python standard library is used.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

# Zhang et al., Chinese Journal of Magnetic Resonance Imaging 2025;16(10):48-54, TCGA-LIHC external set
# (59 examinations, 38 patients, nine classes, no Other).
PAPER = {"macro_accuracy": 0.916, "macro_f1": 0.819, "micro_f1": 0.816}
PAPER_PER_CLASS_RANGES = {"accuracy": (0.741, 0.994), "sensitivity": (0.554, 1.0), "specificity": (0.928, 1.0),
                          "f1": (0.579, 0.968)}


def run(cmd):
    print("+ " + " ".join(cmd), file=sys.stderr)
    rc = subprocess.call(cmd)
    return rc


def fmt(value, percent):
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%" if percent else f"{value:.3f}"


def ci(metrics, key, percent):
    iv = metrics.get("ci95", {}).get("overall", {}).get(key)
    if not iv or iv[0] is None:
        return ""
    return f"{fmt(iv[0], percent)}-{fmt(iv[1], percent)}"


def comparison(metrics):
    o = metrics["overall"]
    rows = [
        ("Macro-accuracy (no Other)", "macro_accuracy_targets", True, PAPER["macro_accuracy"]),
        ("Macro-F1 (no Other)", "macro_f1_targets", False, PAPER["macro_f1"]),
        ("Micro-F1 (no Other)", "micro_f1_targets", False, PAPER["micro_f1"]),
        ("Macro-accuracy (all classes)", "macro_accuracy", True, None),
        ("Macro-F1 (all classes)", "macro_f1", False, None),
        ("Overall accuracy", "accuracy", True, None),
        ("Cohen's kappa", "kappa", False, None),
    ]
    lines = [f"{'figure':32s} {'ours':>8s} {'95% CI':>15s} {'paper':>8s}"]
    for name, key, percent, paper in rows:
        lines.append(f"{name:32s} {fmt(o.get(key), percent):>8s} {ci(metrics, key, percent):>15s} "
                     f"{fmt(paper, percent) if paper is not None else '':>8s}")
    lines.append("")
    lines.append(f"{'class':14s} {'n':>5s} {'accuracy':>9s} {'sensitivity':>12s} {'specificity':>12s} {'F1':>6s}")
    for c in metrics["per_class"]:
        lines.append(f"{c['label']:14s} {c['support']:5d} {fmt(c['accuracy'], True):>9s} "
                     f"{fmt(c['sensitivity'], True):>12s} {fmt(c['specificity'], True):>12s} {fmt(c['f1'], False):>6s}")
    r = PAPER_PER_CLASS_RANGES
    lines.append(f"{'paper range':14s} {'':>5s} {fmt(r['accuracy'][0], True)}-{fmt(r['accuracy'][1], True)} "
                 f"sens {fmt(r['sensitivity'][0], True)}-{fmt(r['sensitivity'][1], True)} "
                 f"spec {fmt(r['specificity'][0], True)}-{fmt(r['specificity'][1], True)} "
                 f"F1 {fmt(r['f1'][0], False)}-{fmt(r['f1'][1], False)}")
    lines.append(f"\nscored {metrics['n']} items, {metrics['n_missing']} without a prediction; level {metrics['level']}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--download", required=True)
    ap.add_argument("--truth", required=True, help="the filled labelling sheet (or any truth CSV)")
    ap.add_argument("--run", required=True, help="output folder for classify and evaluate")
    ap.add_argument("--classifier", default=shutil.which("mpmri-classify") or "mpmri-classify")
    ap.add_argument("--skip-classify", action="store_true", help="reuse RUN from an earlier classify")
    ap.add_argument("--level", default="volume", choices=["volume", "series"])
    ap.add_argument("--bootstrap", default="1000")
    ap.add_argument("--seed", default="20251001")
    ap.add_argument("classify_args", nargs="*", help="extra arguments for classify, after --")
    args = ap.parse_args()

    if not args.skip_classify:
        rc = run([args.classifier, "classify", args.download, "-o", args.run, "--report",
                  os.path.join(args.run, "report.html"), "--no-progress"] + args.classify_args)
        # 3 = some volumes failed: the rest is scored, failures count as missing.
        if rc not in (0, 3):
            sys.exit(f"error: classify failed with exit code {rc}")
    eval_dir = os.path.join(args.run, "evaluation")
    rc = run([args.classifier, "evaluate", "--pred", args.run, "--truth", args.truth, "--level", args.level,
              "--out", eval_dir, "--bootstrap", args.bootstrap, "--seed", args.seed,
              "--report", os.path.join(eval_dir, "report.html")])
    if rc != 0:
        sys.exit(f"error: evaluate failed with exit code {rc}")
    with open(os.path.join(eval_dir, "metrics.json"), encoding="utf-8") as f:
        metrics = json.load(f)
    print(comparison(metrics))


if __name__ == "__main__":
    main()
