"""rplpipe's sorter driver: PyHipp's sort.sh.txt for one channel, without MountainLab.

Run inside a sorter environment's python, in the channel's working directory (mountains/channelNNN):

    python ms_driver.py [--sorter ms4|ms5] [--tempdir DIR] [--samplerate 30000] ...

Reads dataset/raw_data.mda (1 x N float32, the joined spike band) and writes
  output/firings.mda   float64 3 x L: primary channel (1), event time (0-based sample), label 1..K
  output/templates.mda float32 M x 150 x K, from the UN-whitened data (ephys.compute_templates)
  output/metrics.json  ephys.compute_cluster_metrics
Steps: ephys.whiten -> ephys.mask_out_artifacts (threshold 10, chunk_size 2000) -> MountainSort 4 (ms4alg.sort with
the lab's parameters) or MountainSort 5 (scheme 2 by default). Intermediate output/pre2.mda is removed.

Exit codes: 0 done; 2 bad arguments; 3 the sorter package (or numpy) is missing; 4 bad input; 1 anything else
(traceback on stderr). Every failure ends with one line "ms_driver: error: ..." on stderr.
"""
import os

# One channel is one neighbourhood: MS4 and BLAS gain nothing from threads, and channels run side by side.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import json
import shutil
import sys
import tempfile
import time
import traceback

EXIT_MISSING, EXIT_INPUT = 3, 4


class DriverError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def parse_args(argv):
    p = argparse.ArgumentParser(prog="ms_driver.py", description=__doc__.split("\n")[0])
    p.add_argument("--sorter", choices=["ms4", "ms5"], default="ms4")
    p.add_argument("--scheme", choices=["1", "2"], default="2", help="MountainSort 5 scheme (default 2)")
    p.add_argument("--samplerate", type=float, default=30000.0)
    p.add_argument("--tempdir", default=None, help="scratch directory for MS4's hdf5 files (default: output/)")
    p.add_argument("--detect-sign", type=int, default=0)
    p.add_argument("--adjacency-radius", type=float, default=0)
    p.add_argument("--detect-interval", type=int, default=30)
    p.add_argument("--detect-threshold", type=float, default=None, help="default 4 (the lab's MS4 value; also used for MS5, whose own default is 5.5)")
    p.add_argument("--max-num-clips-for-pca", type=int, default=2000)
    p.add_argument("--clip-size", type=int, default=50)
    p.add_argument("--num-features", type=int, default=10)
    p.add_argument("--mask-threshold", type=float, default=10)
    p.add_argument("--mask-chunk-size", type=int, default=2000)
    p.add_argument("--template-clip-size", type=int, default=150)
    p.add_argument("--refrac-msec", type=float, default=1.0)
    p.add_argument("--workers", type=int, default=1, help="MS4 dask workers; 1 runs in-process (one channel = one task)")
    p.add_argument("--check", action="store_true", help="only import the sorter and print versions as JSON")
    return p.parse_args(argv)


