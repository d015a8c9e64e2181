/** `rplpipe envs provision` and `rplpipe envs create-sorter` (see src/envs/provision.ts). */
import { createSorterEnv, provisionCopies, provisionFromPack, unpackCondaPack } from "../../envs/provision.js";
import type { SlotInfo, SlotPool } from "../../envs/slot-pool.js";
import type { CommandContext } from "../command.js";
import { UsageError } from "../usage-error.js";

function countOf(v: CommandContext["values"]): number | undefined {
  const s = v.count;
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== "string" || !Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError(`--count must be an integer between 1 and 10000, got ${JSON.stringify(s)}`);
  return n;
}

/** provision: copies of --template, or unpacked --from-pack archives; --register adds them to the pool. */
export async function provisionCmd(args: string[], ctx: CommandContext, pool: () => SlotPool): Promise<number> {
  const v = ctx.values;
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  if (typeof v.dest !== "string") throw new UsageError("provision needs --dest DIR");
  const namePrefix = typeof v["name-prefix"] === "string" ? v["name-prefix"] : "cenv";
  const count = countOf(v);
  const onCopy = (s: SlotInfo, what: string): void => void ctx.stdout.write(`${what} ${s.name} ${s.prefix}\n`);
  let slots: SlotInfo[];
  if (typeof v["from-pack"] === "string") {
    if (v.template !== undefined) throw new UsageError("--from-pack and --template exclude each other");
    if (count === undefined) {
      unpackCondaPack(v["from-pack"], v.dest);
      const name = v.dest.replace(/\/+$/, "").split("/").pop() ?? v.dest;
      slots = [{ name, prefix: v.dest }];
      onCopy(slots[0]!, "unpacked");
    } else {
      slots = provisionFromPack(v["from-pack"], { dest: v.dest, count, namePrefix, onCopy });
    }
  } else {
    if (typeof v.template !== "string") throw new UsageError("provision needs --template PREFIX or --from-pack FILE");
    if (count === undefined) throw new UsageError("provision --template needs --count N");
    slots = provisionCopies({ template: v.template, count, dest: v.dest, namePrefix, onCopy });
  }
  if (v.register) {
    const p = pool();
    const r = await p.init({ slots }, { merge: true });
    ctx.stdout.write(`registered ${slots.length} slots in pool ${p.dir} (${r.slots.length} slots in all)\n`);
  }
  return 0;
}

/** create-sorter: the pinned MountainSort template venv (idempotent). */
export async function createSorterCmd(args: string[], ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  if (typeof v.dest !== "string") throw new UsageError("create-sorter needs --dest DIR");
  ctx.stderr.write(`rplpipe envs create-sorter: preparing ${v.dest} (python -m venv + pip install from PyPI unless up to date)\n`);
  const r = createSorterEnv({
    dest: v.dest,
    python: typeof v.python === "string" ? v.python : undefined,
    requirements: typeof v.requirements === "string" ? v.requirements : undefined,
  });
  ctx.stdout.write(`${r.created ? "created" : "up to date"} ${r.python}\n`);
  return 0;
}
