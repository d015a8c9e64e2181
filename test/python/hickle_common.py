"""Shared helpers of the hickle oracles: exact (type-strict) comparison, a JSON description of a loaded object
in the form test/hdf5-hickle.test.ts builds from a PyValue, and a structural layout dump of an HDF5 file."""
import math

import h5py
import numpy as np


def same(a, b, path="obj", out=None):
    """Type-exact deep comparison; returns a list of differences (empty when equal)."""
    out = [] if out is None else out
    if type(a) is not type(b):
        out.append(f"{path}: type {type(a).__name__} != {type(b).__name__}")
        return out
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            out.append(f"{path}: keys {list(a.keys())} != {list(b.keys())}")
            return out
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]", out)
    elif isinstance(a, (list, tuple)):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]", out)
    elif isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            out.append(f"{path}: array {a.dtype}{a.shape} != {b.dtype}{b.shape}")
        elif not np.array_equal(a, b):
            out.append(f"{path}: array values differ")
    elif isinstance(a, np.generic):
        if a.dtype != b.dtype or a != b:
            out.append(f"{path}: {a!r} != {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")
    return out


def structure(o):
    """Key order and types (dtypes for numpy), without sizes or values: what must match a real PyHipp file."""
    if isinstance(o, dict):
        return {"dict": [[k, structure(v)] for k, v in o.items()]}
    if isinstance(o, (list, tuple)):
        return {type(o).__name__: [structure(x) for x in o]}
    if isinstance(o, (np.ndarray, np.generic)):
        return f"{type(o).__name__}<{o.dtype}>/{o.ndim}d"
    return type(o).__name__


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def describe(o, in_list=False, loaded=True):
    """JSON form of an object. For a `loaded` one, numpy int64/float64/bool scalars inside lists (hickle 5 loads
    list datasets as numpy scalars) are described as Python int/float/bool, as readHickle returns them."""
    if isinstance(o, dict):
        return {"kind": "dict", "entries": [[k, describe(v, False, loaded)] for k, v in o.items()]}
    if isinstance(o, (list, tuple)):
        return {"kind": type(o).__name__, "items": [describe(x, loaded, loaded) for x in o]}
    if isinstance(o, np.generic):  # first: np.float64 is a float subclass
        if in_list and o.dtype == np.int64:
            return {"kind": "int", "value": str(int(o))}
        if in_list and o.dtype == np.float64:
            return {"kind": "float", "value": _num(o)}
        if in_list and o.dtype == np.bool_:
            return {"kind": "bool", "value": bool(o)}
        v = bool(o) if o.dtype == np.bool_ else str(int(o)) if o.dtype.kind in "iu" else _num(o)
        return {"kind": "np_scalar", "dtype": o.dtype.name, "value": v}
    if isinstance(o, bool):
        return {"kind": "bool", "value": o}
    if isinstance(o, int):
        return {"kind": "int", "value": str(o)}
    if isinstance(o, float):
        return {"kind": "float", "value": _num(o)}
    if isinstance(o, str):
        return {"kind": "str", "value": o}
    if o is None:
        return {"kind": "none"}
    if isinstance(o, np.ndarray):
        f = o.astype(np.float64).ravel()
        return {"kind": "ndarray", "dtype": o.dtype.name, "shape": list(o.shape), "sum": _num(f.sum()) if f.size else 0,
                "first": _num(f[0]) if f.size else None, "last": _num(f[-1]) if f.size else None}
    raise TypeError(f"cannot describe {type(o)}")


def layout(path):
    """Every node of an HDF5 file: kind, dtype/shape, string pad and attributes (references as target paths)."""
    rows = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            attrs = {}
            for k in obj.attrs:
                v = obj.attrs[k]
                attrs[k] = "->" + f[v].name if isinstance(v, h5py.Reference) else str(v)
            if isinstance(obj, h5py.Dataset):
                t = obj.id.get_type()
                pad = t.get_strpad() if isinstance(t, h5py.h5t.TypeStringID) and not t.is_variable_str() else None
                rows[name] = {"node": "dataset", "dtype": str(obj.dtype), "shape": obj.shape, "strpad": pad,
                              "chunks": obj.chunks, "attrs": attrs}
            else:
                rows[name] = {"node": "group", "attrs": attrs}
        f.visititems(visit)
        rows["/"] = {"node": "group", "attrs": {k: str(v) for k, v in f.attrs.items()}}
    return rows
