"""MountainLab's ml_ephys processors that PyHipp's sort.sh.txt runs, transcribed with numpy (no mountainlab).

Sources (scratcharchive/ml_ephys): preprocessing/p_whiten.py (ephys.whiten 0.1),
preprocessing/p_mask_out_artifacts.py (ephys.mask_out_artifacts 0.1.0), basic/p_compute_templates.py
(ephys.compute_templates 0.11), basic/p_compute_cluster_metrics.py + p_compute_cross_correlograms.py
(ephys.compute_cluster_metrics 0.11). Arithmetic (dtypes, chunking, denominators) follows the originals;
the deviations are listed in docs/sorting.md and marked DEVIATION below.
"""
import math

import numpy as np

_CODES = {-2: "uint8", -3: "float32", -4: "int16", -5: "int32", -6: "uint16", -7: "float64", -8: "uint32"}


def mda_header(path):
    """(dtype, dims, header_bytes) of an .mda file (mountainlab_pytools mdaio)."""
    with open(path, "rb") as f:
        code, _size, nd = np.frombuffer(f.read(12), dtype="<i4")
        big = nd < 0
        nd = abs(int(nd))
        dims = [int(x) for x in np.frombuffer(f.read(nd * (8 if big else 4)), dtype="<i8" if big else "<i4")]
    if int(code) not in _CODES:
        raise ValueError("%s: unknown mda dtype code %d" % (path, code))
    return _CODES[int(code)], dims, 12 + nd * (8 if big else 4)


def mda_memmap(path, mode="r"):
    """The array of an .mda file as a column-major numpy memmap."""
    dt, dims, off = mda_header(path)
    return np.memmap(path, dtype=dt, mode=mode, offset=off, shape=tuple(dims), order="F")


def mda_create(path, dtype, dims):
    """Creates an .mda file of `dims` (int32 dims, as writemda for dims <= 2e9) and returns its writable memmap."""
    code = {v: k for k, v in _CODES.items()}[dtype]
    big = max(dims) > 2e9
    head = np.array([code, np.dtype(dtype).itemsize, -len(dims) if big else len(dims)], dtype="<i4").tobytes()
    head += np.array(dims, dtype="<i8" if big else "<i4").tobytes()
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + int(np.prod(dims)) * np.dtype(dtype).itemsize)
    return np.memmap(path, dtype=dtype, mode="r+", offset=len(head), shape=tuple(dims), order="F")


def writemda(X, path, dtype):
    """mdaio._writemda: header then X in column-major order as `dtype`."""
    out = mda_create(path, dtype, list(X.shape))
    out[...] = X.astype(dtype)
    out.flush()
    del out


def whiten(X, out, chunk_size=30000 * 10):
    """ephys.whiten: W = U diag(1/sqrt(S)) U' of AAt estimated from ~10 evenly spaced chunks; out = W @ X (float32).

    As the original: AAt chunks are float32 products, the denominator is len(chunks)*chunk_size even when the last
    chunk is shorter, the mean is not removed.
    """
    M, N = X.shape
    num_chunks = int(np.ceil(N / chunk_size))
    step = int(np.maximum(1, np.floor(num_chunks / 10)))
    picks = range(0, num_chunks, step)
    AAt = np.zeros((M, M), dtype="float64")
    mats = []
    for num in picks:
        t1 = int(num * chunk_size)
        chunk = np.asarray(X[:, t1:int(np.minimum(N, t1 + chunk_size))])
        mats.append(chunk @ np.transpose(chunk))
    for M0 in mats:
        AAt += M0 / (len(mats) * chunk_size)
    U, S, Ut = np.linalg.svd(AAt, full_matrices=True)
    W = (U @ np.diag(1 / np.sqrt(S))) @ Ut
    for num in range(num_chunks):
        t1 = int(num * chunk_size)
        t2 = int(np.minimum(N, t1 + chunk_size))
        out[:, t1:t2] = (W @ np.asarray(X[:, t1:t2])).astype("float32")
    return W


def mask_out_artifacts(Y, threshold=6, chunk_size=2000):
    """ephys.mask_out_artifacts, in place: chunks whose RSS exceeds mean + threshold*std of the channel's chunk RSS
    are zeroed with their two neighbours. Returns the number of chunks zeroed.

    DEVIATION: ml_ephys raises IndexError when an artifact is in the last chunk (index + 1 past the end) or in the
    last, partial write block (boolean mask of the wrong length); here those chunks are zeroed like the others.
    Kept: index - 1 of chunk 0 is -1, which (numpy) masks the last chunk.
    """
    M, N = Y.shape
    num_chunks = int(np.ceil(N / chunk_size))
    norms = np.zeros((M, num_chunks))
    for i in np.arange(num_chunks):
        t1 = int(i * chunk_size)
        chunk = np.asarray(Y[:, t1:int(np.minimum(N, t1 + chunk_size))]).astype(np.float32)
        norms[:, i] = np.sqrt(np.sum(chunk ** 2, axis=1))
    use_it = np.ones(num_chunks)
    for m in np.arange(M):
        vals = norms[m, :]
        sigma0 = np.std(vals)
        mean0 = np.mean(vals)
        artifact_indices = np.where(vals > mean0 + sigma0 * threshold)[0]
        use_it[artifact_indices] = 0
        use_it[artifact_indices - 1] = 0
        use_it[artifact_indices[artifact_indices + 1 < num_chunks] + 1] = 0
        print("For channel %d: mean=%.2f, stdev=%.2f, chunk size = %d\n" % (m, mean0, sigma0, chunk_size))
    for i in np.where(use_it == 0)[0]:
        Y[:, int(i * chunk_size):int(min(N, (i + 1) * chunk_size))] = 0
    print("Using %.2f%% of all timepoints.\n" % (np.sum(use_it) * 100.0 / num_chunks))
    return int(np.sum(use_it == 0))


