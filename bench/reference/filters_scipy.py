"""scipy side of bench/filters.ts: PyHipp's filter path and scipy's sosfiltfilt on the same data.

    python filters_scipy.py DATA.f32 NCH N PROCESSES REPEATS  -> JSON {chain: {impl: seconds}}

DATA.f32 holds NCH channels of N float32 samples, channel-major. Each channel is one task, as PyHipp runs one
channel per job; PROCESSES > 1 runs the channels on a multiprocessing pool (one process per core, as Slurm
would). Chains (spec/pyhipp.md §3.4-3.5):
  lfp/pyhipp   resample_poly(x, 1000, 30000.0); butter(4, [1/500, 150/500]); filtfilt(b, a, padtype='odd', padlen=24)
  lfp/sos      resample_poly(x, 1000, 30000.0); sosfiltfilt(butter(..., output='sos'), padtype='odd', padlen=24)
  hp/pyhipp    butter(4, [500/15000, 7500/15000]); filtfilt(b, a, x, padtype='odd', padlen=24)
  hp/sos       sosfiltfilt(sos, x, padtype='odd', padlen=24)
"""
import json
import sys
import time
from multiprocessing import Pool

import numpy as np
from scipy import signal

B_LFP, A_LFP = signal.butter(4, [1 / 500, 150 / 500], "bandpass")
SOS_LFP = signal.butter(4, [1 / 500, 150 / 500], "bandpass", output="sos")
B_HP, A_HP = signal.butter(4, [500 / 15000, 7500 / 15000], "bandpass")
SOS_HP = signal.butter(4, [500 / 15000, 7500 / 15000], "bandpass", output="sos")
DATA = None


def task(args):
    chain, impl, c = args
    x = DATA[c]
    if chain == "lfp":
        y = signal.resample_poly(x, 1000, 30000.0)
        if impl == "pyhipp":
            z = signal.filtfilt(B_LFP, A_LFP, y, padtype="odd", padlen=24)
        else:
            z = signal.sosfiltfilt(SOS_LFP, y, padtype="odd", padlen=24)
    else:
        if impl == "pyhipp":
            z = signal.filtfilt(B_HP, A_HP, x, padtype="odd", padlen=24)
        else:
            z = signal.sosfiltfilt(SOS_HP, x, padtype="odd", padlen=24)
    return float(z.astype(np.float32)[len(z) // 2])


def main():
    global DATA
    path, nch, n, procs, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    DATA = np.fromfile(path, dtype=np.float32).reshape(nch, n)
    out = {}
    pool = Pool(procs) if procs > 1 else None
    for chain in ("lfp", "hp"):
        for impl in ("pyhipp", "sos"):
            best = float("inf")
            for _ in range(repeats):
                jobs = [(chain, impl, c) for c in range(nch)]
                t = time.perf_counter()
                if pool:
                    pool.map(task, jobs)
                else:
                    for j in jobs:
                        task(j)
                best = min(best, time.perf_counter() - t)
            out[f"{chain}/{impl}"] = best
    if pool:
        pool.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
