/**
 * The NsxReader class works in several worker threads at once (one class per Node environment, no shared
 * mutable state): each worker opens the same file and reads it, as piscina workers will.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { writeNsx } from "../src/io/nsx-writer.js";
import { openNsx } from "../src/io/nsx.js";
import { packageRoot } from "../src/native/load.js";
import { makeTempDir, syntheticSpec } from "./nsx-support.js";

const tmp = makeTempDir("worker");
afterAll(() => tmp.cleanup());

const addon = process.env.RPLPIPE_ADDON || join(packageRoot, "build", "Release", "rplpipe.node");

// Plain JS on purpose: the worker loads the raw addon directly and sums channel 2 of segment 1.
const workerCode = `
const { parentPort, workerData } = require("node:worker_threads");
const b = require(workerData.addon);
const r = new b.NsxReader(workerData.path, {});
const seg = r.header().segments[1];
const out = [new Float32Array(seg.sampleCount)];
r.readScaled(Uint32Array.of(2), 1, 0, seg.sampleCount, out);
r.close();
parentPort.postMessage(out[0].reduce((a, v) => a + v, 0));
`;

describe.skipIf(!existsSync(addon))("NsxReader in worker threads", () => {
  it("four workers read the same file concurrently and agree with the main thread", async () => {
    const path = join(tmp.dir, "w.ns5");
    writeNsx(path, syntheticSpec("2.3", { ids: [1, 2, 3, 4], counts: [100, 20000], timestamps: [0, 5000] }));
    const f = openNsx(path);
    const want = f.readScaled({ channels: [2], segment: 1 })[0]!.reduce((a, v) => a + v, 0);
    f.close();
    const sums = await Promise.all(
      Array.from({ length: 4 }, () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(workerCode, { eval: true, workerData: { addon, path } });
          w.once("message", (m: number) => {
            resolve(m);
            void w.terminate();
          });
          w.once("error", reject);
        }),
      ),
    );
    expect(sums).toEqual([want, want, want, want]);
  });
});
