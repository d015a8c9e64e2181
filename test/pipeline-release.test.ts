/**
 * A pipeline worker's last task frees the worker's channel buffers (channel-task.ts, `drained`): the task
 * says so in its result only once the run has set the shared flag, its files are complete either way, and a
 * task after the release still works (buffers allocated afresh, recording reopened) and writes the same data.
 * With h5wasm loaded first (as a worker does), the buffers live in its heap and the raw and spike-band files
 * are written from there (channel-buffers.ts).
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSyntheticDay } from "../src/synth/day.js";
import { planRun } from "../src/pipeline/plan.js";
import { runGroupTask, type GroupTask } from "../src/pipeline/channel-task.js";
import { highpassChainOptions, lfpChainOptions } from "../src/dsp/chains.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import { loadH5 } from "../src/hdf5/h5.js";
import { heapWriteStats } from "../src/hdf5/hickle-nodes.js";
import type { PyValue } from "../src/hdf5/hickle-types.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-release-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dataOf(v: PyValue): Float32Array {
  if (v.kind !== "dict") throw new Error("expected a dict");
  const d = v.entries.find(([k]) => k === "data")?.[1];
  if (d?.kind !== "ndarray" || !("data" in d) || !(d.data instanceof Float32Array)) throw new Error("no float32 data");
  return d.data;
}

describe("worker buffers after the last task", () => {
  it("are released only when the run is drained, and a later task still writes the same data", async () => {
    const day = join(root, "picasso", "20181105");
    writeSyntheticDay(day, { seconds: 3, arrays: 1, channelsPerArray: 4, seed: 5 });
    const lfp = lfpChainOptions({ samplingRate: 30000 });
    const highpass = highpassChainOptions({ samplingRate: 30000 });
    const { sessions } = planRun(day, { stages: ["split", "lfp", "highpass"], sessions: ["session01"], redo: false, lfp, highpass });
    const s = sessions[0]!;
    expect(s.channels.length).toBe(4);
    const drained = new Int32Array(new SharedArrayBuffer(4));
    const task = (channels: typeof s.channels, suffix = ""): GroupTask => ({
      session: s.name,
      channels: channels.map((c) => {
        const outputs = Object.fromEntries(Object.entries(c.outputs).map(([k, p]) => [k, p + suffix]));
        for (const p of Object.values(outputs)) mkdirSync(dirname(p), { recursive: true });
        return { info: c.info, dirs: c.dirs, outputs };
      }),
      read: { ns5: s.ns5, indices: channels.map((c) => c.index), samples: s.samples },
      lfp: { ...lfp, samplingRate: s.samplingRate },
      highpass: { ...highpass, samplingRate: s.samplingRate },
      direct: false,
      drained,
    });

    await loadH5();
    const heap0 = heapWriteStats();
    const first = await runGroupTask(task(s.channels.slice(0, 2)));
    expect(first.failed).toEqual([]);
    expect(first.written.length).toBe(6);
    expect(first.released).toBe(false);
    // The raw and spike-band arrays of both channels went out of the heap buffers without a copy.
    expect(heapWriteStats().arrays - heap0.arrays).toBe(4);
    expect(heapWriteStats().bytes - heap0.bytes).toBe(4 * s.samples * 4);

    Atomics.store(drained, 0, 1);
    const last = await runGroupTask(task(s.channels.slice(2, 4)));
    expect(last.failed).toEqual([]);
    expect(last.written.length).toBe(6);
    expect(last.released).toBe(true);

    // After the release: the same channels again, to other names; every file holds the same samples.
    const again = await runGroupTask(task(s.channels.slice(2, 4), ".again.hkl"));
    expect(again.failed).toEqual([]);
    expect(again.written.length).toBe(6);
    for (const w of last.written) {
      const a = dataOf(await readHickle(w.path));
      const b = dataOf(await readHickle(w.path + ".again.hkl"));
      expect(a.length).toBeGreaterThan(0);
      expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)), w.path).toBe(0);
      // Not the zeros a released buffer would read as.
      expect(a.some((v) => v !== 0)).toBe(true);
    }
  }, 120_000);
});
