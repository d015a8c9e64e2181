"""Sorting accuracy against ground truth with SpikeInterface's comparison (the field's reference tool).

usage: sort_ground_truth.py DAYDIR [--truth TRUTH_JSON] [--tested-json FILE]

DAYDIR has been through `rplpipe run` (spike band) and sorting + export. TRUTH_JSON (default
DAYDIR/ground-truth.json, as writeSyntheticDay writes it): {electrodeIds, sessions: [{name, units:
[{channel, amplitudeUv, rateHz, width}], spikeTrains: [[sample, ...], ...]}]}, spike samples relative to each
session's first sample, channel = index into electrodeIds.

For every channel: the tested units are the exported cells (sessionXX/arrayNN/channelNNN/cellNN/spiketrain.csv,
ms from the session's first sample -> sample = round(ms * fs / 1000)), joined over sessions by cellNN; the
ground-truth units are the truth's trains joined the same way (offsets from mountains/channelNNN/start_indices.csv).
compare_sorter_to_ground_truth(delta_time=0.4 ms) gives each unit's accuracy/recall/precision. SNR = peak of
the unit's mean waveform on the spike band / noise (MAD / 0.6745), as SpikeInterface's compute_snrs.
--tested-json: score another sorter's output instead of the exported cells (bench/reference/si_sorting.py:
{channels: {channelNNN: {units: {id: [samples of the joined recording]}}}}). Prints JSON {units: [...], fs}.
"""
import argparse
import csv
import glob
import json
import os

import hickle
import numpy as np
import spikeinterface as si
import spikeinterface.comparison as sc


def starts_of(day, ch):
    rows = {}
    with open(os.path.join(day, "mountains", ch, "start_indices.csv")) as f:
        for row in csv.reader(f):
            rows[row[0]] = [t.strip(" '][") for t in row[1:]]
    return [int(x) for x in rows["1"]], rows["2"]


def channel_dir(day, session, ch):
    hits = sorted(glob.glob(os.path.join(day, session, "array*", ch)))
    return hits[0] if hits else None


def score(eid, k, u, trace, times, noise, perf, best, cells):
    w = times[(times >= 30) & (times < len(trace) - 45)]
    tmpl = trace[w[:, None] + np.arange(-30, 45)].mean(axis=0)
    get = (lambda key: float(perf[key])) if perf is not None else (lambda key: 0.0)
    return {
        "electrodeId": eid, "unit": int(k), "amplitudeUv": u["amplitudeUv"], "rateHz": u["rateHz"],
        "snr": float(np.max(np.abs(tmpl)) / noise), "gtSpikes": int(len(times)),
        "accuracy": get("accuracy"), "recall": get("recall"), "precision": get("precision"),
        "cell": str(best) if best is not None and str(best) != "-1" else None, "cells": cells,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("day")
    ap.add_argument("--truth")
    ap.add_argument("--tested-json")
    a = ap.parse_args()
    day = a.day
    truth = json.load(open(a.truth or os.path.join(day, "ground-truth.json")))
    other = json.load(open(a.tested_json))["channels"] if a.tested_json else None
    fs = 30000.0
    by_name = {s["name"]: s for s in truth["sessions"]}
    out = []
    for ci, eid in enumerate(truth["electrodeIds"]):
        ch = "channel%03d" % eid
        if not os.path.exists(os.path.join(day, "mountains", ch, "start_indices.csv")):
            continue
        starts, names = starts_of(day, ch)
        hp = [hickle.load(os.path.join(channel_dir(day, n, ch), "rplhighpass_b59f.hkl"))["data"] for n in names]
        trace = np.concatenate(hp).astype("float64")
        gt, tested, info = {}, {}, {}
        for s, name in enumerate(names):
            off = starts[s] - 1
            sess = by_name[name]
            for k, u in enumerate(sess["units"]):
                if u["channel"] != ci:
                    continue
                gt.setdefault(k, []).append(np.asarray(sess["spikeTrains"][k], dtype="int64") + off)
                info[k] = u
            for cell in sorted(glob.glob(os.path.join(channel_dir(day, name, ch), "cell*", "spiketrain.csv"))):
                cid = os.path.basename(os.path.dirname(cell))
                with open(cell, newline="") as f:
                    row = next(csv.reader(f), [])
                ms = np.array([float(x) for x in row])
                tested.setdefault(cid, []).append(np.round(ms * fs / 1000).astype("int64") + off)
        if not gt:
            continue
        gt = {k: np.sort(np.concatenate(v)) for k, v in gt.items()}
        tested = {k: np.sort(np.concatenate(v)) for k, v in tested.items()}
        if other is not None:
            tested = {k: np.sort(np.asarray(v, dtype="int64")) for k, v in other.get(ch, {"units": {}})["units"].items()}
        noise = np.median(np.abs(trace)) / 0.6745
        if not tested:  # nothing found on this channel: every unit missed
            for k, times in gt.items():
                out.append(score(eid, k, info[k], trace, times, noise, None, None, []))
            continue
        gts = si.NumpySorting.from_unit_dict([gt], sampling_frequency=fs)
        ts = si.NumpySorting.from_unit_dict([tested], sampling_frequency=fs)
        cmp = sc.compare_sorter_to_ground_truth(gts, ts, delta_time=0.4, exhaustive_gt=True)
        perf = cmp.get_performance()
        best = cmp.best_match_12
        for k, times in gt.items():
            out.append(score(eid, k, info[k], trace, times, noise, perf.loc[k], best[k], sorted(tested.keys())))
    print(json.dumps({"fs": fs, "units": out}))


if __name__ == "__main__":
    main()
