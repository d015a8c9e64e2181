"""Python side of bench/pipeline.ts: what PyHipp does for one session's channels, as one Slurm job would.

Per job (one process, one core), for the electrode ids given with --channels:
  RPLSplit  neo.io.BlackrockIO(...).read_block(lazy=True); the job's channels are loaded in batches of 32
            (segment.analogsignals[0].load(channel_indexes=...), rescaled float32 µV), as PyHipp's rplsplit.py does
            (--read channel loads one channel per call instead);
  RPLRaw    {'args', 'data', 'analogInfo', 'dirs', 'setidx', 'plotopts', 'current_idx', 'numSets'}
            → hickle.dump(..., "rplraw_d41d.hkl", mode="w");
  RPLLFP    resample_poly(x, 1000, 30000.0); butter(4, [1/500, 150/500], 'bandpass');
            filtfilt(b, a, padtype='odd', padlen=24); float32 → hickle.dump(..., "rpllfp_6eca.hkl");
  RPLHighPass butter(4, [500/15000, 7500/15000], 'bandpass'); filtfilt(...); float32
            → hickle.dump(..., "rplhighpass_b59f.hkl").
Files go to OUT/arrayNN/channelNNN/ (OUT plays the session directory). By default the filters use the raw
samples already in memory; --reload-raw makes RPLLFP and RPLHighPass hickle.load rplraw_d41d.hkl first, as
PyHipp's objects do when they run as separate jobs. --fsync fsyncs every written file before moving on.

Usage: pyhipp_pipeline.py FILE.ns5 OUT --channels 1,2,3 [--fsync] [--read batch|channel] [--reload-raw]
Prints JSON: {"channels", "files", "bytes", "seconds", "phases": {"open", "read", "raw", "lfp", "highpass", "fsync"}, versions}
"""

import argparse
import json
import os
import sys
import time

import h5py
import hickle
import neo
import numpy as np
import scipy
from neo.io import BlackrockIO
from scipy import signal


def save(obj, path, fsync, phases):
    hickle.dump(obj, path, mode="w")
    if fsync:
        t = time.perf_counter()
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        phases["fsync"] += time.perf_counter() - t
    return os.path.getsize(path)


def low_pass_filter(x, sampling_rate=30000, resample_rate=1000, low=1, high=150, order=4):
    # PyHipp rpllfp.py lowPassFilter (called as resample_poly(data, 1000, 30000.0))
    x = x.flatten()
    y = signal.resample_poly(x, resample_rate, float(sampling_rate))
    fn = resample_rate / 2
    b, a = signal.butter(order, [low / fn, high / fn], "bandpass")
    return signal.filtfilt(b, a, y, padtype="odd", padlen=3 * (max(len(b), len(a)) - 1)), resample_rate


