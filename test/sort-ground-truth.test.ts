/**
 * Sorting accuracy against ground truth, end to end: a two-session day (.ns5/.nev, 4 channels × 60 s per session)
 * with 8 units over a range of SNRs → `rplpipe run` (spike band) → sort + export every channel → the exported
 * cells (ms per session → samples) compared with the truth by SpikeInterface (compare_sorter_to_ground_truth,
 * delta_time 0.4 ms). Requirement: at least 80 % of the units with SNR ≥ 5 well detected (accuracy ≥ 0.8), with
 * MountainSort 4 (the lab's parameters) and with MountainSort 5. Needs the sorter env and the reference venv.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runPipeline } from "../src/pipeline/run.js";
import { sortDay } from "../src/sort/sort-day.js";
import type { Sorter } from "../src/sort/sort-channel.js";
import { haveReference, runPythonJson } from "./helpers/reference.js";
import { sorterPrefix, StandInPool } from "./helpers/slot-standin.js";
import { writeTruthDay } from "./helpers/sort-truth.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-sortgt-"));
const day = join(root, "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Amplitudes 35–230 µV on 8 µV noise: SNR about 3 to 21; pairs on one channel differ in size and width. */
const kUnits = [
  { channel: 0, amplitudeUv: 230, rateHz: 8, width: 0.9 },
  { channel: 0, amplitudeUv: 90, rateHz: 12, width: 1.3 },
  { channel: 1, amplitudeUv: 150, rateHz: 6, width: 1.1 },
  { channel: 1, amplitudeUv: 70, rateHz: 9, width: 0.8 },
  { channel: 2, amplitudeUv: 60, rateHz: 10, width: 1.0 },
  { channel: 2, amplitudeUv: 35, rateHz: 15, width: 1.2 },
  { channel: 3, amplitudeUv: 120, rateHz: 4, width: 1.4 },
  { channel: 3, amplitudeUv: 45, rateHz: 7, width: 0.8 },
];

interface UnitScore { electrodeId: number; unit: number; amplitudeUv: number; rateHz: number; snr: number; gtSpikes: number; accuracy: number; recall: number; precision: number; cell: string | null }

function table(sorter: string, units: UnitScore[]): string {
  const rows = units.map((u) =>
    [`channel${String(u.electrodeId).padStart(3, "0")}`, u.unit, u.amplitudeUv.toFixed(0), u.rateHz.toFixed(0), u.snr.toFixed(1), u.gtSpikes, u.accuracy.toFixed(3), u.recall.toFixed(3), u.precision.toFixed(3), u.cell ?? "-", u.snr >= 5 ? (u.accuracy >= 0.8 ? "well detected" : "MISSED") : "(SNR < 5)"].join("\t"));
  return [`accuracy table (${sorter}):`, ["channel", "unit", "µV", "Hz", "SNR", "spikes", "accuracy", "recall", "precision", "cell", ""].join("\t"), ...rows].join("\n");
}

let prepared = false;
async function prepare(): Promise<void> {
  if (prepared) return;
  writeTruthDay(day, { seconds: 60, electrodeIds: [1, 2, 3, 4], units: kUnits, seed: 7 });
  const run = await runPipeline(day, { stages: ["highpass", "parallel"], workers: 2 });
  expect(run.failures).toEqual([]);
  prepared = true;
}

async function sortAndScore(sorter: Sorter, prefix: string): Promise<UnitScore[]> {
  await prepare();
  const pool = new StandInPool([{ name: "slot0", prefix }, { name: "slot1", prefix }], join(root, "scratch"));
  const s = await sortDay(day, { pool, sorter, jobs: 2 });
  expect(s.failures.map((f) => f.toJSON())).toEqual([]);
  expect(pool.held).toBe(0);
  const rep = runPythonJson<{ units: UnitScore[] }>("sort_ground_truth.py", [day]);
  console.log(`${table(sorter, rep.units)}\n(sorted ${s.channels.length} channels in ${s.seconds.toFixed(1)} s)`);
  return rep.units;
}

function check(units: UnitScore[]): void {
  expect(units).toHaveLength(kUnits.length);
  const strong = units.filter((u) => u.snr >= 5);
  expect(strong.length).toBeGreaterThanOrEqual(5);
  const well = strong.filter((u) => u.accuracy >= 0.8);
  expect(well.length / strong.length).toBeGreaterThanOrEqual(0.8);
}

describe("sorting accuracy against ground truth", () => {
  it("MountainSort 4 (lab parameters): ≥ 80 % of SNR ≥ 5 units well detected", async () => {
    const prefix = sorterPrefix("ground-truth sorting (ms4)");
    if (!prefix || !haveReference("ground-truth comparison (SpikeInterface)")) return;
    const units = await sortAndScore("ms4", prefix);
    check(units);
    // The same unit keeps its cellNN in both sessions (the comparison joins sessions by cellNN).
    for (const u of units.filter((x) => x.snr >= 5 && x.accuracy >= 0.8)) expect(u.cell).toMatch(/^cell\d\d$/);
  });

  it("MountainSort 5 (scheme 2) on the same day, replacing the MS4 cells", async () => {
    const prefix = sorterPrefix("ground-truth sorting (ms5)");
    if (!prefix || !haveReference("ground-truth comparison (SpikeInterface)")) return;
    check(await sortAndScore("ms5", prefix));
    // MS4 found 3 cells on channel004, MS5 2: the old cell03 is gone.
    expect(existsSync(join(day, "session01", "array01", "channel004", "cell03"))).toBe(false);
  });
});
