/**
 * Sorting benchmark: a ground-truth day (session01 + sessioneye, .ns5/.nev, 4 channels, 8 units over SNR 3–21;
 * test/helpers/sort-truth.ts) goes through `rplpipe run` (spike band), then
 *  - rplpipe: sortDay (join → PyHipp's whiten + mask → MountainSort in the sorter env → templates → export), and
 *  - SpikeInterface: bench/reference/si_sorting.py in the same sorter env (read .ns5, concatenate sessions,
 *    band-pass 500–7500 Hz, run_sorter with the same parameters),
 * for MS4 and MS5. Both outputs are scored by test/python/sort_ground_truth.py (SpikeInterface comparison,
 * delta 0.4 ms) in .venv-ref. Wall times: rplpipe's from the start of the sort (the spike band exists, as in the
 * lab's workflow); SI's from reading the .ns5. One channel at a time on both sides (jobs 1); rplpipe also with
 * one channel per CPU at once.
 * Results go to bench/results/sorting.json.
 *
 * Run: RPLPIPE_SORTER_PREFIX=/path/to/sorter-env npx vite-node bench/sorting.ts [--seconds 120] [--sorters ms4,ms5]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runPipeline } from "../src/pipeline/run.js";
import { sortDay } from "../src/sort/sort-day.js";
import type { Sorter } from "../src/sort/sort-channel.js";
import { writeTruthDay } from "../test/helpers/sort-truth.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const seconds = Number(opt("seconds", "120"));
const sorters = opt("sorters", "ms4,ms5").split(",") as Sorter[];
const prefix = resolve(process.env.RPLPIPE_SORTER_PREFIX ?? join(root, ".venv-sort"));
const refPython = join(root, ".venv-ref", "bin", "python");
const units = [
  { channel: 0, amplitudeUv: 230, rateHz: 8, width: 0.9 },
  { channel: 0, amplitudeUv: 90, rateHz: 12, width: 1.3 },
  { channel: 1, amplitudeUv: 150, rateHz: 6, width: 1.1 },
  { channel: 1, amplitudeUv: 70, rateHz: 9, width: 0.8 },
  { channel: 2, amplitudeUv: 60, rateHz: 10, width: 1.0 },
  { channel: 2, amplitudeUv: 35, rateHz: 15, width: 1.2 },
  { channel: 3, amplitudeUv: 120, rateHz: 4, width: 1.4 },
  { channel: 3, amplitudeUv: 45, rateHz: 7, width: 0.8 },
];

interface Score { electrodeId: number; unit: number; snr: number; accuracy: number }
function score(day: string, extra: string[]): Score[] {
  try {
    const out = execFileSync(refPython, [join(root, "test", "python", "sort_ground_truth.py"), day, ...extra], { encoding: "utf8", maxBuffer: 1 << 28, stdio: ["ignore", "pipe", "pipe"] });
    return (JSON.parse(out) as { units: Score[] }).units;
  } catch (e) {
    throw new Error(`scoring failed: ${String((e as { stderr?: string }).stderr ?? e).slice(-2000)}`);
  }
}
function summary(s: Score[]) {
  const strong = s.filter((u) => u.snr >= 5);
  return {
    wellDetectedSnr5: `${strong.filter((u) => u.accuracy >= 0.8).length}/${strong.length}`,
    meanAccuracySnr5: strong.reduce((a, u) => a + u.accuracy, 0) / Math.max(1, strong.length),
    accuracy: s.map((u) => +u.accuracy.toFixed(3)),
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "rplpipe-bench-sort-"));
  const day = join(work, "picasso", "20181105");
  try {
    writeTruthDay(day, { seconds, electrodeIds: [1, 2, 3, 4], units, seed: 7 });
    const run = await runPipeline(day, { stages: ["highpass"] });
    if (run.failures.length) throw new Error(JSON.stringify(run.failures));
    let snr: number[] = [];
    const results: Record<string, unknown> = {};
    for (const sorter of sorters) {
      mkdirSync(join(work, "scratch"), { recursive: true });
      const t0 = performance.now();
      const s = await sortDay(day, { slot: { name: "bench", prefix, scratch: join(work, "scratch") }, sorter, jobs: 1 });
      const ours = (performance.now() - t0) / 1000;
      if (s.failures.length) throw new Error(JSON.stringify(s.failures));
      // The same sort with one channel per CPU at once (how rplpipe is meant to run a day).
      const tp = performance.now();
      await sortDay(day, { slot: { name: "bench", prefix, scratch: join(work, "scratch") }, sorter, jobs: cpus().length });
      const oursParallel = (performance.now() - tp) / 1000;
      const oursUnits = score(day, []);
      snr = oursUnits.map((u) => +u.snr.toFixed(1));
      const oursScore = summary(oursUnits);
      const siOut = join(work, `si-${sorter}.json`);
      const t1 = performance.now();
      execFileSync(join(prefix, "bin", "python"), [join(root, "bench", "reference", "si_sorting.py"), day, siOut, "--sorter", sorter, "--channels", "1,2,3,4"], { stdio: ["ignore", "ignore", "pipe"] });
      const si = (performance.now() - t1) / 1000;
      const siScore = summary(score(day, ["--tested-json", siOut]));
      const per = (k: "join" | "sort" | "export") => +(s.channels.reduce((a, c) => a + c.seconds[k], 0) / s.channels.length).toFixed(2);
      results[sorter] = {
        rplpipe: { seconds: +ours.toFixed(2), secondsAllCpus: +oursParallel.toFixed(2), perChannel: { join: per("join"), sort: per("sort"), export: per("export") }, ...oursScore },
        spikeinterface: { seconds: +si.toFixed(2), version: (JSON.parse(readFileSync(siOut, "utf8")) as { si: string }).si, ...siScore },
      };
      console.log(`${sorter}: rplpipe ${ours.toFixed(1)} s (${oursParallel.toFixed(1)} s with ${cpus().length} channels at once), well detected (SNR>=5) ${oursScore.wellDetectedSnr5}, mean acc ${oursScore.meanAccuracySnr5.toFixed(3)} | ` +
        `SpikeInterface ${si.toFixed(1)} s, ${siScore.wellDetectedSnr5}, mean acc ${siScore.meanAccuracySnr5.toFixed(3)}`);
    }
    const report = { date: new Date().toISOString(), cpus: cpus().length, cpu: cpus()[0]?.model, secondsPerSession: seconds, sessions: 2, channels: 4, unitSnr: snr, results };
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(join(root, "bench", "results", "sorting.json"), `${JSON.stringify(report, null, 1)}\n`);
    console.log(JSON.stringify(report, null, 1));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
