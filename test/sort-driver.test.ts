/**
 * The driver's ml_ephys transcriptions (src/sort/driver/ephys_ops.py), run in the reference venv's numpy:
 * ephys.whiten's estimate and output, mask_out_artifacts' chunk rule (with ml_ephys's index -1 quirk and without
 * its crash on the last chunk), compute_templates' centring / skipping / NaN, cluster metrics' keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { haveReference, repoRoot, runPythonJson } from "./helpers/reference.js";

const tmp = mkdtempSync(join(tmpdir(), "rplpipe-driver-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Check {
  whiten_scale_rel_err: number;
  whiten_out_err: number;
  whiten_dtype: string;
  whiten3_cov_err: number;
  mask_zeroed_chunks: number[];
  mask_count: number;
  tmpl_shape: number[];
  tmpl_peak_index: number;
  tmpl_peak: number;
  tmpl_nan: boolean;
  metrics: { clusters: { label: number; metrics: Record<string, number | null> }[] };
  mda_header: [number[], string];
}

describe("sorter driver: ml_ephys steps", () => {
  it("whitening, artifact masking, templates and metrics behave as ml_ephys's", () => {
    if (!haveReference("driver ml_ephys checks")) return;
    const c = runPythonJson<Check>("sort_driver_check.py", [join(repoRoot, "src", "sort", "driver"), tmp]);
    expect(c.whiten_scale_rel_err).toBeLessThan(1e-6);
    expect(c.whiten_out_err).toBe(0);
    expect(c.whiten_dtype).toBe("float32");
    expect(c.whiten3_cov_err).toBeLessThan(1e-5);
    // artifacts in chunks 0, 200 and 400 (the last, partial one): neighbours too, and chunk 0's "-1" is chunk 400.
    expect(c.mask_zeroed_chunks).toEqual([0, 1, 199, 200, 201, 399, 400]);
    expect(c.mask_count).toBe(7);
    expect(c.tmpl_shape).toEqual([1, 150, 2]);
    expect(c.tmpl_peak_index).toBe(74); // Tmid = floor(151/2) - 1
    expect(c.tmpl_peak).toBe(5); // mean of 7 and 3; clips at t=10 and t=990 skipped
    expect(c.tmpl_nan).toBe(true);
    expect(c.metrics.clusters.map((k) => Object.keys(k.metrics))).toEqual([
      ["num_events", "firing_rate", "dur_sec", "peak_amplitude", "refractory_violation_1msec"],
      ["num_events", "firing_rate", "dur_sec", "peak_amplitude", "refractory_violation_1msec"],
    ]);
    expect(c.metrics.clusters[1]!.metrics.peak_amplitude).toBeNull(); // NaN in ml_ephys; JSON has no NaN
    expect(c.mda_header).toEqual([[1, 150, 1], "float32"]);
  });
});
