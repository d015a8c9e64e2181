"""scipy oracle for test/dsp-filter.test.ts (run in .venv-ref through test/helpers/reference.ts).

    python dsp_filter_ref.py JOB.json      run the cases of a job, print {"cases": {id: {...}}} as JSON
    python dsp_filter_ref.py --instability print the (b, a) vs SOS numbers quoted in docs/filters.md

A job is {"dir": DIR, "cases": [case, ...]}. Each case names an input file in DIR: raw little-endian samples
of `dtype` ("float32" | "float64"), time-major (x[t * nch + c]), `n` samples x `nch` channels. Results are
written to DIR/<id>.out.f64 (float64, same layout). Case ops:
  sosfiltfilt  scipy.signal.sosfiltfilt(sos, x, axis=0, padtype, padlen)   (padtype "none" -> None)
  sosfilt      scipy.signal.sosfilt(sos, x, axis=0, zi) -> also returns zf (list, scipy's layout)
  filtfilt_ba  PyHipp: b, a = butter(order, [lo/fn, hi/fn], 'bandpass'); filtfilt(b, a, x, axis=0,
               padtype='odd', padlen=3*(max(len(b), len(a)) - 1))
  sosfilt_zi   scipy.signal.sosfilt_zi(sos) -> returns zi (list); no input file
"""
import json
import os
import sys

import numpy as np
from scipy import signal


def load(case, d):
    x = np.fromfile(os.path.join(d, case["x"]), dtype=case["dtype"])
    return x.reshape(case["n"], case["nch"])


def sos_of(case):
    return np.asarray(case["sos"], dtype=np.float64).reshape(-1, 6)


def run_case(case, d):
    op = case["op"]
    if op == "sosfilt_zi":
        return {"zi": signal.sosfilt_zi(sos_of(case)).ravel().tolist()}
    x = load(case, d)
    extra = {}
    if op == "sosfiltfilt":
        padtype = None if case["padtype"] == "none" else case["padtype"]
        y = signal.sosfiltfilt(sos_of(case), x, axis=0, padtype=padtype, padlen=case.get("padlen"))
    elif op == "sosfilt":
        sos = sos_of(case)
        if case.get("zi") is not None:
            zi = np.asarray(case["zi"], dtype=np.float64).reshape(len(sos), 2, case["nch"])
            y, zf = signal.sosfilt(sos, x, axis=0, zi=zi)
            extra["zf"] = zf.ravel().tolist()
        else:
            y = signal.sosfilt(sos, x, axis=0)
    elif op == "filtfilt_ba":
        fn = case["fs"] / 2
        lo, hi = case["band"]
        b, a = signal.butter(case["order"], [lo / fn, hi / fn], "bandpass")
        y = signal.filtfilt(b, a, x, axis=0, padtype="odd", padlen=3 * (max(len(b), len(a)) - 1))
    else:
        raise ValueError(f"unknown op {op}")
    np.ascontiguousarray(y, dtype=np.float64).tofile(os.path.join(d, case["id"] + ".out.f64"))
    return {"file": case["id"] + ".out.f64", **extra}


def instability():
    """(b, a) versus SOS for PyHipp's [1, 150] Hz order-4 band-pass designed at 30 kHz."""
    out = {}
    for fs in (1000.0, 30000.0):
        fn = fs / 2
        b, a = signal.butter(4, [1 / fn, 150 / fn], "bandpass")
        sos = signal.butter(4, [1, 150], "bandpass", fs=fs, output="sos")
        _, p_true, _ = signal.butter(4, [1, 150], "bandpass", fs=fs, output="zpk")
        p_ba = np.roots(a)
        rng = np.random.default_rng(0)
        t = np.arange(int(fs * 10)) / fs
        x = np.sin(2 * np.pi * 10 * t) + 0.1 * rng.standard_normal(t.size)
        with np.errstate(all="ignore"):
            y_ba = signal.filtfilt(b, a, x, padtype="odd", padlen=24)
        y_sos = signal.sosfiltfilt(sos, x, padlen=24)
        out[str(int(fs))] = {
            "max_abs_pole_true": float(np.max(np.abs(p_true))),
            "max_abs_pole_from_ba": float(np.max(np.abs(p_ba))),
            "b_range": [float(np.min(np.abs(b))), float(np.max(np.abs(b)))],
            "max_abs_finite_y_ba": float(np.max(np.abs(y_ba[np.isfinite(y_ba)]), initial=0.0)),
            "n_nonfinite_y_ba": int(np.sum(~np.isfinite(y_ba))),
            "n_samples": int(x.size),
            "max_abs_y_sos": float(np.max(np.abs(y_sos))),
            "rms_diff_ba_vs_sos": float(np.sqrt(np.mean((y_ba - y_sos) ** 2))) if np.all(np.isfinite(y_ba)) else None,
        }
    return out


def main():
    if sys.argv[1] == "--instability":
        print(json.dumps(instability(), indent=1))
        return
    with open(sys.argv[1]) as f:
        job = json.load(f)
    results = {c["id"]: run_case(c, job["dir"]) for c in job["cases"]}
    print(json.dumps({"cases": results}))


if __name__ == "__main__":
    main()
