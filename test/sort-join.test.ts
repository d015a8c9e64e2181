/**
 * Joining a channel's spike band over the day's sessions (mountain_batch's input): session choice and order,
 * start_indices.csv byte for byte, raw_data.mda = the sessions' float32 data end to end, input errors.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPipeline } from "../src/pipeline/run.js";
import { writeSyntheticDay } from "../src/synth/day.js";
import { readHickle } from "../src/hdf5/hickle-read.js";
import { isSortSession, joinChannel, kHighpassFile, parseStartIndicesCsv, startIndicesCsv } from "../src/sort/join.js";
import { readMda } from "../src/sort/mda.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-join-"));
const day = join(root, "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  writeSyntheticDay(day, { seconds: 1, arrays: 1, channelsPerArray: 2, seed: 2 });
  const s = await runPipeline(day, { stages: ["highpass"], workers: 1 });
  expect(s.failures).toEqual([]);
  // session02: a copy of session01's channel 1 (a later task session); session03 lacks channel 1;
  // sessionfoo is not a session mountain_batch takes.
  cpSync(join(day, "session01", "array01", "channel001"), join(day, "session02", "array01", "channel001"), { recursive: true });
  mkdirSync(join(day, "session03", "array01", "channel002"), { recursive: true });
  cpSync(join(day, "session01", "array01", "channel001"), join(day, "sessionfoo", "array01", "channel001"), { recursive: true });
});

async function hp(session: string, ch = "channel001"): Promise<Float32Array> {
  const v = await readHickle(join(day, session, "array01", ch, kHighpassFile));
  if (v.kind !== "dict") throw new Error("not a dict");
  const d = v.entries.find(([k]) => k === "data")![1];
  if (d.kind !== "ndarray" || !("data" in d)) throw new Error("no data");
  return d.data as Float32Array;
}

describe("joining a channel over sessions", () => {
  it("start_indices.csv is mountain_batch's text", () => {
    expect(startIndicesCsv([{ name: "session01", start: 1 }, { name: "sessioneye", start: 54000001 }])).toBe("1,[1, 54000001]\n2,['session01', 'sessioneye']\n");
    expect(parseStartIndicesCsv("1,[1, 54000001]\n2,['session01', 'sessioneye']\n")).toEqual({ starts: [1, 54000001], names: ["session01", "sessioneye"] });
    expect(parseStartIndicesCsv("1,[1]\r\n2,['session01']\r\n")).toEqual({ starts: [1], names: ["session01"] });
    expect(() => parseStartIndicesCsv("1,[1, 5]\n2,['session01']\n")).toThrow(expect.objectContaining({ code: "ERR_SORT_INPUT" }));
  });

  it("takes the sessions PyHipp takes", () => {
    expect(["session01", "sessioneye", "session02", "session1", "sessioneyecal", "sessionfoo", "session0"].filter(isSortSession)).toEqual(["session01", "sessioneye", "session02", "sessioneyecal", "session0"]);
  });

  it("concatenates session01, session02, sessioneye (Python order) with 1-based starts", async () => {
    const r = await joinChannel({ dayDir: day, electrodeId: 1 });
    expect(r.sessions.map((s) => [s.name, s.start, s.samples])).toEqual([["session01", 1, 30000], ["session02", 30001, 30000], ["sessioneye", 60001, 30000]]);
    expect(r.samplingRate).toBe(30000);
    expect(readFileSync(r.startIndicesPath, "latin1")).toBe("1,[1, 30001, 60001]\n2,['session01', 'session02', 'sessioneye']\n");
    const raw = readMda(r.rawPath);
    expect(raw.dtype).toBe("float32");
    expect(raw.dims).toEqual([1, 90000]);
    const want = [await hp("session01"), await hp("session02"), await hp("sessioneye")];
    expect(Buffer.from(raw.data.buffer).equals(Buffer.concat(want.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength))))).toBe(true);
  });

  it("a chosen subset of sessions; a missing spike band is an ERR_SORT_INPUT naming the fix", async () => {
    const r = await joinChannel({ dayDir: day, electrodeId: 2, sessions: ["sessioneye"] });
    expect(r.sessions.map((s) => s.name)).toEqual(["sessioneye"]);
    await expect(joinChannel({ dayDir: day, electrodeId: 2 })).rejects.toThrow(/session03.*missing.*--stages highpass/);
    await expect(joinChannel({ dayDir: day, electrodeId: 7 })).rejects.toMatchObject({ code: "ERR_SORT_INPUT" });
  });
});