def compute_templates(X, times, labels, clip_size=100):
    """ephys.compute_templates: mean clip per label 1..K (K = max label) of the un-whitened X, clips centred at
    Tmid = floor((T+1)/2)-1, spikes with t0 < clip_size or t0 >= N - clip_size skipped; a label without clips
    gives NaN (0/0), as the original. Returns M x T x K float64."""
    M, N = X.shape
    T = clip_size
    Tmid = int(np.floor((T + 1) / 2) - 1)
    K = int(np.max(labels)) if labels.size else 0
    sums = np.zeros((M, T, K), dtype="float64")
    counts = np.zeros(K)
    offs = np.arange(T)
    for k in range(1, K + 1):
        t0 = times[labels == k].astype(int)
        t0 = t0[(clip_size <= t0) & (t0 < N - clip_size)]
        for b in range(0, len(t0), 4096):
            idx = t0[b:b + 4096, None] - Tmid + offs
            sums[:, :, k - 1] += np.asarray(X[:, idx], dtype="float64").sum(axis=1)
        counts[k - 1] += len(t0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[None, None, :]


def _autocorrelogram(times, max_dt_tp, bin_size_tp):
    num_bins_left = int(max_dt_tp / bin_size_tp)
    L = len(times)
    times2 = np.sort(times)
    step = 1
    candidate_inds = np.arange(L)
    vals_list = []
    while True:
        candidate_inds = candidate_inds[candidate_inds + step < L]
        candidate_inds = candidate_inds[times2[candidate_inds + step] - times2[candidate_inds] <= max_dt_tp]
        if len(candidate_inds) > 0:
            vals = times2[candidate_inds + step] - times2[candidate_inds]
            vals_list.append(vals)
            vals_list.append(-vals)
        else:
            break
        step += 1
    all_vals = np.concatenate(vals_list) if vals_list else np.array([])
    aa = np.arange(-num_bins_left, num_bins_left + 1) * bin_size_tp
    all_vals = np.sign(all_vals) * (np.abs(all_vals) - bin_size_tp * 0.00001)
    return np.histogram(all_vals, bins=aa)[0]


def cluster_metrics(times, labels, templates, N, samplerate, refrac_msec=1.0):
    """ephys.compute_cluster_metrics: per label 1..K num_events, firing_rate, peak_amplitude (max |template minus
    its mean|) and refractory_violation_<r>msec; plus dur_sec (the duration firing_rate divides by; ours)."""
    K = int(np.max(labels)) if labels.size else 0
    duration_sec = N / samplerate if (samplerate > 0 and N > 0) else 0
    clusters = []
    for k in range(1, K + 1):
        m = {"num_events": int(np.sum(labels == k))}
        if duration_sec:
            m["firing_rate"] = m["num_events"] / duration_sec
            m["dur_sec"] = duration_sec
        tk = templates[:, :, k - 1].copy()
        for c in range(tk.shape[0]):
            tk[c, :] = tk[c, :] - np.mean(tk[c, :])
        m["peak_amplitude"] = float(np.max(np.abs(tk)))
        clusters.append({"label": k, "metrics": m})
    if refrac_msec > 0:
        rr_name = "refractory_violation_{}msec".format("{0:.5f}".format(refrac_msec).rstrip("0").rstrip("."))
        max_dt_msec = 50
        mid_ind = np.floor(max_dt_msec / refrac_msec).astype(int)
        mid_inds = np.arange(mid_ind - 2, mid_ind + 2)
        for k in range(1, K + 1):
            auto = _autocorrelogram(times[labels == k], max_dt_msec / 1000 * samplerate, refrac_msec / 1000 * samplerate)
            peak = np.percentile(auto, 75)
            mid = np.mean(auto[mid_inds])
            clusters[k - 1]["metrics"][rr_name] = float(mid / peak) if peak != 0 else 0
    return {"clusters": clusters}


def json_safe(x):
    """NaN/inf → None: Python's json would write NaN, which is not JSON (a unit without full clips has a NaN peak)."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, list):
        return [json_safe(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
