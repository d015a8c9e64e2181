"""neo oracle for the NSx tests (test/nsx-*.test.ts): what neo.rawio.BlackrockRawIO reports for one .nsX file.

Usage: neo_nsx_read.py <file.nsX> <out_dir> [--gap-tolerance-ms G] [--load-nev] [--channels i,j,...]

Prints JSON to stdout: the signal channels (name, id, units, gain, offset, sampling rate), the segments
(t_start, signal t_start, size), array annotations, warnings, or {"error": ..., "message": ...} when neo raises.
Samples go to raw files in <out_dir> (channel-major, little endian), not JSON:
  seg<k>_raw.i16       int16   get_analogsignal_chunk(seg k, all channels), transposed to [channel][sample]
  seg<k>_scaled.f32    float32 rescale_signal_raw_to_float(that chunk, float32)
  seg<k>_sub_raw.i16 / seg<k>_sub_scaled.f32   the same for the --channels subset (neo decides whether to add
                       offsets from the selected channels only)
"""

import json
import os
import sys
import warnings

import numpy as np
from neo.rawio import BlackrockRawIO


def main(argv):
    path, out_dir = argv[0], argv[1]
    gap = None
    load_nev = False
    subset = None
    i = 2
    while i < len(argv):
        if argv[i] == "--gap-tolerance-ms":
            gap = float(argv[i + 1])
            i += 2
        elif argv[i] == "--load-nev":
            load_nev = True
            i += 1
        elif argv[i] == "--channels":
            subset = [int(x) for x in argv[i + 1].split(",")]
            i += 2
        else:
            raise SystemExit(f"unknown argument {argv[i]}")
    base, ext = os.path.splitext(path)
    nsx_nb = int(ext[-1])
    caught = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            reader = BlackrockRawIO(filename=base, nsx_to_load=nsx_nb, load_nev=load_nev, gap_tolerance_ms=gap)
            reader.parse_header()
        except Exception as e:  # the oracle reports neo's refusal instead of failing
            print(json.dumps({"error": type(e).__name__, "message": str(e)}))
            return
        caught = [str(x.message) for x in w]

    chans = reader.header["signal_channels"]
    out = {
        "neo_version": __import__("neo").__version__,
        "nb_segment": reader.segment_count(0),
        "warnings": caught,
        "channels": [
            {
                "name": str(c["name"]),
                "id": str(c["id"]),
                "sampling_rate": float(c["sampling_rate"]),
                "dtype": str(c["dtype"]),
                "units": str(c["units"]),
                "gain": float(c["gain"]),
                "offset": float(c["offset"]),
            }
            for c in chans
        ],
        "segments": [],
        "annotations": {},
    }
    if reader.signal_streams_count() > 0 and reader.segment_count(0) > 0:
        ann = reader.raw_annotations["blocks"][0]["segments"][0]["signals"][0].get("__array_annotations__", {})
        out["annotations"] = {k: [int(v) for v in vals] for k, vals in ann.items() if k != "channel_ids" and k != "channel_names"}
    for seg in range(reader.segment_count(0)):
        size = int(reader.get_signal_size(0, seg, 0)) if reader.signal_streams_count() > 0 else 0
        entry = {
            "t_start": float(reader.segment_t_start(0, seg)),
            "t_stop": float(reader.segment_t_stop(0, seg)),
            "signal_t_start": float(reader.get_signal_t_start(0, seg, 0)),
            "size": size,
        }
        raw = reader.get_analogsignal_chunk(0, seg, 0, size, stream_index=0)
        scaled = reader.rescale_signal_raw_to_float(raw, dtype="float32", stream_index=0)
        np.ascontiguousarray(raw.T).astype("<i2").tofile(os.path.join(out_dir, f"seg{seg}_raw.i16"))
        np.ascontiguousarray(scaled.T).astype("<f4").tofile(os.path.join(out_dir, f"seg{seg}_scaled.f32"))
        if subset is not None:
            sraw = reader.get_analogsignal_chunk(0, seg, 0, size, stream_index=0, channel_indexes=subset)
            sscaled = reader.rescale_signal_raw_to_float(sraw, dtype="float32", stream_index=0, channel_indexes=subset)
            np.ascontiguousarray(sraw.T).astype("<i2").tofile(os.path.join(out_dir, f"seg{seg}_sub_raw.i16"))
            np.ascontiguousarray(sscaled.T).astype("<f4").tofile(os.path.join(out_dir, f"seg{seg}_sub_scaled.f32"))
        out["segments"].append(entry)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
