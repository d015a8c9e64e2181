/**
 * `rplpipe job sort-task|finish MANIFEST`: what the sbatch scripts of `rplpipe submit` run inside Slurm
 * (src/slurm/sort-task.ts, src/slurm/finish.ts). Not meant to be typed by hand, but safe to rerun.
 */
import { finishRound } from "../../slurm/finish.js";
import { runSortTask } from "../../slurm/sort-task.js";
import { keyText } from "../../ledger/index.js";
import type { Command } from "../command.js";
import { UsageError } from "../usage-error.js";

export const jobCommand: Command = {
  name: "job",
  summary: "(inside Slurm jobs of rplpipe submit) sort-task MANIFEST | finish MANIFEST",
  usage: [
    "Usage: rplpipe job sort-task MANIFEST [--sort-pool DIR | --sort-prefix DIR]",
    "       rplpipe job finish MANIFEST",
    "",
    "sort-task: sorts the channel SLURM_ARRAY_TASK_ID indexes in the manifest's sortChannels (rplpipe run DAY",
    "  --stages sort --channels N, with the ledger). Exit code 1 when the sort failed (Slurm marks the task FAILED).",
    "finish: after a submission round, resubmits every job of the day the ledger does not show done (up to the",
    "  submission's --retries rounds), else runs its --notify-cmd once.",
  ].join("\n"),
  options: { "sort-pool": { type: "string" }, "sort-prefix": { type: "string" } },
  async run({ positionals, values, stdout, stderr }) {
    const [sub, manifest, ...rest] = positionals;
    if (!manifest || rest.length) throw new UsageError("expected `job sort-task MANIFEST` or `job finish MANIFEST`");
    if (sub === "sort-task") {
      const pool = typeof values["sort-pool"] === "string" ? values["sort-pool"] : undefined;
      const prefix = typeof values["sort-prefix"] === "string" ? values["sort-prefix"] : undefined;
      const { channel, summary } = await runSortTask(manifest, { ...(pool ? { sortPool: pool } : {}), ...(prefix ? { sortPrefix: prefix } : {}) });
      stdout.write(`channel ${channel}: sorted ${summary.written.sort}, already sorted ${summary.skipped.sort}, failures ${summary.failures.length}\n`);
      for (const f of summary.failures) stderr.write(`  [${f.code}] ${f.message}\n`);
      return summary.failures.length ? 1 : 0;
    }
    if (sub === "finish") {
      const r = await finishRound(manifest);
      stdout.write(`${r.outstanding.length} job(s) not done${r.outstanding.length ? `: ${r.outstanding.slice(0, 20).map(keyText).join(", ")}` : ""}\n`);
      if (r.next) stdout.write(`resubmitted as round ${r.next.round}: ${r.next.dir}\n`);
      else stdout.write(`${r.action}${r.notifyStatus !== undefined && r.notifyStatus !== null ? ` (notify exit ${r.notifyStatus})` : ""}\n`);
      return 0;
    }
    throw new UsageError(`unknown job "${String(sub)}"; expected sort-task or finish`);
  },
};
