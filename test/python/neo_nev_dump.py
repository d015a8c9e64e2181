"""Oracle for test/nev-*.test.ts: what neo's BlackrockRawIO exposes from one .nev file.

Usage: neo_nev_dump.py <file.nev> <outdir>

The .nev must sit alone under its base name (no .nsX beside it) so neo reads it NEV-only. Prints JSON metadata
to stdout; big arrays go to raw little-endian files in <outdir> (named in the JSON), never through JSON:
  ev<i>_ts.u64    raw event ticks          ev<i>_sec.f64   neo's rescaled event times (s)
  ev<i>_lab.i64   numeric labels (non-comment channels)
  sp<i>_ts.u64    raw spike ticks          sp<i>_wf.i32    raw waveforms (n x samples, widened to int32)
"""
import json
import os
import sys
import warnings

import numpy as np
from neo.rawio import BlackrockRawIO


def main(path, outdir):
    os.makedirs(outdir, exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = BlackrockRawIO(filename=path)
        r.parse_header()
        out = {
            "spec": r._nev_spec,
            "nb_segment": int(r.header["nb_segment"][0]),
            "rec_datetime": str(r.raw_annotations["blocks"][0]["rec_datetime"]),
            "event_channels": [],
            "spike_channels": [],
        }
        for i, ch in enumerate(r.header["event_channels"]):
            name = str(ch["name"])
            ts, _, labels = r.get_event_timestamps(block_index=0, seg_index=0, event_channel_index=i)
            ts = np.asarray(ts, dtype=np.uint64)
            ts.tofile(os.path.join(outdir, f"ev{i}_ts.u64"))
            r.rescale_event_timestamp(ts, dtype="float64", event_channel_index=i).astype("<f8").tofile(
                os.path.join(outdir, f"ev{i}_sec.f64"))
            entry = {"name": name, "count": int(ts.size)}
            if name == "comments":
                entry["labels"] = [str(x) for x in labels]
            else:
                np.asarray([int(x) for x in labels], dtype="<i8").tofile(os.path.join(outdir, f"ev{i}_lab.i64"))
            out["event_channels"].append(entry)
        for i, ch in enumerate(r.header["spike_channels"]):
            ts = np.asarray(r.get_spike_timestamps(0, 0, i, None, None), dtype=np.uint64)
            wf = r.get_spike_raw_waveforms(0, 0, i, None, None)
            ts.tofile(os.path.join(outdir, f"sp{i}_ts.u64"))
            np.asarray(wf, dtype="<i4").reshape(ts.size, -1).tofile(os.path.join(outdir, f"sp{i}_wf.i32"))
            electrode, unit = r.internal_unit_ids[i]
            out["spike_channels"].append({
                "name": str(ch["name"]),
                "id": str(ch["id"]),
                "electrode": int(electrode),
                "unit": int(unit),
                "gain": float(ch["wf_gain"]),
                "count": int(ts.size),
                "samples": int(wf.shape[-1]) if wf.ndim == 3 else 0,
                "wf_dtype": str(wf.dtype),
            })
    out["warnings"] = [str(w.message) for w in caught]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
