"""Oracle for a large Node-written array: hickle.load it and print JSON with type, dtype, shape, float64 sum,
first and last element, and the seconds hickle.load took.

usage: hickle_big_check.py FILE KEY
"""
import json
import sys
import time
import warnings

import hickle
import numpy as np

warnings.simplefilter("error")
path, key = sys.argv[1:3]
t0 = time.perf_counter()
obj = hickle.load(path)
seconds = time.perf_counter() - t0
a = obj[key]
print(json.dumps({
    "type": type(a).__name__, "dtype": a.dtype.name, "shape": list(a.shape),
    "sum": float(a.astype(np.float64).sum()), "first": float(a.flat[0]), "last": float(a.flat[-1]),
    "keys": list(obj.keys()), "load_seconds": seconds,
}))
