/** `rplpipe submit DIR`: the day as Slurm jobs (src/slurm/submit.ts, docs/cluster.md). */
import { readFileSync } from "node:fs";
import { kStages, type Stage } from "../../pipeline/plan.js";
import type { Manifest } from "../../slurm/manifest.js";
import { submitDays } from "../../slurm/submit.js";
import type { SubmitOptions } from "../../slurm/submit-options.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

function str(v: string | boolean | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function int(name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^\d+$/.test(v.trim())) throw new UsageError(`--${name} expects a whole number, got "${String(v)}"`);
  return Number(v);
}

/** rplpipe run's filter options, passed through to the split jobs unchanged (rplpipe run validates them). */
const kRunPassThrough = ["resample-rate", "lfp-order", "low-pass", "high-order", "high-pass", "filter-form", "memory-mb"] as const;

function stagesOf(values: Record<string, string | boolean | undefined>): Stage[] | undefined {
  let stages = typeof values.stages === "string" ? values.stages.split(",").map((s) => s.trim()).filter(Boolean) : undefined;
  if (typeof values.outputs === "string") {
    const map: Record<string, Stage> = { raw: "split", lfp: "lfp", highpass: "highpass" };
    const chosen = values.outputs.split(",").map((s) => s.trim()).filter(Boolean).map((o) => {
      if (!map[o]) throw new UsageError(`--outputs: unknown output "${o}"; outputs: raw, lfp, highpass`);
      return map[o]!;
    });
    stages = (stages ?? [...kStages]).filter((s) => s === "parallel" || s === "sort" || chosen.includes(s as Stage));
  }
  for (const s of stages ?? []) if (!(kStages as readonly string[]).includes(s)) throw new UsageError(`--stages: unknown stage "${s}"; stages: ${kStages.join(", ")}`);
  return stages as Stage[] | undefined;
}

function describe(m: Manifest, dry: boolean): string {
  const lines = [`${m.day}: round ${m.round}, scripts in ${m.dir}`];
  for (const [s, p] of Object.entries(m.scripts.split)) lines.push(`  split ${s}: ${dry ? p : `job ${m.jobs.split[s]}`}`);
  if (m.scripts.sort) lines.push(`  sort: ${m.sortChannels.length} channel(s) as an array${dry ? `: ${m.scripts.sort}` : ` job ${m.jobs.sort}`}`);
  if (m.scripts.finish) lines.push(`  finish (retries ${m.options.retries}${m.options.notifyCmd ? ", notify" : ""}): ${dry ? m.scripts.finish : `job ${m.jobs.finish}`}`);
  for (const w of m.warnings) lines.push(`  warning: ${w}`);
  if (dry) {
    const files = [...Object.values(m.scripts.split), m.scripts.sort, m.scripts.finish].filter((x): x is string => !!x);
    for (const f of files) lines.push("", `# ---- ${f}`, readFileSync(f, "utf8").trimEnd());
    lines.push("", "# dry run: nothing submitted. Dependencies set at submission: sort --dependency=afterok:<split jobs>; finish --dependency=afterany:<all>.");
  }
  return lines.join("\n");
}

