/** `rplpipe run DIR`: PyHipp's RPLParallel, RPLSplit, RPLLFP and RPLHighPass outputs for a day, session or channel. */
import { runPipeline, type RunOptions, type RunSummary } from "../../pipeline/run.js";
import { kStages, type Stage } from "../../pipeline/plan.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";
import { Progress } from "../progress.js";

function list(name: string, v: string | boolean | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} expects a comma-separated list`);
  return v.split(",").map((x) => x.trim()).filter(Boolean);
}

function ints(name: string, v: string | boolean | undefined): number[] | undefined {
  const l = list(name, v);
  return l?.map((x) => {
    if (!/^\d+$/.test(x)) throw new UsageError(`--${name}: "${x}" is not a whole number`);
    return Number(x);
  });
}

function num(name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got "${String(v)}"`);
  return n;
}

function pair(name: string, v: string | boolean | undefined): [number, number] | undefined {
  const l = list(name, v);
  if (!l) return undefined;
  if (l.length !== 2) throw new UsageError(`--${name} expects LOW,HIGH in Hz`);
  return [num(name, l[0]!)!, num(name, l[1]!)!];
}

function text(s: RunSummary): string {
  const k: Stage[] = ["parallel", "split", "lfp", "highpass", "sort"];
  const lines = [
    `${s.dryRun ? "dry run: would process" : "processed"} ${s.sessions.length} session(s) with ${s.workers} worker(s)` +
      (s.dryRun ? "" : ` in ${s.seconds.toFixed(1)} s, ${(s.bytesWritten / 1e6).toFixed(1)} MB written`),
    ...s.sessions.map((x) => `  ${x.name}: ${x.channels} channel(s), ${x.samples} samples each${x.warnings.map((w) => `\n    warning: ${w}`).join("")}`),
    `  written: ${k.map((x) => `${x} ${s.written[x]}`).join(", ")}; already present (kept): ${k.map((x) => `${x} ${s.skipped[x]}`).join(", ")}`,
  ];
  const some = (r: Record<Stage, number>) => k.some((x) => r[x] > 0);
  const counts = (r: Record<Stage, number>) => k.filter((x) => r[x] > 0).map((x) => `${x} ${r[x]}`).join(", ");
  if (some(s.heldByOthers)) lines.push(`  left to other processes that hold them (ledger): ${counts(s.heldByOthers)}`);
  if (some(s.doneByOthers)) lines.push(`  done meanwhile by other processes (ledger): ${counts(s.doneByOthers)}`);
  if (some(s.failedByOthers)) lines.push(`  failed meanwhile in other processes (ledger; see rplpipe errors): ${counts(s.failedByOthers)}`);
  for (const w of s.warnings) lines.push(`  warning: ${w}`);
  if (s.failures.length) {
    lines.push(`  ${s.failures.length} failure(s):`);
    for (const f of s.failures) lines.push(`    ${f.session}${f.electrodeId !== undefined ? ` channel ${f.electrodeId}` : ""} ${f.stage}: [${f.code}] ${f.message}`);
  }
  return lines.join("\n");
}

