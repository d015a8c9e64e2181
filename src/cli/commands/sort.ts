/** `rplpipe sort DIR`: MountainSort each channel's spike band over a day's sessions and export the cells (docs/sorting.md). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { discover } from "../../layout/discover.js";
import { openSlotPool, type Slot } from "../../envs/slot-pool.js";
import type { SlotPoolLike, SortChannelResult } from "../../sort/sort-channel.js";
import { sortDay, type SortDaySummary } from "../../sort/sort-day.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

function ints(name: string, v: string | boolean | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} expects a comma-separated list`);
  return v.split(",").map((x) => x.trim()).filter(Boolean).map((x) => {
    if (!/^\d+$/.test(x)) throw new UsageError(`--${name}: "${x}" is not a whole number`);
    return Number(x);
  });
}

function positive(name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} expects a positive number, got "${String(v)}"`);
  return n;
}

function channelLine(r: SortChannelResult): string {
  const name = basename(r.dir);
  if (!r.failure) {
    const sessions = new Set(r.cells.map((c) => c.session)).size;
    return `  ${name}: ${r.units} unit(s), ${r.events} spikes, cells in ${sessions} session(s) (${r.seconds.total.toFixed(1)} s, slot ${r.slot ?? "-"})` +
      r.warnings.map((w) => `\n    warning: ${w}`).join("");
  }
  const f = r.failure;
  const tail = f.stderrTail.split("\n").filter(Boolean).slice(-6).map((l) => `      | ${l}`);
  return [`  ${name}: FAILED in ${f.stage} [${f.code}] ${f.message}`, ...(tail.length ? ["    sorter stderr (last lines):", ...tail] : [])].join("\n");
}

function text(s: SortDaySummary): string {
  const ok = s.channels.filter((c) => c.ok).length;
  return [`sorted ${ok} of ${s.channels.length} channel(s) of ${s.dayDir} with ${s.sorter} in ${s.seconds.toFixed(1)} s`, ...s.channels.map(channelLine)].join("\n");
}

export const sortCommand: Command = {
  name: "sort",
  summary: "MountainSort each channel over the day's sessions and export cellNN spike trains",
  usage: [
    "Usage: rplpipe sort DIR [options]",
    "",
    "DIR is a day (…/picasso/20181105) or a directory below it (a channel directory sorts that channel).",
    "Needs each session's arrayNN/channelNNN/rplhighpass_b59f.hkl (rplpipe run). Per channel, as PyHipp's",
    "mountain_batch + export_mountain_cells (with two fixes, docs/sorting.md):",
    "  mountains/channelNNN/{start_indices.csv, sort.json, output/{firings.mda, templates.mda, templates.hkl, metrics.json}}",
    "  sessionXX/arrayNN/channelNNN/cellNN/{spiketrain.csv, spiketrain_d41d.hkl}",
    "A channel that fails (sorter crash, time limit, sorter not installed) is reported with the sorter's last",
    "stderr lines; the others go on. Exit code 1 when any channel failed.",
    "",
    "Options:",
    "  --channels LIST       electrode ids, e.g. 9,31 (default every channel directory)",
    "  --sessions LIST       session names to join (default all: session01, …, sessioneye)",
    "  --sorter NAME         ms4 (default; the lab's MountainSort 4 parameters) or ms5 (MountainSort 5, scheme 2)",
    "  --pool DIR            sorter slot pool (rplpipe envs); each channel leases a slot while its sorter runs",
    "  --prefix DIR          or: one sorter environment prefix (DIR/bin/python with mountainsort4/5)",
    "  --jobs N              channels sorted at once (default 4 with --pool, 1 with --prefix)",
    "  --sort-timeout S      time limit per channel's sorter, seconds (default 600 + the recording's duration)",
    "  --keep-dataset        keep mountains/channelNNN/dataset/raw_data.mda",
    "  --no-export           sort only; do not write cellNN directories",
    "  --json                print the summary as JSON on stdout",
  ].join("\n"),
  options: {
    channels: { type: "string" },
    sessions: { type: "string" },
    sorter: { type: "string" },
    pool: { type: "string" },
    prefix: { type: "string" },
    jobs: { type: "string" },
    "sort-timeout": { type: "string" },
    "keep-dataset": { type: "boolean" },
    "no-export": { type: "boolean" },
    json: { type: "boolean" },
  },
  async run({ positionals, values, stdout, stderr }) {
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    const sorter = values.sorter ?? "ms4";
    if (sorter !== "ms4" && sorter !== "ms5") throw new UsageError(`--sorter expects ms4 or ms5, got "${String(sorter)}"`);
    if ((values.pool === undefined) === (values.prefix === undefined)) throw new UsageError("give the sorter environment: --pool DIR or --prefix DIR (one of them)");
    for (const k of ["pool", "prefix"] as const) if (values[k] !== undefined && (typeof values[k] !== "string" || values[k] === "")) throw new UsageError(`--${k} expects a directory`);
    const d = discover(positionals[0]!);
    if (!d.ancestors.day || d.days.length !== 1) throw new UsageError(`${d.path} is not a day directory or below one`);
    let channels = ints("channels", values.channels);
    const m = d.ancestors.channel ? /(\d+)$/.exec(basename(d.ancestors.channel)) : null;
    if (m) channels = [Number(m[1])];
    const sessions = typeof values.sessions === "string" ? values.sessions.split(",").map((x) => x.trim()).filter(Boolean) : undefined;
    const timeout = positive("sort-timeout", values["sort-timeout"]);
    const jobs = positive("jobs", values.jobs);
    if (jobs !== undefined && !Number.isInteger(jobs)) throw new UsageError("--jobs expects a whole number");
    let scratch: string | undefined;
    let where: { pool: SlotPoolLike } | { slot: Slot };
    if (typeof values.pool === "string") {
      const pool = openSlotPool(resolve(values.pool));
      await pool.status(); // ERR_NO_POOL now, not once per channel
      where = { pool };
    }
    else {
      scratch = mkdtempSync(join(tmpdir(), "rplpipe-sort-"));
      where = { slot: { name: "prefix", prefix: resolve(values.prefix as string), scratch } };
    }
    try {
      const summary = await sortDay(d.ancestors.day, {
        ...where,
        sorter,
        exportCells: values["no-export"] !== true,
        keepDataset: values["keep-dataset"] === true,
        onChannel: (r) => stderr.write(`${new Date().toISOString()} ${channelLine(r).trimStart()}\n`),
        ...(channels ? { channels } : {}),
        ...(sessions ? { sessions } : {}),
        ...(timeout ? { timeoutMs: Math.round(timeout * 1000) } : {}),
        ...(jobs ? { jobs } : {}),
      });
      stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${text(summary)}\n`);
      return summary.failures.length ? 1 : 0;
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  },
};
