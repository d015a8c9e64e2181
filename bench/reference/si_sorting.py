"""Reference for bench/sorting.ts: the same sort done the SpikeInterface way, on the same recording.

usage: si_sorting.py DAYDIR OUT_JSON --sorter ms4|ms5 --channels 1,2,3   (run in the sorter venv: SI + MS4/MS5)

Per channel: the day's sessions' .ns5 (Python-sorted session names, as rplpipe joins them) read with SI's
Blackrock extractor (µV), concatenated, band-passed 500-7500 Hz (Butterworth order 4, zero-phase: PyHipp's
RPLHighPass band), then run_sorter with the lab's parameters (detect_sign 0, detect_threshold 4, MS4:
detect_interval 30, clip_size 50, adjacency_radius -1 as one channel needs; whitening by the wrapper).
Writes {sorter, si, channels: {channelNNN: {units: {id: [samples of the joined recording]}, seconds}}, seconds}.
"""
import argparse
import glob
import json
import os
import shutil
import tempfile
import time

import numpy as np
import spikeinterface as si
import spikeinterface.extractors as se
import spikeinterface.preprocessing as spre
import spikeinterface.sorters as ss


def main():
    p = argparse.ArgumentParser()
    p.add_argument("day")
    p.add_argument("out")
    p.add_argument("--sorter", choices=["ms4", "ms5"], default="ms4")
    p.add_argument("--channels", required=True)
    a = p.parse_args()
    t0 = time.time()
    sessions = sorted(d for d in os.listdir(a.day) if len(d) >= 8 and (d.startswith("session0") or d.startswith("sessioneye")))
    recs = [se.read_blackrock(glob.glob(os.path.join(a.day, s, "*.ns5"))[0], stream_name="nsx5") for s in sessions]
    joined = si.concatenate_recordings(recs)
    result = {"sorter": a.sorter, "si": si.__version__, "channels": {}}
    work = tempfile.mkdtemp(prefix="si-sort-")
    try:
        for ch in [int(x) for x in a.channels.split(",")]:
            t1 = time.time()
            rec = joined.select_channels([str(ch)])
            rec = spre.scale_to_uV(rec) if hasattr(spre, "scale_to_uV") else spre.scale(rec, gain=rec.get_channel_gains(), offset=0)
            rec = spre.bandpass_filter(rec, freq_min=500, freq_max=7500, filter_order=4, dtype="float32")
            rec.set_channel_locations(np.zeros((1, 2)))
            folder = os.path.join(work, "ch%03d" % ch)
            if a.sorter == "ms4":
                sorting = ss.run_sorter("mountainsort4", rec, folder=folder, remove_existing_folder=True, verbose=False,
                                        detect_sign=0, adjacency_radius=-1, detect_threshold=4, detect_interval=30,
                                        clip_size=50, filter=False, whiten=True, num_workers=1)
            else:
                sorting = ss.run_sorter("mountainsort5", rec, folder=folder, remove_existing_folder=True, verbose=False,
                                        scheme="2", detect_sign=0, detect_threshold=4, filter=False, whiten=True)
            units = {str(u): sorting.get_unit_spike_train(u).astype(int).tolist() for u in sorting.get_unit_ids()}
            result["channels"]["channel%03d" % ch] = {"units": units, "seconds": time.time() - t1}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = time.time() - t0
    with open(a.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
