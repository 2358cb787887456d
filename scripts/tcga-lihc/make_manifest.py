#!/usr/bin/python3
"""Write an NBIA Data Retriever manifest (.tcia) for the MR series of TCGA-LIHC.

    make_manifest.py --out tcga-lihc-mr.tcia                 # asks TCIA's public NBIA API (needs network)
    make_manifest.py --series-json series.json --out m.tcia  # from a saved getSeries answer (offline)

The series list comes from the public NBIA REST API (no login for public collections):
  https://services.cancerimagingarchive.net/nbia-api/services/v1/getSeries?Collection=TCGA-LIHC&Modality=MR
which answers a JSON list of series (SeriesInstanceUID, StudyInstanceUID, PatientID, SeriesDescription, ...).
The portal's cart (https://nbia.cancerimagingarchive.net, Collection TCGA-LIHC, Modality MR) gives the
same manifest by hand. Only the Python standard library is used.
"""
import argparse
import json
import os
import sys
import urllib.request

API = "https://services.cancerimagingarchive.net/nbia-api/services/v1/getSeries"
DOWNLOAD_SERVER = "https://public.cancerimagingarchive.net/nbia-download/servlet/DownloadServlet"


def fetch(collection, modality):
    url = f"{API}?Collection={collection}&Modality={modality}&format=json"
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.load(r)


def manifest_text(series_uids):
    lines = [f"downloadServerUrl={DOWNLOAD_SERVER}", "includeAnnotation=true", "noOfrRetry=4",
             "databasedirectory=", "ListOfSeriesToDownload="]
    return "\n".join(lines + series_uids) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="manifest to write (.tcia)")
    ap.add_argument("--series-json", help="a saved getSeries answer instead of asking the API")
    ap.add_argument("--collection", default="TCGA-LIHC")
    ap.add_argument("--modality", default="MR")
    args = ap.parse_args()
    if args.series_json:
        with open(args.series_json, encoding="utf-8") as f:
            series = json.load(f)
    else:
        series = fetch(args.collection, args.modality)
    keep = [s for s in series if s.get("Modality", args.modality) == args.modality]
    uids = sorted({s["SeriesInstanceUID"] for s in keep if s.get("SeriesInstanceUID")})
    if not uids:
        sys.exit("error: no series found; check the collection name and modality")
    tmp = args.out + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(manifest_text(uids))
    os.replace(tmp, args.out)
    patients = len({s.get("PatientID") for s in keep})
    studies = len({s.get("StudyInstanceUID") for s in keep})
    images = sum(int(s.get("ImageCount", 0) or 0) for s in keep)
    print(f"wrote {len(uids)} {args.modality} series ({studies} studies, {patients} patients, {images} images) to {args.out}")


if __name__ == "__main__":
    main()
