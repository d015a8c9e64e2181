"""Oracle for test/dsp-resample.test.ts: scipy.signal.resample_poly / firwin / windows.kaiser.

Usage: dsp_resample_ref.py <dir>
  <dir>/manifest.json:
    {"resample": [{"id", "dtype": "float64"|"float32", "rows", "nch", "up", "down", "beta"}],
     "firwin":   [{"id", "numtaps", "cutoff", "beta"}],
     "kaiser":   [{"id", "m", "beta"}],
     "bench":    {"rows", "nch", "up", "down", "repeat"} (optional)}
  Inputs: <dir>/<id>.in (raw little-endian, dtype as given, interleaved rows x nch).
  Writes, per resample case:
    <id>.f64   scipy on the input converted to float64 (what rplpipe computes), float64
    <id>.f32   (float32 cases only) scipy on the float32 input itself (scipy >= 1.8 runs float32 math)
  per firwin/kaiser case: <id>.taps (float64).
Prints JSON: {"scipy": version, "numpy": version, "bench": {"seconds", "samples_per_s"}?}.
"""
import json
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import signal


def main() -> None:
    d = Path(sys.argv[1])
    m = json.loads((d / "manifest.json").read_text())
    for c in m.get("resample", []):
        dt = np.float32 if c["dtype"] == "float32" else np.float64
        x = np.fromfile(d / f"{c['id']}.in", dtype=dt).reshape(c["rows"], c["nch"])
        w = ("kaiser", float(c["beta"]))
        y64 = signal.resample_poly(x.astype(np.float64), c["up"], c["down"], axis=0, window=w)
        np.ascontiguousarray(y64, dtype=np.float64).tofile(d / f"{c['id']}.f64")
        if dt is np.float32:
            y32 = signal.resample_poly(x, c["up"], c["down"], axis=0, window=w)
            assert y32.dtype == np.float32, y32.dtype
            np.ascontiguousarray(y32).tofile(d / f"{c['id']}.f32")
    for c in m.get("firwin", []):
        h = signal.firwin(c["numtaps"], c["cutoff"], window=("kaiser", float(c["beta"])))
        h.astype(np.float64).tofile(d / f"{c['id']}.taps")
    for c in m.get("kaiser", []):
        w = signal.windows.kaiser(c["m"], float(c["beta"]))
        w.astype(np.float64).tofile(d / f"{c['id']}.taps")
    out = {"scipy": scipy.__version__, "numpy": np.__version__}
    b = m.get("bench")
    if b:
        # Same work as the rplpipe benchmark: interleaved float32 rows x nch, resampled along axis 0.
        x = np.random.default_rng(0).standard_normal((b["rows"], b["nch"])).astype(np.float32)
        best = float("inf")
        for _ in range(b["repeat"]):
            t0 = time.perf_counter()
            signal.resample_poly(x, b["up"], b["down"], axis=0)
            best = min(best, time.perf_counter() - t0)
        out["bench"] = {"seconds": best, "samples_per_s": b["rows"] * b["nch"] / best}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
