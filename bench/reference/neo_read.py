"""neo side of bench/read-nsx.ts: read every channel of segment 0 of an .nsX file in chunks, the way a
Python pipeline does it with neo: get_analogsignal_chunk (int16 view of the mmap), rescale_signal_raw_to_float
(float32), then one contiguous array per channel.

Usage: neo_read.py <file.nsX> <chunk_samples> <repeats>
Prints JSON: {"neo_version", "samples", "channels", "data_bytes", "scaled_seconds": [...], "raw_seconds": [...]}
"""

import json
import os
import sys
import time

import numpy as np
import neo
from neo.rawio import BlackrockRawIO


def main(path, chunk, repeats):
    base, ext = os.path.splitext(path)
    reader = BlackrockRawIO(filename=base, nsx_to_load=int(ext[-1]), load_nev=False)
    reader.parse_header()
    n = int(reader.get_signal_size(0, 0, 0))
    nch = int(reader.signal_channels_count(0))
    sink = 0.0

    def run(scaled):
        nonlocal sink
        t0 = time.perf_counter()
        for i0 in range(0, n, chunk):
            raw = reader.get_analogsignal_chunk(0, 0, i0, min(n, i0 + chunk), stream_index=0)
            if scaled:
                f = reader.rescale_signal_raw_to_float(raw, dtype="float32", stream_index=0)
                per_channel = np.ascontiguousarray(f.T)  # row c = channel c, contiguous
            else:
                per_channel = np.ascontiguousarray(raw.T)
            sink += float(per_channel[-1, -1])
        return time.perf_counter() - t0

    scaled = [run(True) for _ in range(repeats)]
    raw = [run(False) for _ in range(repeats)]
    print(json.dumps({
        "neo_version": neo.__version__,
        "numpy_version": np.__version__,
        "samples": n,
        "channels": nch,
        "data_bytes": n * nch * 2,
        "scaled_seconds": scaled,
        "raw_seconds": raw,
        "sink": sink,
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
