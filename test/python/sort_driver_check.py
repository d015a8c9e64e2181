"""Checks of the driver's ml_ephys transcriptions (src/sort/driver/ephys_ops.py) on small arrays.

usage: sort_driver_check.py DRIVER_DIR TMPDIR  -> JSON of named measurements (the TS test asserts them)
"""
import contextlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import ephys_ops as E  # noqa: E402

tmp = sys.argv[2]
rng = np.random.default_rng(3)
out = {}

# whiten, one channel: chunks of 300000 samples, ~10 picked (step = floor(num_chunks/10)), AAt = sum of float32
# chunk products / (picked * chunk_size) even for a short last chunk; output = x / sqrt(AAt) as float32.
N = 3 * 300000 + 1234
X = (rng.standard_normal((1, N)) * 20).astype("float32")
Y = np.zeros_like(X)
W = E.whiten(X, Y)
picked = list(range(0, 4, 1))
aat = sum(float((X[:, t * 300000:(t + 1) * 300000] @ X[:, t * 300000:(t + 1) * 300000].T)[0, 0]) for t in picked) / (4 * 300000)
out["whiten_scale_rel_err"] = abs(W[0, 0] - 1 / np.sqrt(aat)) * np.sqrt(aat)
out["whiten_out_err"] = float(np.max(np.abs(Y - (W[0, 0] * X.astype("float64")).astype("float32"))))
out["whiten_dtype"] = str(Y.dtype)

# whiten, three correlated channels: the whitened sampled data have identity second moments.
A = np.array([[1.0, 0.5, 0.2], [0.0, 1.0, 0.7], [0.0, 0.0, 1.0]])
X3 = (A @ rng.standard_normal((3, 600000)) * 10).astype("float32")
Y3 = np.zeros_like(X3)
E.whiten(X3, Y3)
out["whiten3_cov_err"] = float(np.max(np.abs(Y3.astype("float64") @ Y3.T.astype("float64") / 600000 - np.eye(3))))

# mask_out_artifacts: a big chunk zeroes itself and both neighbours; an artifact in chunk 0 also zeroes the
# LAST chunk (index -1, as numpy does in ml_ephys); one in the last chunk does not crash.
Z = rng.standard_normal((1, 2000 * 400 + 700)).astype("float32")
Z[0, 2000 * 200 + 5] = 5000
Z[0, 10] = 5000
Z[0, -3] = 5000
with contextlib.redirect_stdout(sys.stderr):
    n = E.mask_out_artifacts(Z, threshold=10, chunk_size=2000)
zeroed = [i for i in range(401) if not np.any(Z[0, i * 2000:(i + 1) * 2000])]
out["mask_zeroed_chunks"] = zeroed
out["mask_count"] = n

# templates: Tmid = floor((T+1)/2)-1, clips too near either end skipped, a label without clips is NaN (0/0).
R = np.zeros((1, 1000), dtype="float32")
R[0, 500] = 7
R[0, 600] = 3
times = np.array([500, 600, 10, 990], dtype="float64")
labels = np.array([1, 1, 2, 2])
T = E.compute_templates(R, times, labels, clip_size=150)
out["tmpl_shape"] = list(T.shape)
out["tmpl_peak_index"] = int(np.argmax(T[0, :, 0]))
out["tmpl_peak"] = float(T[0, 74, 0])
out["tmpl_nan"] = bool(np.all(np.isnan(T[0, :, 1])))
m = E.json_safe(E.cluster_metrics(times, labels, T, 1000, 30000.0))
out["metrics"] = m

# mda round trip of the driver's writer.
p = os.path.join(tmp, "d.mda")
E.writemda(T[:, :, :1], p, "float32")
out["mda_header"] = [list(map(int, E.mda_header(p)[1])), E.mda_header(p)[0]]
print(json.dumps(out))
