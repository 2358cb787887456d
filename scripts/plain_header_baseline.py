#!/usr/bin/python3
"""Plain header-only baseline for liver MRI series (a yardstick, not a product).

Written independently of mpmri-classify's rules: SeriesDescription/ProtocolName keywords,
ImageType, b-values, EchoTime vs field strength, ScanOptions, contrast tag and time order.
Usage: /usr/bin/python3 scripts/plain_header_baseline.py DICOM_DIR -o OUT_DIR
"""
import argparse, csv, os, re, sys
from collections import defaultdict
import pydicom

FIELDS = ["study_uid", "series_uid", "volume_index", "echo_time_ms", "b_value", "temporal_index",
          "label", "status", "manufacturer", "field_strength_t"]


def num(v, default=None):
    try:
        if isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
            v = v[0]
        return float(v)
    except (TypeError, ValueError, IndexError):
        return default


def b_value(ds):
    for tag in [(0x0018, 0x9087), (0x0043, 0x1039), (0x2001, 0x1003), (0x0019, 0x100C)]:
        if tag in ds:
            v = ds[tag].value
            if isinstance(v, bytes):                      # private tags read as raw bytes
                v = v.decode("latin-1", "ignore").strip("\x00 ").split("\\")
            b = num(v)
            if b is not None:
                return b % 1e9 if tag[0] == 0x0043 else b  # GE adds 1e9 on multi-b series
    return None


def seconds(t):
    t = str(t or "").strip()
    if len(t) < 6:
        return None
    try:
        return int(t[0:2]) * 3600 + int(t[2:4]) * 60 + float(t[4:])
    except ValueError:
        return None


def frames(ds):
    """Enhanced multi-frame -> one flat header per frame (functional groups lifted to the top)."""
    per = ds.get("PerFrameFunctionalGroupsSequence")
    if not per:
        return [ds]
    base = {e.tag: e for e in ds if e.VR != "SQ"}
    shared = ds.get("SharedFunctionalGroupsSequence") or [pydicom.Dataset()]
    out = []
    for fg in per:
        flat = pydicom.Dataset(dict(base))
        for group in list(shared[0]) + list(fg):
            for item in (group.value if group.VR == "SQ" else [])[:1]:
                for e in item:
                    if e.VR != "SQ":
                        flat[e.tag] = e
                    elif e.keyword == "MRDiffusionSequence" and e.value:
                        flat.update({x.tag: x for x in e.value[0] if x.VR != "SQ"})
        if "EffectiveEchoTime" in flat:
            flat.EchoTime = flat.EffectiveEchoTime
        if "TemporalPositionIndex" in flat:
            flat.TemporalPositionIdentifier = flat.TemporalPositionIndex
        if "FrameAcquisitionDateTime" in flat:
            flat.AcquisitionTime = str(flat.FrameAcquisitionDateTime)[8:]
        out.append(flat)
    return out


def read_all(root):
    series = defaultdict(list)
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for f in sorted(files):
            if f.startswith("."):
                continue
            try:
                ds = pydicom.dcmread(os.path.join(d, f), stop_before_pixels=True, force=True)
            except Exception:
                continue
            if "SeriesInstanceUID" not in ds or "Rows" not in ds:
                continue                                   # not an image (SR, presentation state, ...)
            series[(str(ds.get("StudyInstanceUID", "")), str(ds.SeriesInstanceUID))].extend(frames(ds))
    return series


def split(instances):
    """One series -> list of (key dict, instances), split by b, echo and temporal position."""
    rows = [(b_value(ds), num(ds.get("EchoTime")), num(ds.get("EchoNumbers")),
             num(ds.get("TemporalPositionIdentifier")), ds) for ds in instances]
    by_b = len({r[0] for r in rows if r[0] is not None}) > 1
    by_te = len({r[1] for r in rows}) > 1 or len({r[2] for r in rows}) > 1
    tps = sorted({r[3] for r in rows if r[3] is not None})
    by_tp = len(tps) > 1
    groups = defaultdict(list)
    for b, te, en, tp, ds in rows:
        groups[(b if by_b else None, (te, en) if by_te else None, tp if by_tp else None)].append(ds)
    out = []
    for (b, te, tp), dss in sorted(groups.items(), key=lambda kv: (kv[0][0] or 0, (kv[0][1] or (0, 0))[0] or 0,
                                                          (kv[0][1] or (0, 0))[1] or 0, kv[0][2] or 0)):
        first = dss[0]
        out.append({"b": b if by_b else b_value(first),
                    "te": te[0] if by_te else num(first.get("EchoTime")),
                    "tp": (tps.index(tp) + 1) if by_tp else None,
                    "split_b": by_b, "ds": dss})
    return out


