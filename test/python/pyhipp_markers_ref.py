"""Oracle for test/markers.test.ts: PyHipp's RPLParallel marker logic (PH PyHipp/rplparallel.py,
spec/pyhipp.md section 3.1) transcribed with the same numpy operations, so numpy decides every reshape,
index error and dtype.

Usage: pyhipp_markers_ref.py JOB.json

JOB = {"cases": [case, ...]}; a case is {"id": str, "values": [int, ...], "seconds": [float, ...]} (the
parallel-port events) or {"id": str, "nev": path} (read with neo like PyHipp does: BlackrockIO, event channel 0,
labels as uint16 as neo 0.8 returned them). Prints {"cases": {id: result}} as JSON, where result is
  {"error": "IndexError"}                       when RPLParallel.create itself raises, or
  {"attrs": {name: value}, "printed": str}      the attributes create() sets, in creation order.
Arrays are {"dtype", "shape", "data"} with data flattened in C order (int64 as strings); a Python list is
{"list": [...]}; numpy scalars are {"scalar": dtype, "value": v}.
"""
import contextlib
import io
import json
import sys

import numpy as np


def arrange_markers(markers, time_stamps, sampling_rate=30000):
    raw = markers
    try:
        rm1 = np.reshape(raw, (2, -1), order="F")
        if rm1[1, 0] == 0:
            if rm1[0, 0] > 1:
                if rm1[0, 0] == 204 or rm1[0, 0] == 84:
                    out_m = np.transpose(np.reshape(rm1[0, 1:], (3, -1), order="F"))
                    t6 = np.reshape(time_stamps[2:], (6, -1), order="F")
                else:
                    out_m = np.transpose(np.reshape(rm1[0, :], (3, -1), order="F"))
                    t6 = np.reshape(time_stamps, (6, -1), order="F")
                out_t = np.transpose(t6[np.array([0, 2, 4]), :])
            elif rm1[0, 1] == 2:
                out_m = np.transpose(np.reshape(rm1[0, :], (3, -1), order="F"))
                t6 = np.reshape(time_stamps, (6, -1), order="F")
                out_t = np.transpose(t6[np.array([0, 2, 4]), :])
            else:
                out_m = np.transpose(np.reshape(rm1[0, :], (2, -1), order="F"))
                t2 = np.reshape(time_stamps, (2, -1))  # C order in PyHipp
                out_t = np.transpose(np.reshape(t2[0, :], (2, -1), order="F"))
            return out_m, out_t, np.floor(out_t * sampling_rate).astype("int64")
        out_m = np.transpose(rm1)
        out_t = np.reshape(time_stamps, (2, -1), order="F")
        idx = np.floor(np.transpose(np.reshape(out_t * sampling_rate, (2, -1), order="F"))).astype("int64")
        return out_m, out_t, idx
    except Exception:
        print("problem with arrange markers")
        return raw, time_stamps, []


def create(ev_markers, ev_times):
    """The attributes RPLParallel.create sets after DPObject.create, in order (markers/timeStamps first)."""
    attrs = {"markers": [], "timeStamps": []}
    if ev_markers[0] == 128:
        attrs["rawMarkers"] = ev_markers
        attrs["markers"] = ev_markers[::2]
        attrs["timeStamps"] = ev_times[::2]
        return attrs
    attrs["samplingRate"] = 30000
    attrs["rawMarkers"] = ev_markers
    attrs["sessionStartTime"] = ev_times[0]
    attrs["numSets"] = 1
    attrs["markers"], attrs["timeStamps"], attrs["trialIndices"] = arrange_markers(ev_markers, ev_times)
    return attrs


def read_nev(path):
    from neo.rawio import BlackrockRawIO
    r = BlackrockRawIO(filename=path)
    r.parse_header()
    name = str(r.header["event_channels"][0]["name"])
    assert name == "digital_input_port", name
    ticks, _, labels = r.get_event_timestamps()
    times = r.rescale_event_timestamp(ticks, dtype="float64")
    return np.asarray([int(x) for x in labels], dtype=np.uint16), np.asarray(times, dtype=np.float64)


def enc(v):
    if isinstance(v, np.ndarray):
        data = v.ravel(order="C").tolist()
        if v.dtype == np.int64:
            data = [str(x) for x in data]
        return {"dtype": str(v.dtype), "shape": list(v.shape), "data": data}
    if isinstance(v, np.generic):
        return {"scalar": str(v.dtype), "value": v.item()}
    if isinstance(v, list):
        return {"list": [enc(x) for x in v]}
    return v


def run(case):
    if "nev" in case:
        values, seconds = read_nev(case["nev"])
    else:
        values = np.asarray(case["values"], dtype=np.uint16)
        seconds = np.asarray(case["seconds"], dtype=np.float64)
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            attrs = create(values, seconds)
    except IndexError:
        return {"error": "IndexError"}
    out = {"attrs": {k: enc(v) for k, v in attrs.items()}, "printed": buf.getvalue()}
    if "nev" in case:
        out["events"] = {"values": enc(values), "seconds": enc(seconds)}
    return out


def main(job_path):
    with open(job_path) as f:
        job = json.load(f)
    print(json.dumps({"cases": {c["id"]: run(c) for c in job["cases"]}}))


if __name__ == "__main__":
    main(sys.argv[1])
