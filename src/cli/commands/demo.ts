/** `rplpipe demo [DIR]`: writes a realistic synthetic recording day, then runs the whole pipeline on it. */
import { join, resolve } from "node:path";
import { writeSyntheticDay } from "../../synth/day.js";
import { runPipeline } from "../../pipeline/run.js";
import { createSorterEnv } from "../../envs/provision.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";
import { Progress } from "../progress.js";

function num(name: string, v: string | boolean | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${String(v)}"`);
  return n;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "write a realistic synthetic recording day and run the pipeline on it",
  usage: [
    "Usage: rplpipe demo [DIR] [--seconds S] [--arrays N] [--channels-per-array N] [--seed N] [--no-run]",
    "",
    "Writes DIR/demo/20181105/session01 and …/sessioneye (default DIR: ./demo-day), each with a Ripple-style",
    ".ns5 (NSx 2.2, 30 kHz: noise, LFP rhythms, 60 Hz mains, spikes of a few units) and a .nev with trial",
    "markers, plus ground-truth.json (the units' spike times); then runs `rplpipe run` on the day, sorting",
    "with MountainSort 4 in DIR/sorter-env (a venv `rplpipe envs create-sorter` builds from PyPI on first use).",
    "",
    "Options:",
    "  --seconds S               seconds per session (default 60)",
    "  --arrays N                arrays of 32 channels (default 2)",
    "  --channels-per-array N    channels recorded per array (default 4)",
    "  --seed N                  random seed (default 1)",
    "  --no-run                  only write the recordings",
    "  --no-sort                 run every stage but the spike sorting (no sorter environment needed)",
  ].join("\n"),
  options: {
    seconds: { type: "string" },
    arrays: { type: "string" },
    "channels-per-array": { type: "string" },
    seed: { type: "string" },
    "no-run": { type: "boolean" },
    "no-sort": { type: "boolean" },
  },
  async run({ positionals, values, stdout, stderr }) {
    if (positionals.length > 1) throw new UsageError(`expected at most one DIR, got ${positionals.length}`);
    const root = resolve(positionals[0] ?? "demo-day");
    const day = join(root, "demo", "20181105");
    const t0 = performance.now();
    const sessions = writeSyntheticDay(day, {
      seconds: num("seconds", values.seconds, 60),
      arrays: num("arrays", values.arrays, 2),
      channelsPerArray: num("channels-per-array", values["channels-per-array"], 4),
      seed: num("seed", values.seed, 1),
    });
    stdout.write(`rplpipe demo: wrote ${sessions.length} sessions to ${day} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    for (const s of sessions) stdout.write(`  ${s.name}: ${s.ns5}, ${s.nev} (${s.electrodeIds.length} channels, ${s.units.length} units)\n`);
    if (values["no-run"]) return 0;
    let sortPrefix: string | undefined;
    if (!values["no-sort"]) {
      sortPrefix = join(root, "sorter-env");
      stdout.write(`rplpipe demo: sorter environment ${sortPrefix} (first use installs MountainSort 4 from PyPI, a minute or two)\n`);
      createSorterEnv({ dest: sortPrefix });
    }
    stdout.write(`rplpipe demo: running the pipeline on ${day}\n`);
    const progress = new Progress(stderr as NodeJS.WritableStream & { isTTY?: boolean });
    const summary = await runPipeline(day, {
      onEvent: progress.onEvent,
      ...(sortPrefix ? { stages: ["parallel", "split", "lfp", "highpass", "sort"] as const, sort: { prefix: sortPrefix } } : { stages: ["parallel", "split", "lfp", "highpass"] as const }),
    });
    progress.finish();
    stdout.write(
      `rplpipe demo: ${summary.written.split} raw, ${summary.written.lfp} LFP, ${summary.written.highpass} spike-band and ` +
        `${summary.written.parallel} marker files, ${summary.written.sort} channels sorted (${(summary.bytesWritten / 1e6).toFixed(1)} MB) in ${summary.seconds.toFixed(1)} s with ${summary.workers} workers` +
        (summary.failures.length ? `; ${summary.failures.length} failure(s): ${summary.failures.map((f) => `${f.stage} ${f.message}`).join("; ")}` : "") +
        "\n",
    );
    return summary.failures.length ? 1 : 0;
  },
};
