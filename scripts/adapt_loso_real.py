#!/usr/bin/python3
"""Leave-subject-out before/after figures of `mpmri-classify adapt` on the real scans (issue 16, docs/adapt.md).

The site archive is every real series with a header beside the checkout: ../shared/dicom (phantoms, brains,
spines and the CHAOS T1 dual-echo liver) and ../shared/real's two TCIA liver series. Each fold adapts the
base model on that archive WITHOUT one subject's files, then scores image mode (pixels only) on that subject's
labelled volumes, before (base model) and after (the fold's adapted model). No volume is scored by a model
whose adaptation archive held its subject:

  fold          left out of the archive                      scored on
  chaos-set3    CHAOS^MR_SET_3  (Notebook/3)                  its T1 in/opposed pair (2 volumes, 1 slice each)
  chaos-set4    CHAOS^MR_SET_4  (dataset sample/inphase, outphase)   its T1 in/opposed volumes (2)
  chaos-set10   CHAOS^MR_SET_10 (Notebook/2)                  its T1 in/opposed pair (2)
  chaos-all     all three CHAOS sets                          the 20 CHAOS T2-SPIR NIfTI (no header)
  tcia          CPTAC C3N-02262 and TCGA-DD-A4NJ              CPTAC's two echoes, TCGA's delayed phase

The CHAOS T2-SPIR volumes are scored by the fold that holds no CHAOS subject at all: the DICOM sets' names
(MR_SET_3/4/10) cannot be matched to the T2-SPIR ids with certainty, so no CHAOS T1 file may be in their
adaptation. The non-liver DICOM (dcm_qa*, pydicom test files) are other subjects and stay in every fold.

Usage: scripts/adapt_loso_real.py [--build build] [--base models/default.pt] [--shared ../shared]
                                  [--work /tmp/mpmri-adapt-loso] [--minutes 6] [--epochs 6] [--seed 1] [--jobs 2]
Resumable: a fold whose adapted.pt exists is not adapted again. Writes WORK/summary.csv (fold, source,
before and after right/total) and WORK/summary.json, and prints the table.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import real_eval  # noqa: E402  (the sources, truth rows, classify and evaluate of the real-scan figures)

ROOT = real_eval.ROOT


def folds(shared):
    dicom, real = os.path.join(shared, "dicom"), os.path.join(shared, "real")
    chaos = os.path.join(dicom, "chaos-liver-t1dual")
    sets = {"chaos-set3": [os.path.join(chaos, "Notebook", "3")],
            "chaos-set4": [os.path.join(chaos, "dataset sample", "inphase"), os.path.join(chaos, "dataset sample", "outphase")],
            "chaos-set10": [os.path.join(chaos, "Notebook", "2")]}
    tcia = [os.path.join(real, "cptac-ccrcc-t1dual"), os.path.join(real, "tcga-lihc-delayed")]
    src = {name: (inputs, truth) for name, inputs, truth in real_eval.sources(shared)}
    t1_truth = src["chaos-t1dual"][1]
    out = []
    for name, dirs in sets.items():
        uids = set()
        for d in dirs:
            uids |= series_uids(d)
        out.append((name, dirs, [(name, dirs, [t for t in t1_truth if t["series_uid"] in uids])]))
    all_chaos = [d for dirs in sets.values() for d in dirs]
    out.append(("chaos-all", all_chaos, [("chaos-t2spir", *src["chaos-t2spir"])]))
    # ../shared/real/labels.csv names the series of both TCIA folders.
    tcia_truth = real_eval.read_csv(os.path.join(real, "labels.csv"))
    out.append(("tcia", tcia, [(name, inputs, [t for t in tcia_truth if t["series_uid"] in series_uids(inputs[0])])
                               for name, inputs in (("cptac-t1dual", [tcia[0]]), ("tcga-delayed", [tcia[1]]))]))
    return out


def series_uids(folder):
    import pydicom
    uids = set()
    for dirpath, _, names in os.walk(folder):
        for n in names:
            if n.startswith("."):  # AppleDouble ._* files and .DS_Store beside the TCGA series
                continue
            ds = pydicom.dcmread(os.path.join(dirpath, n), stop_before_pixels=True, force=True)
            if "SeriesInstanceUID" in ds:
                uids.add(str(ds.SeriesInstanceUID))
    return uids


def site_archive(shared, left_out, where):
    """A folder of links to every real series with a header except the left-out subject's folders."""
    left_out = {os.path.normpath(p) for p in left_out}
    shutil.rmtree(where, ignore_errors=True)
    os.makedirs(where)

    def link_tree(src, dst):
        # Link whole folders that hold nothing left out; descend into those that do.
        if os.path.normpath(src) in left_out:
            return
        if not any(p.startswith(os.path.normpath(src) + os.sep) for p in left_out):
            os.symlink(src, dst)
            return
        os.makedirs(dst)
        for n in sorted(os.listdir(src)):
            link_tree(os.path.join(src, n), os.path.join(dst, n))

    link_tree(os.path.join(shared, "dicom"), os.path.join(where, "dicom"))
    for n in ("cptac-ccrcc-t1dual", "tcga-lihc-delayed"):
        link_tree(os.path.join(shared, "real", n), os.path.join(where, n))