def need(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        raise DriverError(EXIT_MISSING, "%s is not installed in %s (%s); make the sorter env as docs/sorting.md says"
                          % (module, sys.prefix, e)) from e


def sort_ms4(pre_path, args, tempdir):
    """ml_ms4alg's p_ms4alg.sort: MountainSort4 on the timeseries file, firings written by ms4alg itself."""
    need("spikeextractors")  # imported by ms4alg; a clearer message than its ImportError
    ms4alg = need("mountainsort4.ms4alg")
    if args.workers <= 1:
        dask = need("dask")
        compute = dask.compute

        def compute_sync(*a, **k):
            k.pop("num_workers", None)
            k["scheduler"] = "synchronous"
            return compute(*a, **k)

        dask.compute = compute_sync
    np = need("numpy")
    X = ms4alg.DiskReadMda(pre_path)
    MS4 = ms4alg.MountainSort4()
    # geom: PyHipp copies a geom.csv "1,0" that np.genfromtxt reads as 2 rows (p_ms4alg would refuse it for one
    # channel); p_ms4alg's default without geom is zeros((M, 2)), which is what one channel needs.
    MS4.setGeom(np.zeros((X.N1(), 2)))
    MS4.setSortingOpts(clip_size=args.clip_size, adjacency_radius=args.adjacency_radius, detect_sign=args.detect_sign,
                       detect_interval=args.detect_interval,
                       detect_threshold=4 if args.detect_threshold is None else args.detect_threshold,
                       num_features=args.num_features, max_num_clips_for_pca=args.max_num_clips_for_pca)
    MS4.setNumWorkers(max(1, args.workers))
    MS4.setTimeseriesPath(pre_path)
    MS4.setFiringsOutPath("output/firings.mda")
    MS4.setTemporaryDirectory(tempdir)
    MS4.sort()


def sort_ms5(pre, args):
    """MountainSort 5 on the whitened, masked data; firings written as MS4 writes them (channel 1)."""
    np = need("numpy")
    si = need("spikeinterface")
    ms5 = need("mountainsort5")
    from ephys_ops import writemda
    rec = si.NumpyRecording(traces_list=[np.asarray(pre).T.copy()], sampling_frequency=args.samplerate)
    rec.set_channel_locations(np.zeros((pre.shape[0], 2)))
    thr = 4 if args.detect_threshold is None else args.detect_threshold
    if args.scheme == "1":
        params = ms5.Scheme1SortingParameters(detect_threshold=thr, detect_sign=args.detect_sign)
        sorting = ms5.sorting_scheme1(rec, sorting_parameters=params)
    else:
        params = ms5.Scheme2SortingParameters(phase1_detect_channel_radius=None, detect_channel_radius=None,
                                              phase1_detect_threshold=thr, detect_threshold=thr, detect_sign=args.detect_sign,
                                              training_duration_sec=300, training_recording_sampling_mode="uniform")
        sorting = ms5.sorting_scheme2(rec, sorting_parameters=params)
    times, labels = [], []
    for u in sorting.get_unit_ids():
        t = sorting.get_unit_spike_train(u)
        times.append(t)
        labels.append(np.full(len(t), int(u)))
    times = np.concatenate(times) if times else np.zeros(0)
    labels = np.concatenate(labels) if labels else np.zeros(0)
    order = np.argsort(times, kind="stable")
    F = np.zeros((3, len(times)), dtype="float64")
    F[0, :] = 1
    F[1, :] = times[order]
    F[2, :] = labels[order]
    writemda(F, "output/firings.mda", "float64")


def run(args):
    np = need("numpy")
    if args.check:
        mods = ["mountainsort4", "spikeextractors", "dask", "isosplit5"] if args.sorter == "ms4" else ["mountainsort5", "spikeinterface", "isosplit6"]
        vers = {m: getattr(need(m), "__version__", "?") for m in mods}
        print(json.dumps({"python": sys.version.split()[0], "prefix": sys.prefix, "numpy": np.__version__, **vers}))
        return
    import ephys_ops as E
    if not os.path.exists("dataset/raw_data.mda"):
        raise DriverError(EXIT_INPUT, "dataset/raw_data.mda not found in %s" % os.getcwd())
    try:
        raw = E.mda_memmap("dataset/raw_data.mda")
    except Exception as e:
        raise DriverError(EXIT_INPUT, "dataset/raw_data.mda is not a readable mda file: %s" % e) from e
    if raw.ndim != 2 or raw.shape[1] < 3 * args.template_clip_size:
        raise DriverError(EXIT_INPUT, "dataset/raw_data.mda has shape %s; need M x N with N >= %d" % (raw.shape, 3 * args.template_clip_size))
    os.makedirs("output", exist_ok=True)
    t0 = time.time()
    pre_path = "output/pre2.mda"
    pre = E.mda_create(pre_path, "float32", list(raw.shape))
    E.whiten(raw, pre)
    masked = E.mask_out_artifacts(pre, threshold=args.mask_threshold, chunk_size=args.mask_chunk_size)
    pre.flush()
    t1 = time.time()
    tempdir = tempfile.mkdtemp(prefix="ms4-", dir=args.tempdir or "output")
    try:
        if args.sorter == "ms4":
            del pre
            sort_ms4(pre_path, args, tempdir)
        else:
            sort_ms5(pre, args)
            del pre
    finally:
        shutil.rmtree(tempdir, ignore_errors=True)
        os.remove(pre_path)
    t2 = time.time()
    F = E.mda_memmap("output/firings.mda")
    times, labels = np.asarray(F[1, :]), np.asarray(F[2, :]).astype(int)
    T = E.compute_templates(raw, times, labels, clip_size=args.template_clip_size)
    E.writemda(T, "output/templates.mda", "float32")
    metrics = E.cluster_metrics(times, labels, T, raw.shape[1], args.samplerate, args.refrac_msec)
    with open("output/metrics.json", "w") as out:
        out.write(json.dumps(E.json_safe(metrics), indent=4))
    summary = {"sorter": args.sorter, "events": int(len(times)), "units": int(T.shape[2]), "masked_chunks": masked,
               "seconds": {"preprocess": t1 - t0, "sort": t2 - t1, "templates": time.time() - t2}}
    print("RPLPIPE_RESULT " + json.dumps(summary))


def main(argv):
    args = parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        run(args)
        return 0
    except DriverError as e:
        sys.stderr.write("ms_driver: error: %s\n" % e)
        return e.code
    except MemoryError:
        sys.stderr.write("ms_driver: error: out of memory\n")
        return 1
    except Exception as e:
        traceback.print_exc()
        sys.stderr.write("ms_driver: error: %s: %s\n" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