export const runCommand: Command = {
  name: "run",
  summary: "write PyHipp's rplraw / rpllfp / rplhighpass / rplparallel files for a day, session or channel",
  usage: [
    "Usage: rplpipe run DIR [options]",
    "",
    "DIR is a day (…/picasso/20181105), a session, an array or a channel directory (or a subject directory",
    "above days). Reads each session's .ns5 once and writes, in PyHipp's layout and names:",
    "  sessionXX/rplparallel_d41d.hkl and sessionXX/arrayNN/channelNNN/{rplraw_d41d,rpllfp_6eca,rplhighpass_b59f}.hkl",
    "Existing outputs are kept unless --redo. Exit code 1 when anything failed (the summary lists each failure).",
    "Every output is a job in the day's ledger (DAY/.rplpipe/ledger, docs/ledger.md): runs started at once on",
    "one or several nodes share the work, each job done once; jobs another process holds are skipped.",
    "",
    "Options:",
    `  --stages LIST         stages to run (default all): ${kStages.join(",")}`,
    "  --outputs LIST        which per-channel files to keep: raw,lfp,highpass (default all; same as the stages",
    "                        split,lfp,highpass; the spike band and LFP never need the raw file on disk)",
    "  --channels LIST       electrode ids, e.g. 9,31 (default every µV channel)",
    "  --sessions LIST       session directory names, e.g. session01,sessioneye",
    "  --workers N           worker threads (default: CPUs available, honouring cgroups and SLURM_CPUS_PER_TASK)",
    "  --redo                recompute outputs that exist (concurrent --redo runs still do each job once)",
    "  --redo-since TIME     with --redo: jobs done since TIME (ISO or ms) are not redone (default: this run's",
    "                        start); give the runs of one batch the same TIME so each job is redone once",
    "  --retry-errors        rerun only the jobs whose ledger record says error, nothing else",
    "  --dry-run             print the plan only",
    "  --json                print the summary as JSON on stdout",
    "  --resample-rate HZ    RPLLFP ResampleRate (default 1000)",
    "  --lfp-order N         RPLLFP LFPOrder (default 8: a 4th-order band-pass)",
    "  --low-pass LO,HI      RPLLFP LowPassFrequency (default 1,150)",
    "  --high-order N        RPLHighPass HighOrder (default 8)",
    "  --high-pass LO,HI     RPLHighPass HighPassFrequency (default 500,7500)",
    "  --filter-form F       sos (default, stable) or ba (PyHipp's transfer-function arithmetic)",
    "  --memory-mb MB        channel samples held at once (default a quarter of the machine's memory)",
    "  --buffered-io         write outputs through the page cache only (default: their bulk goes to disk with",
    "                        O_DIRECT where the file system allows it; every output is synced either way)",
    "  --sorter S            ms4 (default, the lab's MountainSort 4 parameters) or ms5",
    "  --sort-pool DIR       slot pool of sorter environments (default $RPLPIPE_ENV_POOL, or the nearest",
    "                        .rplpipe/envs above DIR; without any, sort is skipped with a warning)",
    "  --sort-prefix DIR     one sorter environment (e.g. from `rplpipe envs create-sorter`) instead of a pool",
    "  --sort-timeout S      seconds a channel's sort may take before it is killed and recorded as failed",
  ].join("\n"),
  options: {
    stages: { type: "string" },
    outputs: { type: "string" },
    channels: { type: "string" },
    sessions: { type: "string" },
    workers: { type: "string" },
    redo: { type: "boolean" },
    "retry-errors": { type: "boolean" },
    "redo-since": { type: "string" },
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
    "resample-rate": { type: "string" },
    "lfp-order": { type: "string" },
    "low-pass": { type: "string" },
    "high-order": { type: "string" },
    "high-pass": { type: "string" },
    "filter-form": { type: "string" },
    "memory-mb": { type: "string" },
    "buffered-io": { type: "boolean" },
    sorter: { type: "string" },
    "sort-pool": { type: "string" },
    "sort-prefix": { type: "string" },
    "sort-timeout": { type: "string" },
  },
  async run({ positionals, values, stdout, stderr }) {
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    let stages = list("stages", values.stages);
    const outputs = list("outputs", values.outputs);
    if (outputs) {
      const map: Record<string, Stage> = { raw: "split", lfp: "lfp", highpass: "highpass" };
      for (const o of outputs) if (!map[o]) throw new UsageError(`--outputs: unknown output "${o}"; outputs: raw, lfp, highpass`);
      const chosen = outputs.map((o) => map[o]!);
      stages = (stages ?? [...kStages]).filter((s) => s === "parallel" || chosen.includes(s as Stage));
    }
    for (const s of stages ?? []) if (!(kStages as readonly string[]).includes(s)) throw new UsageError(`--stages: unknown stage "${s}"; stages: ${kStages.join(", ")}`);
    if (values.redo === true && values["retry-errors"] === true) throw new UsageError("--redo and --retry-errors exclude each other: --redo reruns every job, --retry-errors only the failed ones");
    const sinceText = values["redo-since"];
    let since: number | undefined;
    if (sinceText !== undefined) {
      since = typeof sinceText === "string" ? (/^\d+$/.test(sinceText) ? Number(sinceText) : Date.parse(sinceText)) : NaN;
      if (!Number.isFinite(since)) throw new UsageError(`--redo-since expects an ISO time or ms since the epoch, got "${String(sinceText)}"`);
      if (values.redo !== true) throw new UsageError("--redo-since needs --redo");
    }
    const form = values["filter-form"];
    if (form !== undefined && form !== "sos" && form !== "ba") throw new UsageError(`--filter-form expects sos or ba, got "${String(form)}"`);
    const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
    const memoryMb = num("memory-mb", values["memory-mb"]);
    const sorter = values.sorter;
    if (sorter !== undefined && sorter !== "ms4" && sorter !== "ms5") throw new UsageError(`--sorter expects ms4 or ms5, got "${String(sorter)}"`);
    const sortTimeout = num("sort-timeout", values["sort-timeout"]);
    const options: RunOptions = drop({
      stages: stages as Stage[] | undefined,
      channels: ints("channels", values.channels),
      sessions: list("sessions", values.sessions),
      workers: num("workers", values.workers),
      redo: values.redo === true,
      retryErrors: values["retry-errors"] === true,
      redoSince: since,
      dryRun: values["dry-run"] === true,
      memoryBudget: memoryMb === undefined ? undefined : memoryMb * 1e6,
      directIo: values["buffered-io"] === true ? false : undefined,
      lfp: drop({ resampleRate: num("resample-rate", values["resample-rate"]), lfpOrder: num("lfp-order", values["lfp-order"]), lowPassFrequency: pair("low-pass", values["low-pass"]), form: form as "sos" | "ba" | undefined }),
      highpass: drop({ highOrder: num("high-order", values["high-order"]), highPassFrequency: pair("high-pass", values["high-pass"]), form: form as "sos" | "ba" | undefined }),
      sort: drop({
        sorter: sorter as "ms4" | "ms5" | undefined,
        pool: values["sort-pool"] as string | undefined,
        prefix: values["sort-prefix"] as string | undefined,
        timeoutMs: sortTimeout === undefined ? undefined : sortTimeout * 1000,
      }),
    });
    const progress = new Progress(stderr as NodeJS.WritableStream & { isTTY?: boolean });
    options.onEvent = progress.onEvent;
    let summary: RunSummary;
    try {
      summary = await runPipeline(positionals[0]!, options);
    } finally {
      progress.finish();
    }
    if (values.json) stdout.write(JSON.stringify(summary, null, 2) + "\n");
    else stdout.write(text(summary) + "\n");
    return summary.failures.length ? 1 : 0;
  },
};
