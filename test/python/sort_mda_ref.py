"""MDA oracle: mountainlab_pytools' mdaio format written and read with plain numpy (no mountainlab needed).

usage: sort_mda_ref.py write DIR   -> writes DIR/<dtype>.mda for every MDA dtype (3 x 4 x 2 arrays, values i*7-20 as
                                     the dtype), DIR/int64dims.mda (negative ndims, int64 dims) and prints their arrays
                                     as JSON (column-major element lists, as the file stores them)
       sort_mda_ref.py read FILE... -> prints {file: {dtype, dims, data (column-major list)}} read as mdaio.readmda does
       sort_mda_ref.py templates MDA HKL -> {type, dtype, shape, equal}: HKL as hickle.load gives it vs readmda(MDA)
                                           (mountain_batch: hickle.dump(readmda('output/templates.mda'), ...templates.hkl))
"""
import json
import sys

import numpy as np

CODES = {"uint8": -2, "float32": -3, "int16": -4, "int32": -5, "uint16": -6, "float64": -7, "uint32": -8}


def writemda(X, path, dt, int64dims=False):
    """mdaio._writemda (and the int64-dims header MdaHeader uses for dims > 2e9)."""
    with open(path, "wb") as f:
        np.array([CODES[dt], np.dtype(dt).itemsize, -X.ndim if int64dims else X.ndim], dtype="<i4").tofile(f)
        np.array(X.shape, dtype="<i8" if int64dims else "<i4").tofile(f)
        np.reshape(X, X.size, order="F").astype(dt).tofile(f)


def readmda(path):
    with open(path, "rb") as f:
        code, _, nd = np.fromfile(f, dtype="<i4", count=3)
        dims = np.fromfile(f, dtype="<i8" if nd < 0 else "<i4", count=abs(nd))
        dt = {v: k for k, v in CODES.items()}[int(code)]
        X = np.fromfile(f, dtype=dt, count=int(np.prod(dims)))
    return dt, [int(d) for d in dims], np.reshape(X, dims, order="F")


def main():
    if sys.argv[1] == "write":
        out = {}
        base = np.arange(24).reshape((3, 4, 2)) * 7 - 20
        for dt in CODES:
            X = base.astype(dt) if dt[0] != "u" else (base + 20).astype(dt)
            if dt.startswith("float"):
                X = X / 3
            writemda(X, "%s/%s.mda" % (sys.argv[2], dt), dt)
            out[dt] = {"dims": list(X.shape), "data": np.reshape(X.astype(dt), X.size, order="F").tolist()}
        X = np.arange(6, dtype="float64").reshape((2, 3)) + 0.5
        writemda(X, "%s/int64dims.mda" % sys.argv[2], "float64", int64dims=True)
        out["int64dims"] = {"dims": [2, 3], "data": np.reshape(X, 6, order="F").tolist()}
        print(json.dumps(out))
    elif sys.argv[1] == "templates":
        import hickle
        t = hickle.load(sys.argv[3])
        dt, dims, X = readmda(sys.argv[2])
        print(json.dumps({"type": type(t).__name__, "dtype": str(t.dtype), "shape": list(t.shape),
                          "equal": bool(np.array_equal(t, X, equal_nan=True)), "mdaDims": dims}))
    else:
        res = {}
        for p in sys.argv[2:]:
            dt, dims, X = readmda(p)
            res[p] = {"dtype": dt, "dims": dims, "data": np.reshape(X, X.size, order="F").astype("float64").tolist(),
                      "corder": X.astype("float64").ravel().tolist()}
        print(json.dumps(res))


if __name__ == "__main__":
    main()
