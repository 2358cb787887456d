#!/usr/bin/python3
"""Image-only metrics of an exported model on a preprocess cache (the tensors the C++ pipeline feeds it).

  evaluate_cache.py MODEL.pt CACHE [--studies labels.csv] [--card-key NAME]

--studies keeps only the studies listed in that labels.csv (e.g. a chunk generated after training began).
--card-key writes the metrics into MODEL's card under metrics.<NAME> and refreshes nothing else.
"""
import argparse
import csv
import json
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import classification_metrics  # noqa: E402
from train import CLASSES, load_cache  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("cache")
    ap.add_argument("--studies")
    ap.add_argument("--card-key")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    card_path = os.path.splitext(args.model)[0] + ".json"
    card = json.load(open(card_path))
    X, y, rows, cache_card = load_cache(args.cache)
    if cache_card["grid"] != card["grid"] or cache_card["norm"] != card["norm"]:
        raise SystemExit("cache grid/normalisation differ from the model card")
    keep = np.arange(len(rows))
    if args.studies:
        wanted = {r["study_uid"] for r in csv.DictReader(open(args.studies))}
        keep = np.array([i for i, r in enumerate(rows) if r["study_uid"] in wanted])
    model = torch.jit.load(args.model).eval()
    order = [CLASSES.index(c) for c in card["classes"]]
    preds = []
    with torch.no_grad():
        for s in range(0, len(keep), 32):
            xb = torch.from_numpy(X[keep[s:s + 32]].astype(np.float32)).unsqueeze(1)
            preds.append(np.array(order)[model(xb).argmax(1).numpy()])
    pred = np.concatenate(preds)
    m = classification_metrics(y[keep], pred, CLASSES)
    m["studies"] = len({rows[i]["study_uid"] for i in keep})
    m["cache"] = os.path.abspath(args.cache)
    if args.studies:
        m["study_list"] = os.path.abspath(args.studies)
    print(json.dumps({k: m[k] for k in ("volumes", "studies", "macro_f1", "micro_f1")}))
    for c, v in m["per_class"].items():
        print(f"{c:14s} n={v['support']:4d} sens={v['sensitivity']} spec={v['specificity']} f1={v['f1']}")
    if args.card_key:
        card.setdefault("metrics", {})[args.card_key] = m
        with open(card_path, "w") as f:
            json.dump(card, f, indent=2)


if __name__ == "__main__":
    main()
