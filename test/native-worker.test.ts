/**
 * The addon must work in many worker threads at once (the pipeline runs channels on a piscina pool): four
 * workers load it concurrently and each reads its own channel of the same file, while the main thread does too.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { writeNsx } from "../src/io/nsx-writer.js";
import { openNsx } from "../src/io/nsx.js";
import { repoRoot } from "./helpers/reference.js";

const dir = mkdtempSync(join(tmpdir(), "rplpipe-worker-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("addon in worker threads", () => {
  it("loads in 4 concurrent workers and reads the same file", async () => {
    const path = join(dir, "w.ns5");
    const n = 50_000;
    const data = Array.from({ length: 4 }, (_, c) => Int16Array.from({ length: n }, (_, i) => ((i * (c + 3)) % 2001) - 1000));
    writeNsx(path, { version: "2.3", channels: [1, 2, 3, 4].map((electrodeId) => ({ electrodeId })), segments: [{ data }] });
    // Workers import the compiled library (dist/), as piscina workers do in production.
    const lib = pathToFileURL(join(repoRoot, "dist", "index.js")).href;
    const code = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.lib).then(({ openNsx }) => {
        const f = openNsx(workerData.path);
        const [x] = f.readRaw({ channels: [workerData.channel] });
        f.close();
        let sum = 0; for (const v of x) sum += v;
        parentPort.postMessage({ sum, length: x.length });
      }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        (channel) =>
          new Promise<{ sum: number; length: number; error?: string }>((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { lib, path, channel } });
            w.once("message", (m) => {
              resolve(m);
              void w.terminate();
            });
            w.once("error", reject);
          }),
      ),
    );
    const f = openNsx(path);
    const mine = f.readRaw();
    f.close();
    results.forEach((r, c) => {
      expect(r.error).toBeUndefined();
      expect(r.length).toBe(n);
      expect(r.sum).toBe(data[c]!.reduce((a, v) => a + v, 0));
      expect(mine[c]).toEqual(data[c]);
    });
  });
});

describe("SharedArrayBuffer-backed arrays", () => {
  it("filter and resample views over a SharedArrayBuffer (what worker pools pass around)", async () => {
    const { butter } = await import("../src/dsp/butter.js");
    const { sosfiltfiltInterleaved } = await import("../src/dsp/filter.js");
    const { resamplePolyInterleaved } = await import("../src/dsp/resample.js");
    const n = 3000;
    const plain = Float32Array.from({ length: 2 * n }, (_, i) => Math.sin(i * 0.01) * 50 + (i % 5));
    const shared = new Float32Array(new SharedArrayBuffer(plain.byteLength));
    shared.set(plain);
    const sos = butter(4, [500, 7500], { btype: "bandpass", fs: 30000 });
    expect(sosfiltfiltInterleaved(sos, shared, 2)).toEqual(sosfiltfiltInterleaved(sos, plain, 2));
    expect(resamplePolyInterleaved(shared, 2, 1, 30)).toEqual(resamplePolyInterleaved(plain, 2, 1, 30));
  });
});
