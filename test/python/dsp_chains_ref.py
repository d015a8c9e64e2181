"""PyHipp's own filter chains, as the oracle for test/dsp-chains.test.ts (run in .venv-ref).

    python dsp_chains_ref.py JOB.json  -> prints {"cases": {id: {...}}}

A job is {"dir": DIR, "cases": [...]}; each case reads DIR/<x> (float32 raw, one channel) and writes
DIR/<id>.out.f64. Ops, transcribed from PyHipp (spec/pyhipp.md §3.4-3.5):
  lfp        resample_poly(x, resampleRate, samplingRate) on the float32 data (recent scipy computes it in
             float32), then b, a = butter(LFPOrder/2, [lo/fn, hi/fn], 'bandpass') with fn = resampleRate/2,
             filtfilt(b, a, y, padtype='odd', padlen=3*(max(len(b), len(a)) - 1))
  lfp64      the same with the resampling done in float64 (x.astype(float64)), as scipy 1.5 (PyHipp's pin) did
  highpass   butter(HighOrder/2, [lo/fn, hi/fn], 'bandpass') with fn = samplingRate/2, same filtfilt
  pyhipp_files  reads the real PyHipp .hkl files in DIR/pyhipp (hickle), writes raw.f32, lfp.f32, hp.f32
"""
import json
import os
import sys

import numpy as np
from scipy import signal


def filtfilt_ba(order, lo, hi, fn, y):
    b, a = signal.butter(order, [lo / fn, hi / fn], "bandpass")
    return signal.filtfilt(b, a, y, padtype="odd", padlen=3 * (max(len(b), len(a)) - 1))


def run(case, d):
    op = case["op"]
    if op == "pyhipp_files":
        import hickle

        src = case["src"]
        out = {}
        for name, key in (("rplraw_d41d.hkl", "raw"), ("rpllfp_6eca.hkl", "lfp"), ("rplhighpass_b59f.hkl", "hp")):
            obj = hickle.load(os.path.join(src, name))
            data = np.asarray(obj["data"], dtype=np.float32).ravel()
            data.tofile(os.path.join(d, key + ".f32"))
            out[key] = {"n": int(data.size), "info": {k: str(v) for k, v in obj["analogInfo"].items()}}
        return out
    x = np.fromfile(os.path.join(d, case["x"]), dtype=np.float32)
    fs = case.get("samplingRate", 30000)
    if op in ("lfp", "lfp64"):
        rr = case["resampleRate"]
        xin = x if op == "lfp" else x.astype(np.float64)
        y = signal.resample_poly(xin, rr, float(fs))
        lo, hi = case["band"]
        z = filtfilt_ba(case["order"] // 2, lo, hi, rr / 2, y)
    elif op == "highpass":
        lo, hi = case["band"]
        z = filtfilt_ba(case["order"] // 2, lo, hi, fs / 2, x)
    else:
        raise ValueError(op)
    np.asarray(z, dtype=np.float64).tofile(os.path.join(d, case["id"] + ".out.f64"))
    return {"n": int(z.size), "finite": bool(np.all(np.isfinite(z)))}


def main():
    job = json.load(open(sys.argv[1]))
    print(json.dumps({"cases": {c["id"]: run(c, job["dir"]) for c in job["cases"]}}))


if __name__ == "__main__":
    main()