def features(ds):
    text = " ".join(str(ds.get(k, "")) for k in ("SeriesDescription", "ProtocolName")).lower()
    it = {str(x).upper() for x in (ds.get("ImageType") or [])}
    so = ds.get("ScanOptions") or []
    opts = {str(x).upper() for x in (so.split("\\") if isinstance(so, str) else so)}
    seq = str(ds.get("ScanningSequence", "")).upper()
    iop = [num([x]) for x in (ds.get("ImageOrientationPatient") or [])]
    axial = True
    if len(iop) == 6 and None not in iop:
        nz = abs(iop[0] * iop[4] - iop[1] * iop[3])          # z component of the slice normal
        axial = nz > 0.7
    field = num(ds.get("MagneticFieldStrength"), 1.5)
    field = field / 10000 if field > 100 else field          # some old headers store gauss
    agent = str(ds.get("ContrastBolusAgent", "") or "").strip().lower()
    return dict(text=text, words=set(re.split(r"[^a-z0-9]+", text)), it=it, opts=opts, seq=seq,
                axial=axial, field=field or 1.5, te=num(ds.get("EchoTime")), tr=num(ds.get("RepetitionTime")),
                contrast=bool(agent) and agent not in ("none", "no"),
                time=seconds(ds.get("AcquisitionTime") or ds.get("SeriesTime")))


def has(f, *keys):
    return any(k in f["text"] for k in keys)


def word(f, *keys):
    return any(k in f["words"] for k in keys)


def in_or_opp(te, field):
    """Water and fat are in phase every 1/(3.4 ppm * 42.58 MHz/T * B) ms, about 4.6 ms at 1.5 T."""
    period = 1000.0 / (3.4e-6 * 42.577e6 * field)
    frac = (te / period) % 1.0
    return "T1WI_Opp" if 0.25 < frac < 0.75 else "T1WI_In"


def label_volume(f, vol, series_vols):
    if word(f, "loc", "localizer", "scout", "survey", "3plane", "pilot") or "LOCALIZER" in f["it"] or has(f, "plane loc"):
        return "Other"
    if "ADC" in f["it"] or word(f, "adc") or has(f, "apparent diffusion", "_adc"):
        return "Other" if has(f, "exponential", "eadc") else "ADC"
    diffusion = ("DIFFUSION" in f["it"] or "TRACEW" in f["it"] or has(f, "dwi", "diff", "trace", "dw_")
                 or (vol["b"] or 0) > 0)
    if diffusion:
        bs = [v["b"] for v in series_vols if v["b"] is not None]
        if vol["split_b"]:
            return "DWI_HighB" if vol["b"] == max(bs) and vol["b"] >= 400 else "Other"
        return "Other" if vol["b"] is not None and vol["b"] < 400 else "DWI_HighB"
    if has(f, "mrcp", "cholangio", "mip", "subtract", "hepatobiliary", "20 min", "20min", "hbp") \
            or word(f, "sub", "mpr") or "SUB" in f["it"] or "PROJECTION IMAGE" in f["it"]:
        return "Other"
    if not f["axial"]:
        return "Other"
    dixon_map = bool({"WATER", "FAT", "W", "F"} & f["it"]) or has(f, "water", "fat frac", "ff map") or word(f, "fat", "w", "f")
    # In-phase / opposed-phase: dual-echo GRE or Dixon in/opp maps, no fat suppression, no contrast
    if {"IN_PHASE", "IP"} & f["it"]:
        return "T1WI_In"
    if {"OUT_PHASE", "OP", "OPP_PHASE"} & f["it"]:
        return "T1WI_Opp"
    inopp_kw = has(f, "in phase", "inphase", "in_phase", "in-phase", "opp", "out phase", "outphase",
                   "out_phase", "out-phase", "dual", "in/out", "out/in", "chemical shift") or word(f, "ip", "op")
    multi_echo = len({v["te"] for v in series_vols}) > 1
    gre = "GR" in f["seq"] and "EP" not in f["seq"]
    if not dixon_map and (inopp_kw or (gre and multi_echo and "FS" not in f["opts"])) and f["te"] and f["te"] < 8:
        says_in = has(f, "in phase", "inphase", "in_phase", "in-phase") or word(f, "ip", "in")
        says_opp = has(f, "opp", "out phase", "outphase", "out_phase", "out-phase") or word(f, "op", "out")
        if multi_echo or says_in == says_opp:             # several echoes or no single word: use TE physics
            return in_or_opp(f["te"], f["field"])
        return "T1WI_In" if says_in else "T1WI_Opp"
    fs = bool({"FS", "FSA_GEMS", "FSS_GEMS", "FSI_GEMS", "FSL_GEMS", "FSP_GEMS", "SFS"} & f["opts"]) or "IR" in f["seq"] \
        or word(f, "fs", "fatsat", "spir", "stir", "tirm", "fsat") or has(f, "fat sat", "spair", "fat sup", "fatsup")
    t2 = has(f, "t2", "haste", "ssfse", "ss-fse", "frfse", "tse", "fse", "stir", "tirm") \
        or ("SE" in f["seq"] and (f["te"] or 0) >= 60)
    if t2 and not has(f, "t1") and (f["te"] or 80) < 300:
        return "T2WI_Fs" if fs else "Other"
    dce_kw = has(f, "vibe", "lava", "thrive", "dyn", "dce", "arterial", "portal", "venous", "delay",
                 "equil", "transitional", "post", "pre", "ph1", "ph2", "ph3", "ph4") or word(f, "art", "pv", "c")
    t1_gre = gre and (f["te"] or 99) < 3.5 and (f["tr"] or 99) < 12
    if (t1_gre or dce_kw) and (fs or dce_kw) and not dixon_map and not has(f, "t2"):
        return "DCE?"                                      # phase decided at study level
    return "Other"


