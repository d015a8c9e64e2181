"""Oracle for the cell export: PyHipp's own export_mountain_cells arithmetic, and Spiketrain files as Python loads them.

usage: sort_export_ref.py pyhipp FIRINGS_MDA START_INDICES_CSV
         -> {session: {label: [csv text of each spike time]}} exactly as PyHipp's loop would export (spec/pyhipp.md
            §4.3, including its i-1 border drop), ms by ((t - start_ind + 1) / 30000) * 1000, text by csv.writer
       sort_export_ref.py hkl REAL_HKL OURS_HKL...
         -> for each file: key order, the Python type tree, the loaded dict (JSON-able) and, for ours, what
            PyHipp's Spiketrain would read from the spiketrain.csv next to it (csv.reader rows[0])
"""
import csv
import io
import json
import os
import sys

import hickle
import numpy as np


def readmda(path):
    with open(path, "rb") as f:
        code, _, nd = np.fromfile(f, dtype="<i4", count=3)
        dims = np.fromfile(f, dtype="<i8" if nd < 0 else "<i4", count=abs(nd))
        dt = {-3: "float32", -7: "float64", -5: "int32"}[int(code)]
        return np.reshape(np.fromfile(f, dtype=dt, count=int(np.prod(dims))), dims, order="F")


def pyhipp(firings, indices):
    original = readmda(firings)
    start, sessions = [], []
    with open(indices, newline="") as f:
        for row in csv.reader(f):
            if row[0] == "1":
                start = [int(t.strip(" '][")) for t in row[1:]]
            elif row[0] == "2":
                sessions = [t.strip(" '][") for t in row[1:]]
    out = {}

    def export(times, labels, session, start_ind):
        ms = [((t - start_ind + 1) / 30000) * 1000 for t in times]
        per = {}
        for lab in set(labels):
            buf = io.StringIO()
            csv.writer(buf).writerow([ms[j] for j in range(len(ms)) if labels[j] == lab])
            per[str(int(lab))] = buf.getvalue().rstrip("\r\n").split(",")
        out[session] = per

    T, Lb, S = original[1], original[2], len(sessions)
    marker = 0
    count = 0
    for i in range(len(T)):
        if count == S - 1:
            export(T[marker:], Lb[marker:], sessions[count], start[count])
            break
        if T[i] >= start[count + 1]:
            export(T[marker:i - 1], Lb[marker:i - 1], sessions[count], start[count])
            marker = i
            count += 1
    return out


def tree(v):
    if isinstance(v, dict):
        return {"dict": [[k, tree(x)] for k, x in v.items()]}
    if isinstance(v, list):
        return {"list": [tree(x) for x in v]}
    return type(v).__name__


def hkl(paths):
    res = {}
    for p in paths:
        d = hickle.load(p)
        r = {"keys": list(d.keys()), "tree": tree(d), "value": d}
        csvp = os.path.join(os.path.dirname(p), "spiketrain.csv")
        if os.path.exists(csvp):
            with open(csvp, newline="") as f:
                r["csvRows"] = list(csv.reader(f))
            with open(csvp, "rb") as f:
                r["csvBytes"] = f.read().decode("latin1")
        res[p] = r
    return res


if __name__ == "__main__":
    if sys.argv[1] == "pyhipp":
        print(json.dumps(pyhipp(sys.argv[2], sys.argv[3])))
    else:
        print(json.dumps(hkl(sys.argv[2:])))