def score(cli, inputs, truth, out, model, jobs):
    args = argparse.Namespace(mode="image", model=model, jobs=jobs)
    if not real_eval.classify(cli, inputs, os.path.join(out, "run"), args):
        raise SystemExit(f"adapt_loso_real: classify failed for {out}")
    truth_csv = os.path.join(out, "truth.csv")
    real_eval.write_csv(truth_csv, ["series_uid", "label", "echo_time_ms", "b_value", "temporal_index", "reason"], truth)
    r = real_eval.evaluate(cli, os.path.join(out, "run"), truth_csv, os.path.join(out, "eval"))
    if r is None:
        raise SystemExit(f"adapt_loso_real: evaluate failed for {out}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--base", default=os.path.join(ROOT, "models", "default.pt"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    ap.add_argument("--work", default="/tmp/mpmri-adapt-loso")
    ap.add_argument("--minutes", default="6")
    ap.add_argument("--epochs", default="6")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--only", help="run one fold (name)")
    args = ap.parse_args()
    shared = os.path.abspath(args.shared)
    cli = os.path.join(os.path.abspath(args.build), "src", "cli", "mpmri-classify")
    base = os.path.abspath(args.base)
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)

    rows = []
    for fold, left_out, scored in folds(shared):
        if args.only and fold != args.only:
            continue
        fdir = os.path.join(work, fold)
        model = os.path.join(fdir, "model", "adapted.pt")
        if not os.path.isfile(model):
            site_archive(shared, left_out, os.path.join(fdir, "site"))
            cmd = [cli, "--log-level", "warn", "adapt", os.path.join(fdir, "site"), "-o", os.path.join(fdir, "model"),
                   "--base", base, "--minutes", args.minutes, "--epochs", args.epochs, "--seed", args.seed,
                   "--jobs", str(args.jobs)]
            print("+", " ".join(cmd), flush=True)
            if subprocess.run(cmd).returncode != 0:
                raise SystemExit(f"adapt_loso_real: adapt failed for fold {fold}")
        with open(os.path.join(fdir, "model", "adapted.json")) as f:
            site = json.load(f)["adaptation"]["site"]
        for source, inputs, truth in scored:
            before = score(cli, inputs, truth, os.path.join(fdir, "eval", source, "before"), base, args.jobs)
            after = score(cli, inputs, truth, os.path.join(fdir, "eval", source, "after"), model, args.jobs)
            rows.append({"fold": fold, "source": source, "total": before["n"], "before": before["right"],
                         "after": after["right"], "site_volumes_per_class": json.dumps(site.get("volumes_per_class", {})),
                         "wrong_after": "; ".join(after["wrong"])})
    print(f"{'fold':<12} {'source':<14} {'before':>8} {'after':>8}")
    for r in rows:
        print(f"{r['fold']:<12} {r['source']:<14} {r['before']:>4}/{r['total']:<3} {r['after']:>4}/{r['total']:<3}")
    b, a, n = (sum(r[k] for r in rows) for k in ("before", "after", "total"))
    print(f"{'all':<12} {'':<14} {b:>4}/{n:<3} {a:>4}/{n:<3}")
    real_eval.write_csv(os.path.join(work, "summary.csv"),
                        ["fold", "source", "total", "before", "after", "site_volumes_per_class", "wrong_after"], rows)
    with open(os.path.join(work, "summary.json"), "w") as f:
        json.dump({"base": base, "minutes": args.minutes, "epochs": args.epochs, "seed": args.seed, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
