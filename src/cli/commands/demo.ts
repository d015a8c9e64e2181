/** `rplpipe demo [DIR]`: writes a realistic synthetic recording day, then summarises what was written. */
import { resolve } from "node:path";
import { writeSyntheticDay } from "../../synth/day.js";
import { summarizeRecordings } from "../../io/summary.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

function num(name: string, v: string | boolean | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${String(v)}"`);
  return n;
}

export const demoCommand: Command = {
  name: "demo",
  summary: "write a realistic synthetic recording day (session01 + sessioneye)",
  usage: [
    "Usage: rplpipe demo [DIR] [--seconds S] [--arrays N] [--channels-per-array N] [--seed N]",
    "",
    "Writes DIR/session01 and DIR/sessioneye (default DIR: ./demo-day), each with a Ripple-style .ns5 (NSx 2.2,",
    "30 kHz: noise, LFP rhythms, 60 Hz mains, spikes of a few units) and a .nev with trial markers, plus",
    "DIR/ground-truth.json (the units' spike times).",
    "",
    "Options:",
    "  --seconds S               seconds per session (default 60)",
    "  --arrays N                arrays of 32 channels (default 2)",
    "  --channels-per-array N    channels recorded per array (default 4)",
    "  --seed N                  random seed (default 1)",
  ].join("\n"),
  options: {
    seconds: { type: "string" },
    arrays: { type: "string" },
    "channels-per-array": { type: "string" },
    seed: { type: "string" },
  },
  async run({ positionals, values, stdout }) {
    if (positionals.length > 1) throw new UsageError(`expected at most one DIR, got ${positionals.length}`);
    const dir = resolve(positionals[0] ?? "demo-day");
    const t0 = performance.now();
    const sessions = writeSyntheticDay(dir, {
      seconds: num("seconds", values.seconds, 60),
      arrays: num("arrays", values.arrays, 2),
      channelsPerArray: num("channels-per-array", values["channels-per-array"], 4),
      seed: num("seed", values.seed, 1),
    });
    const ms = performance.now() - t0;
    stdout.write(`rplpipe demo: wrote ${sessions.length} sessions to ${dir} in ${(ms / 1000).toFixed(1)} s\n`);
    for (const s of sessions) {
      const [nsx, nev] = [summarizeRecordings(s.ns5)[0]!, summarizeRecordings(s.nev)[0]!];
      const ch = nsx.kind === "nsx" ? `${nsx.channels.length} channels × ${nsx.totalSeconds.toFixed(1)} s at ${nsx.samplingRate} Hz` : "";
      const ev = nev.kind === "nev" ? `${nev.digital.parallelPortNeo} parallel-port markers` : "";
      stdout.write(`  ${s.name}: ${s.ns5} (${ch}), ${s.nev} (${ev}), ${s.units.length} units\n`);
    }
    return 0;
  },
};
