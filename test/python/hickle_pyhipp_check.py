"""Oracle for Node-written PyHipp objects (test/hdf5-hickle.test.ts).

usage: hickle_pyhipp_check.py KIND NODE_HKL DATA_F32 DIRS REAL_HKL LAYOUT WORKDIR
  KIND      rplraw | rpllfp | rplhighpass | spiketrain
  DATA_F32  raw little-endian float32 samples ('-' for spiketrain)
  REAL_HKL  the file the real PyHipp wrote for KIND ('-' when absent)
  LAYOUT    hickle5 | hickle4 (how NODE_HKL was written)

Builds the object PyHipp would save (spec/pyhipp.md §3.3-3.6) in Python, dumps it with hickle 5, loads both files
and prints JSON: type-exact differences between the two loaded objects, structural differences (key order,
types, dtypes) against the real PyHipp file, and (hickle5) HDF5 layout differences beyond the known harmless ones.
"""
import json
import os
import sys
import warnings

import hickle
import numpy as np

from hickle_common import layout, same, structure

warnings.simplefilter("error")


def fresh(s):
    """A new str object (hickle memoises repeated str objects as references; PyHipp's 'Butterworth' is one)."""
    return "".join(list(s))


def expected(kind, data, dirs):
    base = {"dirs": [fresh(dirs)], "setidx": [], "plotopts": {"indexer": fresh("channel")}, "current_idx": None}
    if kind == "rplraw":
        info = {"SampleRate": 30000.0, "Units": fresh("uV"), "HighFreqCorner": 0.3, "HighFreqOrder": np.uint32(1),
                "HighFilterType": fresh("Butterworth"), "LowFreqCorner": 7500.0, "LowFreqOrder": np.uint32(3),
                "LowFilterType": fresh("Butterworth"), "MaxVal": np.amax(data), "MinVal": np.amin(data),
                "NumberSamples": len(data), "ProbeInfo": fresh("b'raw 9'")}
        return {"args": {}, "data": data, "analogInfo": info, "dirs": base["dirs"], "setidx": [],
                "plotopts": base["plotopts"], "current_idx": None, "numSets": 1}
    if kind in ("rpllfp", "rplhighpass"):
        d64 = data.astype(np.float64)
        lfp = kind == "rpllfp"
        args = {"ResampleRate": 1000, "LFPOrder": 8, "LowPassFrequency": [1, 150]} if lfp else \
            {"HighOrder": 8, "HighPassFrequency": [500, 7500]}
        info = {"SampleRate": 1000 if lfp else 30000.0, "MinVal": np.amin(d64), "MaxVal": np.amax(d64),
                "HighFreqCorner": 1 * 1000 if lfp else 500 * 30000.0,
                "LowFreqCorner": 150 * 1000 if lfp else 7500 * 30000.0, "NumberSamples": len(data),
                "HighFreqOrder": 8, "LowFreqOrder": 8, "ProbeInfo": fresh("b'lfp 9'" if lfp else "b'hp 9'")}
        return {"args": args, "data": data, "analogInfo": info, "numSets": 1, **base}
    if kind == "spiketrain":
        times = [fresh(t) for t in ("1.5", "20.033333333333335", "301.26666666666665")]
        return {"args": {}, "numSets": 1, "spiketimes": [times], "dirs": [fresh(dirs + "/cell01")], "setidx": [],
                "plotopts": {"indexer": fresh("cell")}, "current_idx": None}
    raise SystemExit(f"unknown kind {kind}")


# Known, harmless differences between h5wasm- and h5py-written hickle 5 files (docs/hdf5.md):
# |S1 strings NULLTERM vs NULLPAD; base-type entries (0,) vs NULL dataspace; None as an int8 scalar vs an opaque
# NULL dataset; bool as int8 vs h5py's enum; empty list (0,) vs NULL; root attributes naming versions/writer.
def layout_diffs(ours, theirs):
    out = []
    for name in sorted(set(ours) | set(theirs)):
        a, b = ours.get(name), theirs.get(name)
        if a is None or b is None:
            out.append(f"{name}: only in {'python' if a is None else 'node'}")
            continue
        if name == "/":
            continue
        if a["node"] != b["node"]:
            out.append(f"{name}: {a['node']} vs {b['node']}")
            continue
        if a["node"] == "dataset":
            harmless = (b["shape"] is None and a["shape"] in ((0,), ())) or \
                (a["dtype"] == "int8" and b["dtype"] in ("bool", "|V1"))
            if not harmless and (a["dtype"], a["shape"]) != (b["dtype"], b["shape"]):
                out.append(f"{name}: {a['dtype']}{a['shape']} vs {b['dtype']}{b['shape']}")
        if a["attrs"] != b["attrs"]:
            out.append(f"{name}: attrs {a['attrs']} vs {b['attrs']}")
    return out


def main():
    kind, node_file, data_file, dirs, real_file, lay, work = sys.argv[1:8]
    data = np.fromfile(data_file, dtype="<f4") if data_file != "-" else None
    exp = expected(kind, data, dirs)
    py_file = os.path.join(work, f"{kind}-python.hkl")
    hickle.dump(exp, py_file, mode="w")
    py_loaded = hickle.load(py_file)
    node_loaded = hickle.load(node_file)
    result = {
        "keys": list(node_loaded.keys()),
        "diffs": same(py_loaded, node_loaded, kind),
        "value_diffs": same(exp["analogInfo"], node_loaded["analogInfo"], "analogInfo") if "analogInfo" in exp else [],
        "real_diffs": None,
        "layout_diffs": layout_diffs(layout(node_file), layout(py_file)) if lay == "hickle5" else None,
    }
    if real_file != "-":
        real, ours = structure(hickle.load(real_file)), structure(node_loaded)
        result["real_diffs"] = [] if real == ours else [json.dumps(real), json.dumps(ours)]
    print(json.dumps(result))


main()
