#!/usr/bin/env python3
"""Compares a command's CSV output with a committed golden file: same header, same rows in the same order,
text cells equal, numeric cells within a tolerance (probabilities and confidences of a TorchScript model differ
in the last digits between CPUs and oneDNN kernels). Prints every difference; exit 1 if any."""
import csv
import sys


def is_number(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def compare(golden, actual, tol):
    g = list(csv.reader(open(golden, newline="")))
    a = list(csv.reader(open(actual, newline="")))
    diffs = []
    if g[:1] != a[:1]:
        diffs.append(f"header differs:\n  golden {g[:1]}\n  actual {a[:1]}")
        return diffs
    if len(g) != len(a):
        diffs.append(f"{len(g) - 1} golden rows, {len(a) - 1} actual rows")
    header = g[0]
    for n, (gr, ar) in enumerate(zip(g[1:], a[1:]), start=2):
        for col, gv, av in zip(header, gr, ar):
            if gv == av:
                continue
            if is_number(gv) and is_number(av) and abs(float(gv) - float(av)) <= tol:
                continue
            diffs.append(f"line {n} {col}: golden {gv!r} actual {av!r}")
    return diffs


if __name__ == "__main__":
    golden, actual, tol = sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    d = compare(golden, actual, tol)
    for line in d[:40]:
        print(f"{actual}: {line}")
    if len(d) > 40:
        print(f"... {len(d) - 40} more")
    sys.exit(1 if d else 0)