def dce_phase(f):
    if has(f, "delay", "equil", "transitional", "3 min", "3min", "5 min", "5min"):
        return "DCE_Delayed"
    if has(f, "portal", "venous") or word(f, "pv", "ven"):
        return "DCE_Portal"
    if has(f, "arterial") or word(f, "art", "ha", "early"):
        return "DCE_Arterial"
    if word(f, "late"):
        return "DCE_Delayed"
    if has(f, "precontrast", "pre-contrast", "pre contrast", "pre_contrast") or word(f, "pre", "native", "mask"):
        return "DCE_Pre"
    return None


def assign_dce(items):
    """items: list of (row, features) of one study's DCE candidates -> set row['label']."""
    rest = []
    for row, f in items:
        ph = dce_phase(f)
        if ph:
            row["label"] = ph
        else:
            rest.append((row, f))
    rest.sort(key=lambda rf: (rf[1]["time"] if rf[1]["time"] is not None else 1e9, rf[0]["temporal_index"] or 0))
    if not rest:
        return
    any_agent = any(f["contrast"] for _, f in items)
    order = ["DCE_Arterial", "DCE_Portal", "DCE_Delayed"]
    post, t_art = 0, None
    for i, (row, f) in enumerate(rest):
        pre = (not f["contrast"]) if any_agent else (i == 0 and len(rest) > 1)
        if pre and post == 0:
            row["label"] = "DCE_Pre"
            continue
        if t_art is None:
            t_art = f["time"]
        late = f["time"] is not None and t_art is not None and f["time"] - t_art > 600
        row["label"] = "Other" if late else order[min(post, 2)]   # >10 min after arterial: hepatobiliary
        post += 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dicom_dir")
    ap.add_argument("-o", "--out", required=True)
    a = ap.parse_args()
    rows, dce = [], defaultdict(list)
    for (study, suid), instances in sorted(read_all(a.dicom_dir).items()):
        vols = split(instances)
        for i, vol in enumerate(vols):
            ds = vol["ds"][0]
            f = features(ds)
            f["time"] = min((t for t in (features(d)["time"] for d in vol["ds"]) if t is not None), default=f["time"])
            row = {"study_uid": study, "series_uid": suid, "volume_index": i,
                   "echo_time_ms": "" if vol["te"] is None else "%g" % vol["te"],
                   "b_value": "" if vol["b"] is None or not (vol["split_b"] or (vol["b"] or 0) > 0) else "%g" % vol["b"],
                   "temporal_index": vol["tp"] or "", "status": "ok",
                   "manufacturer": str(ds.get("Manufacturer", "")), "field_strength_t": "%g" % f["field"]}
            row["label"] = label_volume(f, vol, vols)
            if row["label"] == "DCE?":
                dce[study].append((row, f))
            rows.append(row)
    for items in dce.values():
        assign_dce(items)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "volumes.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    print("%d series, %d volumes -> %s" % (len({r["series_uid"] for r in rows}), len(rows),
                                          os.path.join(a.out, "volumes.csv")), file=sys.stderr)


if __name__ == "__main__":
    main()