def high_pass_filter(x, sampling_rate=30000.0, low=500, high=7500, order=4):
    # PyHipp rplhighpass.py highPassFilter
    x = x.flatten()
    fn = sampling_rate / 2
    b, a = signal.butter(order, [low / fn, high / fn], "bandpass")
    return signal.filtfilt(b, a, x, padtype="odd", padlen=3 * (max(len(b), len(a)) - 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ns5")
    ap.add_argument("out")
    ap.add_argument("--channels", required=True)
    ap.add_argument("--fsync", action="store_true")
    ap.add_argument("--read", choices=["batch", "channel"], default="batch")
    ap.add_argument("--reload-raw", action="store_true")
    o = ap.parse_args()
    wanted = [int(c) for c in o.channels.split(",") if c]
    phases = {k: 0.0 for k in ("open", "read", "raw", "lfp", "highpass", "fsync")}
    t0 = time.perf_counter()

    base = os.path.splitext(o.ns5)[0]
    reader = BlackrockIO(base, nsx_to_load=5)
    bl = reader.read_block(lazy=True)
    sig = bl.segments[0].analogsignals[0]
    ann = sig.array_annotations
    names = [str(n) for n in ann["channel_names"]]
    sampling_rate = float(sig.sampling_rate)
    # channel selection as rplsplit.py (requested order kept, missing ones skipped)
    numbers, indexes = [], []
    for i in wanted:
        hit = [k for k, n in enumerate(names) if int(n.split(" ")[-1]) == i]
        if hit:
            numbers.append(i)
            indexes.append(hit[0])
    phases["open"] = time.perf_counter() - t0

    total_bytes, files = 0, 0
    batch = 32 if o.read == "batch" else 1
    for k in range(0, len(indexes), batch):
        t = time.perf_counter()
        data = np.array(sig.load(time_slice=None, channel_indexes=indexes[k:k + batch]))
        phases["read"] += time.perf_counter() - t
        for ind in range(data.shape[1]):
            t = time.perf_counter()
            ci = indexes[k + ind]
            x = np.array(data[:, ind])
            analog_info = {
                "SampleRate": sampling_rate,
                "Units": "uV",
                "HighFreqCorner": float(ann["hi_freq_corner"][ci]) / 1000,
                "HighFreqOrder": np.uint32(ann["hi_freq_order"][ci]),
                "HighFilterType": "Butterworth" if ann["hi_freq_type"][ci] == 1 else "None",
                "LowFreqCorner": float(ann["lo_freq_corner"][ci]) / 1000,
                "LowFreqOrder": np.uint32(ann["lo_freq_order"][ci]),
                "LowFilterType": "Butterworth" if ann["lo_freq_type"][ci] == 1 else "None",
                "MaxVal": np.amax(x),
                "MinVal": np.amin(x),
                "NumberSamples": len(x),
                "ProbeInfo": str(names[ci].encode()),
            }
            cdir = os.path.join(o.out, "array{:02d}".format(int(ann["physical_connector"][ci]) + 1),
                                "channel{:03d}".format(numbers[k + ind]))
            os.makedirs(cdir, exist_ok=True)
            dirs = [os.path.normpath(os.path.abspath(cdir))]
            raw = {"args": {}, "data": x.flatten(), "analogInfo": analog_info, "dirs": dirs, "setidx": [],
                   "plotopts": {"indexer": "channel"}, "current_idx": None, "numSets": 1}
            raw_path = os.path.join(cdir, "rplraw_d41d.hkl")
            total_bytes += save(raw, raw_path, o.fsync, phases)
            phases["raw"] += time.perf_counter() - t

            t = time.perf_counter()
            rw = hickle.load(raw_path) if o.reload_raw else raw
            lfps, rate = low_pass_filter(rw["data"], sampling_rate=sampling_rate)
            lfp = {
                "args": {"ResampleRate": 1000, "LFPOrder": 8, "LowPassFrequency": [1, 150]},
                "data": lfps.astype("float32"),
                "analogInfo": {"SampleRate": rate, "MinVal": np.amin(lfps), "MaxVal": np.amax(lfps),
                               "HighFreqCorner": 1 * rate, "LowFreqCorner": 150 * rate,
                               "NumberSamples": len(lfps), "HighFreqOrder": 8, "LowFreqOrder": 8,
                               "ProbeInfo": rw["analogInfo"]["ProbeInfo"].replace("raw", "lfp")},
                "numSets": 1, "dirs": dirs, "setidx": [], "plotopts": {"indexer": "channel"}, "current_idx": None,
            }
            total_bytes += save(lfp, os.path.join(cdir, "rpllfp_6eca.hkl"), o.fsync, phases)
            del lfps, lfp
            phases["lfp"] += time.perf_counter() - t

            t = time.perf_counter()
            rw = hickle.load(raw_path) if o.reload_raw else raw
            hps = high_pass_filter(rw["data"], sampling_rate=sampling_rate)
            hp = {
                "args": {"HighOrder": 8, "HighPassFrequency": [500, 7500]},
                "data": hps.astype("float32"),
                "analogInfo": {"SampleRate": sampling_rate, "MinVal": np.amin(hps), "MaxVal": np.amax(hps),
                               "HighFreqCorner": 500 * sampling_rate, "LowFreqCorner": 7500 * sampling_rate,
                               "NumberSamples": len(hps), "HighFreqOrder": 8, "LowFreqOrder": 8,
                               "ProbeInfo": rw["analogInfo"]["ProbeInfo"].replace("raw", "hp")},
                "numSets": 1, "dirs": dirs, "setidx": [], "plotopts": {"indexer": "channel"}, "current_idx": None,
            }
            total_bytes += save(hp, os.path.join(cdir, "rplhighpass_b59f.hkl"), o.fsync, phases)
            del hps, hp, raw, rw, x
            phases["highpass"] += time.perf_counter() - t
            files += 3
        del data

    print(json.dumps({
        "channels": numbers, "files": files, "bytes": total_bytes, "seconds": time.perf_counter() - t0,
        "phases": phases, "read": o.read, "reload_raw": o.reload_raw, "fsync": o.fsync,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                     "neo": neo.__version__, "hickle": hickle.__version__, "h5py": h5py.__version__},
    }))


if __name__ == "__main__":
    main()