export const submitCommand: Command = {
  name: "submit",
  summary: "run a day as Slurm jobs: split per session, a sort array over channels, retries, notify",
  usage: [
    "Usage: rplpipe submit DIR [options]",
    "",
    "DIR is a day (or a subject directory: every day below it). Writes sbatch scripts into DAY/.rplpipe/slurm/",
    "and submits: per session one split job (the .ns5 read once; raw, LFP, spike band, markers), then one array",
    "job over the day's channels for sorting (--dependency=afterok on the split jobs, at most --slots at once),",
    "then a finisher (afterany) that resubmits whatever failed, up to --retries times, and finally runs",
    "--notify-cmd once. Jobs record their work in the day's ledger: see rplpipe status / rplpipe errors.",
    "",
    "Options:",
    "  --partition NAME      sbatch --partition for every job",
    "  --time T              split job time limit (default 24:00:00)     --sort-time T   per sort task (24:00:00)",
    "  --mem M               split job memory (e.g. 16G)                 --sort-mem M    per sort task",
    "  --cpus N              split job --cpus-per-task (default 4)       --sort-cpus N   per sort task (1)",
    "  --slots N             sort tasks at once (the array's %N; default the slot pool's size, else 4)",
    "  --sbatch-flags FLAGS  extra sbatch flags for every job, written with =, e.g.\n                        --sbatch-flags=\"--account=lab --qos=long\" (repeatable)",
    "  --retries N           resubmit failed jobs up to N times (default 1)",
    "  --notify-cmd CMD      shell command run once when the day is done (env RPLPIPE_DAY, RPLPIPE_STATE=done|failed)",
    `  --stages LIST         default all: ${kStages.join(",")}      --outputs raw,lfp,highpass   files to keep`,
    "  --sorter ms4|ms5      --sort-timeout S   as rplpipe run",
    "  --sort-pool DIR       slot pool of sorter environments on the shared volume",
    "  --sort-prefix DIR     one sorter environment (sorts then run one at a time)",
    "  --from-pack FILE      conda-pack archive: each node unpacks --pack-slots environments into --node-scratch",
    "                        (default /tmp) at job start and later jobs on that node reuse them",
    "  --rplpipe CMD         how nodes start rplpipe (default this node's `node …/dist/cli/main.js`)",
    "  --resample-rate, --lfp-order, --low-pass, --high-order, --high-pass, --filter-form, --memory-mb: as rplpipe run",
    "  --dry-run             write and print the scripts, submit nothing",
    "  --json                print the manifests as JSON",
  ].join("\n"),
  options: {
    partition: { type: "string" },
    time: { type: "string" },
    "sort-time": { type: "string" },
    mem: { type: "string" },
    "sort-mem": { type: "string" },
    cpus: { type: "string" },
    "sort-cpus": { type: "string" },
    slots: { type: "string" },
    "sbatch-flags": { type: "string", multiple: true },
    retries: { type: "string" },
    "notify-cmd": { type: "string" },
    stages: { type: "string" },
    outputs: { type: "string" },
    sorter: { type: "string" },
    "sort-timeout": { type: "string" },
    "sort-pool": { type: "string" },
    "sort-prefix": { type: "string" },
    "from-pack": { type: "string" },
    "node-scratch": { type: "string" },
    "pack-slots": { type: "string" },
    rplpipe: { type: "string" },
    ...Object.fromEntries(kRunPassThrough.map((k) => [k, { type: "string" as const }])),
    "dry-run": { type: "boolean" },
    json: { type: "boolean" },
  },
  async run({ positionals, values, stdout }) {
    if (positionals.length !== 1) throw new UsageError(`expected one DIR, got ${positionals.length}`);
    const flags = (values["sbatch-flags"] as unknown as string[] | undefined) ?? [];
    const sorter = str(values.sorter);
    if (sorter !== undefined && sorter !== "ms4" && sorter !== "ms5") throw new UsageError(`--sorter expects ms4 or ms5, got "${sorter}"`);
    const timeout = values["sort-timeout"] === undefined ? undefined : Number(values["sort-timeout"]);
    if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--sort-timeout expects a positive number of seconds`);
    const runArgs = kRunPassThrough.flatMap((k) => (typeof values[k] === "string" ? [`--${k}`, values[k] as string] : []));
    const o: SubmitOptions = Object.fromEntries(
      Object.entries({
        stages: stagesOf(values),
        runArgs,
        partition: str(values.partition),
        time: str(values.time),
        sortTime: str(values["sort-time"]),
        mem: str(values.mem),
        sortMem: str(values["sort-mem"]),
        cpus: int("cpus", values.cpus),
        sortCpus: int("sort-cpus", values["sort-cpus"]),
        slots: int("slots", values.slots),
        sbatchFlags: flags.flatMap((f) => f.split(/\s+/).filter(Boolean)),
        retries: int("retries", values.retries),
        notifyCmd: str(values["notify-cmd"]),
        sorter: sorter as "ms4" | "ms5" | undefined,
        sortTimeoutS: timeout,
        sortPool: str(values["sort-pool"]),
        sortPrefix: str(values["sort-prefix"]),
        fromPack: str(values["from-pack"]),
        nodeScratch: str(values["node-scratch"]),
        packSlots: int("pack-slots", values["pack-slots"]),
        rplpipe: str(values.rplpipe),
        dryRun: values["dry-run"] === true,
      }).filter(([, v]) => v !== undefined),
    );
    let manifests: Manifest[];
    try {
      manifests = await submitDays(positionals[0]!, o);
    } catch (e) {
      // Option errors from the library name the option as options.x; say it as the CLI flag.
      if (e instanceof TypeError || e instanceof RangeError) throw new UsageError(e.message.replace(/options\.(\w+)/g, (_, k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
      throw e;
    }
    stdout.write(values.json ? `${JSON.stringify(manifests, null, 2)}\n` : `${manifests.map((m) => describe(m, o.dryRun === true)).join("\n\n")}\n`);
    return 0;
  },
};
