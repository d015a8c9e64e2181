"""Makes hickle files for readHickle tests and prints their objects as JSON (hickle_common.describe).

usage: hickle_make.py MODE OUT
  MODE describe  OUT is an existing hickle file: describe hickle.load(OUT) (warnings are errors)
  MODE py5  hickle.dump (hickle 5) of a PyHipp-like dict plus the awkward cases (memo references, '/' keys,
            tuples, numpy scalars of every dtype, bool/empty/nested lists, 2-D arrays, unicode); describes
            hickle.load's result
  MODE py4  the hickle 4.0.x layout as hickle 4.0.0 under h5py 2.10 wrote it, emulated with h5py (no hickle 4 is
            installed here): vlen-ASCII base_type attrs, protocol-0 type pickles, repr(key) dict items with the
            value in 'data', 'data_<i>' list items ('data' for a single one), fixed-length byte-string lists,
            h5py bool enums, b'None'; describes the object that was emulated
"""
import json
import pickle
import sys

import h5py
import hickle
import numpy as np

from hickle_common import describe


def sample():
    data = np.linspace(-1, 1, 1000, dtype=np.float32)
    shared = "".join(["Butter", "worth"])
    return {
        "args": {"ResampleRate": 1000, "LowPassFrequency": [1, 150]},
        "data": data,
        "analogInfo": {"SampleRate": 30000.0, "Units": "uV", "HighFreqOrder": np.uint32(1),
                       "HighFilterType": shared, "LowFilterType": shared, "MaxVal": np.float32(277.67496),
                       "MinVal": np.float64(-1.5), "NumberSamples": 1000, "ProbeInfo": "b'raw 9'"},
        "dirs": ["picasso/20181105/session01/array01/channel009"], "setidx": [], "current_idx": None,
        "spiketimes": [["1.5", "20.033333333333335"]],
        "a/b": 1, "tuple": (1, "x", None), "bools": [True, False], "flag": True, "neg": -(2**62),
        "scalars": [np.int8(-3), np.uint16(7), np.int32(-9), np.uint64(2**63), np.float32(0.25), np.bool_(True)],
        "i16": np.arange(-6, 6, dtype=np.int16).reshape(3, 4), "u8": np.arange(5, dtype=np.uint8),
        "b1": np.array([True, False, True]), "empty": np.zeros((0,), np.float64),
        "unicode": "é ü 😀 ∑", "nested": [[1, 2], {"k": [3.5]}],
    }


def py4(out, obj):
    t = lambda cls: np.array(pickle.dumps(cls, protocol=3))  # what dill.dumps gave: fixed-length bytes

    def node(g, name, v):
        if isinstance(v, dict):
            d = g.create_group(name)
            d.attrs["base_type"] = b"dict"
            d.attrs["type"] = t(dict)
            for i, (k, x) in enumerate(v.items()):
                it = d.create_group(repr(k).replace("/", "\\\\"))
                it.attrs["base_type"], it.attrs["key_base_type"] = b"dict_item", b"str"
                it.attrs["key_type"], it.attrs["key_idx"] = t(str), i
                node(it, "data", x)
            return
        if isinstance(v, (list, tuple)) and v and all(type(x) is type(v[0]) for x in v) and type(v[0]) in (int, float, str):
            ds = g.create_dataset(name, data=[x.encode() for x in v] if isinstance(v[0], str) else v)
            if isinstance(v[0], str):
                ds.attrs["str_type"] = b"str"
        elif isinstance(v, (list, tuple)):
            sub = g.create_group(name)
            for i, x in enumerate(v):
                node(sub, "data" if len(v) == 1 else f"data_{i}", x)
            ds = sub
        elif v is None:
            ds = g.create_dataset(name, data=b"None")
        elif isinstance(v, str):
            ds = g.create_dataset(name, data=v, dtype=h5py.string_dtype("utf-8"))
        elif isinstance(v, (np.ndarray, np.generic)):
            ds = g.create_dataset(name, data=v)
            ds.attrs["np_dtype"] = v.dtype.name.encode()
        else:
            ds = g.create_dataset(name, data=v)
        ds.attrs["base_type"] = {list: b"list", tuple: b"tuple", str: b"str", int: b"int", float: b"float",
                                 bool: b"bool", type(None): b"None", np.ndarray: b"ndarray"}.get(type(v), b"np_scalar")
        ds.attrs["type"] = t(type(v))

    with h5py.File(out, "w") as f:
        f.attrs["HICKLE_VERSION"], f.attrs["HICKLE_PYTHON_VERSION"] = "4.0.0", "3.6.10"
        node(f, "data", obj)


mode, out = sys.argv[1:3]
obj = sample()
if mode == "describe":
    import warnings
    warnings.simplefilter("error")
    print(json.dumps(describe(hickle.load(out))))
elif mode == "py5":
    hickle.dump(obj, out, mode="w")
    print(json.dumps(describe(hickle.load(out))))
else:
    del obj["a/b"], obj["scalars"][3]  # '/' keys and uint64 beyond int64: not needed for the old-file check
    py4(out, obj)
    print(json.dumps(describe(obj, loaded=False)))
