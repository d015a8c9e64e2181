"""Oracle for test/pipeline-e2e.test.ts: loads every file `rplpipe run` wrote for a day with Python's hickle and
compares it with what PyHipp computes from the same recording (spec/pyhipp.md §3.1-3.5).

    python pipeline_check.py DAY_DIR  -> JSON report

Per session: neo (BlackrockRawIO, rescaled float32, segment 0) gives each channel's raw µV, PyHipp's own scipy
calls give the LFP and the spike band, PyHipp's arrangeMarkers (pyhipp_markers_ref.py) gives the markers. The
report lists, per file: keys in order, Python/numpy type of each value, and the max |difference| / RMS of the
data against the reference.
"""
import glob
import json
import os
import sys
import warnings

import numpy as np
from scipy import signal

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(__file__))
import hickle  # noqa: E402
from pyhipp_markers_ref import create, read_nev  # noqa: E402


def types(d):
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            out.append([k, "dict", types(v)])
        else:
            out.append([k, type(v).__name__, str(getattr(v, "dtype", ""))])
    return out


def rel(ours, ref):
    ours = np.asarray(ours, dtype=np.float64).ravel()
    ref = np.asarray(ref, dtype=np.float64).ravel()
    if ours.shape != ref.shape:
        return {"shape": [list(ours.shape), list(ref.shape)]}
    rms = float(np.sqrt(np.mean(ref**2))) or 1.0
    return {"maxRel": float(np.max(np.abs(ours - ref)) / rms), "n": int(ref.size)}


def filt(order, lo, hi, fn, y):
    b, a = signal.butter(order, [lo / fn, hi / fn], "bandpass")
    return signal.filtfilt(b, a, y, padtype="odd", padlen=3 * (max(len(b), len(a)) - 1))


def session_report(sdir):
    from neo.rawio import BlackrockRawIO

    ns5 = glob.glob(os.path.join(sdir, "*.ns5"))[0]
    r = BlackrockRawIO(filename=ns5[:-4], nsx_to_load=5)
    r.parse_header()
    chans = r.header["signal_channels"]
    raw = r.get_analogsignal_chunk(0, 0, None, None, stream_index=0)
    scaled = r.rescale_signal_raw_to_float(raw, dtype="float32", stream_index=0)
    rep = {"files": {}}
    for i, ch in enumerate(chans):
        eid = int(ch["id"])
        cdirs = glob.glob(os.path.join(sdir, "array*", "channel%03d" % eid))
        if not cdirs:
            continue
        cdir = cdirs[0]
        x = scaled[:, i]
        refs = {
            "rplraw_d41d.hkl": x,
            "rpllfp_6eca.hkl": filt(4, 1, 150, 500, signal.resample_poly(x, 1000, 30000.0)),
            "rplhighpass_b59f.hkl": filt(4, 500, 7500, 15000.0, x),
        }
        for name, ref in refs.items():
            p = os.path.join(cdir, name)
            if not os.path.exists(p):
                continue
            d = hickle.load(p)
            rep["files"][os.path.relpath(p, sdir)] = {
                "types": types(d),
                "diff": rel(d["data"], ref),
                "exact": bool(name == "rplraw_d41d.hkl" and np.array_equal(d["data"], ref)),
                "analogInfo": {k: (v.item() if hasattr(v, "item") else v) for k, v in d["analogInfo"].items()},
                "dirs": d["dirs"],
            }
    p = os.path.join(sdir, "rplparallel_d41d.hkl")
    if os.path.exists(p):
        d = hickle.load(p)
        values, times = read_nev(glob.glob(os.path.join(sdir, "*.nev"))[0])
        ref = create(values, times)
        same = {}
        for k, v in ref.items():
            mine = d.get(k)
            if isinstance(v, np.ndarray):
                same[k] = bool(isinstance(mine, np.ndarray) and mine.dtype == v.dtype and mine.shape == v.shape and np.array_equal(mine, v))
            else:
                same[k] = bool(mine == v)
        rep["parallel"] = {"keys": list(d.keys()), "same": same, "types": types(d)}
    return rep


def main():
    day = sys.argv[1]
    out = {}
    for sdir in sorted(glob.glob(os.path.join(day, "session*"))):
        out[os.path.basename(sdir)] = session_report(sdir)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
