"""Writes test/fixtures/golden/butter.json: scipy.signal.butter(..., output='sos') for many designs.

Run in the reference venv (numpy/scipy pinned in test/python/requirements.txt):
    .venv-ref/bin/python test/python/make_golden_butter.py
test/dsp-butter.test.ts compares rplpipe's C++ design against every case, coefficient-wise (abs 1e-12).
Floats are written with repr(), which round-trips float64 exactly through JSON.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import signal

ORDERS = [1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 32]
FS_CYCLE = [1000.0, 30000.0, 2.0, 44100.0, 25000.0]
SINGLE = [0.002, 0.05, 0.3, 0.5, 0.97]  # corner as a fraction of fs/2
PAIRS = [(0.002, 0.3), (0.0333, 0.5), (0.25, 0.75), (0.45, 0.55), (0.0001, 0.01)]

# Filters rplpipe actually runs: PyHipp RPLLFP / RPLHighPass (and RPLLFP's band at the raw rate),
# SpikeInterface's default band-pass, Kilosort 4's high-pass.
NAMED = [
    ("pyhipp-lfp", 4, "bandpass", [1.0, 150.0], 1000.0),
    ("pyhipp-highpass", 4, "bandpass", [500.0, 7500.0], 30000.0),
    ("pyhipp-lfp-at-30k", 4, "bandpass", [1.0, 150.0], 30000.0),
    ("spikeinterface-default", 5, "bandpass", [300.0, 6000.0], 30000.0),
    ("kilosort4-highpass", 3, "highpass", 300.0, 30000.0),
    ("lfp-lowpass-30k", 8, "lowpass", 250.0, 30000.0),
    ("line-noise-bandstop", 2, "bandstop", [58.0, 62.0], 30000.0),
]


def case(name, order, btype, cutoff, fs):
    sos = signal.butter(order, cutoff, btype=btype, fs=fs, output="sos")
    return {"name": name, "order": order, "btype": btype, "cutoff": cutoff, "fs": fs,
            "sos": [float(v) for v in np.asarray(sos).ravel()]}


def main():
    cases = [case(*c) for c in NAMED]
    i = 0
    for order in ORDERS:
        for btype in ("lowpass", "highpass"):
            for frac in SINGLE:
                fs = FS_CYCLE[i % len(FS_CYCLE)]
                i += 1
                cases.append(case(f"{btype}-{order}-{frac}", order, btype, frac * fs / 2, fs))
        for btype in ("bandpass", "bandstop"):
            for lo, hi in PAIRS:
                fs = FS_CYCLE[i % len(FS_CYCLE)]
                i += 1
                cases.append(case(f"{btype}-{order}-{lo}-{hi}", order, btype, [lo * fs / 2, hi * fs / 2], fs))
    out = {
        "generator": "test/python/make_golden_butter.py",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "cases": cases,
    }
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "fixtures", "golden", "butter.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)}", file=sys.stderr)


if __name__ == "__main__":
    main()
