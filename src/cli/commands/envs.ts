/**
 * `rplpipe envs <sub>`: the environment slot pool (init, acquire, release, status, envlist) and provisioning
 * (provision, create-sorter, in envs-provision.ts). Argument handling only; the work is in src/envs/.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { RplpipeError } from "../../errors.js";
import { acquireForCaller, parseEnvlistArgs, runEnvlist } from "../../envs/envlist.js";
import { openSlotPool, type SlotPool, type SlotPoolOptions, type SlotStatus } from "../../envs/slot-pool.js";
import type { Command, CommandContext } from "../command.js";
import { UsageError } from "../usage-error.js";
import { createSorterCmd, provisionCmd } from "./envs-provision.js";

type Values = CommandContext["values"];

const usage = `Usage: rplpipe envs <subcommand> [options]

Slot pool (a directory shared by all nodes; default: nearest .rplpipe/envs above the current or --root
directory, or $RPLPIPE_ENV_POOL):
  envs init --prefix cenv --count 64      slots are conda env names cenv0..cenv63 (resolved when used)
  envs init --paths DIR...                slots are environment prefixes (name = last path component)
  envs acquire [--timeout S]              print a free slot name (least recently released first); it stays
                                          held while the calling shell lives, or until released
  envs release NAME                       give slot NAME back
  envs status [--json]                    every slot: free/held, host, pid, Slurm job, heartbeat age
  envs envlist [NAME | PREFIX COUNT]      PyHipp envlist.py forms: acquire, release NAME, reset the pool

Provisioning:
  envs provision --template PREFIX --count N --dest DIR [--name-prefix cenv] [--register]
  envs provision --from-pack FILE.tar.gz --dest DIR [--count N --name-prefix cenv] [--register]
  envs create-sorter --dest DIR [--python PY] [--requirements FILE]

Options:
  --pool DIR               the pool directory
  --root DIR               data root to search for .rplpipe/envs from (default: current directory)
  --timeout S              acquire: give up after S seconds (default: wait; 0 = fail at once) [exit 1]
  --holder-pid PID         acquire: the process the lease follows (default: the calling shell)
  --heartbeat-timeout S    reclaim another host's lease after S seconds without heartbeat (default 120)
  --json                   status: JSON output`;

const kAllowed: Record<string, string[]> = {
  init: ["pool", "root", "prefix", "count", "paths"],
  acquire: ["pool", "root", "timeout", "holder-pid", "heartbeat-timeout"],
  release: ["pool", "root"],
  status: ["pool", "root", "json", "heartbeat-timeout"],
  envlist: ["pool", "root", "timeout", "holder-pid", "heartbeat-timeout"],
  provision: ["pool", "root", "template", "count", "dest", "name-prefix", "register", "from-pack"],
  "create-sorter": ["dest", "python", "requirements"],
};

/** Errors that mean the request is wrong (unknown slot, no pool, missing file): exit code 2. */
const kUsageCodes = new Set(["ERR_NO_SUCH_SLOT", "ERR_NO_POOL", "ERR_NOT_A_DIRECTORY", "ERR_FILE_OPEN", "ERR_BAD_DEST"]);

/** Number from a CLI option in [min, max]. @throws UsageError. */
export function numberOpt(v: Values, name: string, min: number, max: number, integer = true): number | undefined {
  const s = v[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (typeof s !== "string" || s.trim() === "" || Number.isNaN(n) || n < min || n > max || (integer && !Number.isInteger(n)))
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} between ${min} and ${max}, got ${JSON.stringify(s)}`);
  return n;
}

/**
 * The pool directory: --pool, else $RPLPIPE_ENV_POOL, else the nearest `<dir>/.rplpipe/envs` holding a pool at
 * or above --root (or cwd) — so jobs started in a day or channel directory find the pool of their data root —
 * else `<root or cwd>/.rplpipe/envs` (where `init` creates one).
 */
export function poolDir(v: Values): string {
  if (typeof v.pool === "string") return resolve(v.pool);
  const env = process.env.RPLPIPE_ENV_POOL;
  if (env) return resolve(env);
  const start = resolve(typeof v.root === "string" ? v.root : process.cwd());
  for (let d = start; ; d = dirname(d)) {
    const cand = join(d, ".rplpipe", "envs");
    if (existsSync(join(cand, "pool.json"))) return cand;
    if (dirname(d) === d) break;
  }
  return join(start, ".rplpipe", "envs");
}

/** Opens the pool the options name. */
export function poolFrom(v: Values): SlotPool {
  const opts: SlotPoolOptions = {};
  const hb = numberOpt(v, "heartbeat-timeout", 1, 86_400, false);
  if (hb !== undefined) opts.heartbeatTimeoutMs = hb * 1000;
  return openSlotPool(poolDir(v), opts);
}

function statusText(dir: string, rows: SlotStatus[]): string {
  const held = rows.filter((r) => r.state === "held").length;
  const lines = [`pool ${dir}: ${rows.length} slots, ${held} held, ${rows.length - held} free`];
  for (const r of rows) {
    const h = r.holder;
    const who = h
      ? `held  host ${h.host} pid ${h.pid}${h.slurmJobId ? ` job ${h.slurmJobId}` : ""} since ${h.startedAt} ` +
        `heartbeat ${(h.heartbeatAgeMs / 1000).toFixed(1)} s ago`
      : `free  #${r.position}`;
    lines.push(`  ${r.name.padEnd(12)} ${who}  ${r.prefix ?? "(conda env name)"}`);
  }
  return lines.join("\n") + "\n";
}

async function dispatch(sub: string, args: string[], ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const note = (s: string): void => void ctx.stderr.write(`rplpipe envs ${sub}: ${s}\n`);
  const timeoutS = sub === "acquire" || sub === "envlist" ? numberOpt(v, "timeout", 0, 1e9, false) : undefined;
  const holderPid = numberOpt(v, "holder-pid", 1, 2 ** 31 - 1);
  const callerOpts = { holderPid, timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000 };
  switch (sub) {
    case "init": {
      let r: { slots: string[]; held: string[] };
      if (v.paths) {
        if (v.prefix !== undefined || v.count !== undefined) throw new UsageError("--paths excludes --prefix/--count");
        if (args.length === 0) throw new UsageError("--paths needs at least one environment directory");
        const slots = args.map((p) => ({ name: p.replace(/\/+$/, "").split("/").pop() ?? p, prefix: resolve(p) }));
        for (const s of slots)
          if (!existsSync(s.prefix)) throw new RplpipeError("ERR_NOT_A_DIRECTORY", `${s.prefix} does not exist`);
        r = await poolFrom(v).init({ slots });
      } else {
        if (typeof v.prefix !== "string" || v.count === undefined) throw new UsageError("init needs --prefix and --count, or --paths DIR...");
        if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
        r = await poolFrom(v).init({ prefix: v.prefix, count: numberOpt(v, "count", 1, 10_000)! });
      }
      ctx.stdout.write(`pool ${poolDir(v)}: ${r.slots.length} slots (${r.slots[0]} … ${r.slots[r.slots.length - 1]})\n`);
      if (r.held.length) note(`still held, returned when released: ${r.held.join(" ")}`);
      return 0;
    }
    case "acquire": {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const r = await acquireForCaller(poolFrom(v), callerOpts);
      ctx.stdout.write(`${r.name}\n`);
      if (!r.keeper) note("no lease keeper (running from sources): other hosts see no heartbeat");
      return 0;
    }
    case "release": {
      if (args.length !== 1) throw new UsageError("release needs exactly one slot NAME");
      const r = await runEnvlist(poolFrom(v), parseEnvlistArgs(args));
      r.notes.forEach(note);
      return 0;
    }
    case "status": {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const pool = poolFrom(v);
      const rows = await pool.status();
      ctx.stdout.write(v.json ? JSON.stringify({ pool: pool.dir, slots: rows }, null, 2) + "\n" : statusText(pool.dir, rows));
      return 0;
    }
    case "envlist": {
      const r = await runEnvlist(poolFrom(v), parseEnvlistArgs(args), callerOpts);
      ctx.stdout.write(r.stdout);
      r.notes.forEach(note);
      return 0;
    }
    case "provision":
      return provisionCmd(args, ctx, () => poolFrom(v));
    case "create-sorter":
      return createSorterCmd(args, ctx);
    default:
      throw new UsageError(`unknown subcommand "${sub}"; subcommands: ${Object.keys(kAllowed).join(", ")}`);
  }
}

export const envsCommand: Command = {
  name: "envs",
  summary: "environment slot pool for sorting jobs (envlist.py replacement) and env provisioning",
  usage,
  options: {
    pool: { type: "string" },
    root: { type: "string" },
    prefix: { type: "string" },
    count: { type: "string" },
    paths: { type: "boolean" },
    json: { type: "boolean" },
    timeout: { type: "string" },
    "holder-pid": { type: "string" },
    "heartbeat-timeout": { type: "string" },
    template: { type: "string" },
    dest: { type: "string" },
    "name-prefix": { type: "string" },
    register: { type: "boolean" },
    "from-pack": { type: "string" },
    python: { type: "string" },
    requirements: { type: "string" },
  },
  async run(ctx) {
    const [sub, ...args] = ctx.positionals;
    if (sub === undefined) throw new UsageError("missing subcommand: init, acquire, release, status, envlist, provision, create-sorter");
    const allowed = kAllowed[sub];
    if (allowed)
      for (const [k, val] of Object.entries(ctx.values))
        if (val !== undefined && !allowed.includes(k)) throw new UsageError(`--${k} does not apply to "envs ${sub}"`);
    try {
      return await dispatch(sub, args, ctx);
    } catch (e) {
      // Validation helpers throw TypeError/RangeError ("Expected …"); on the command line that is a usage error.
      if ((e instanceof TypeError || e instanceof RangeError) && /^(Expected|Duplicate)/.test(e.message))
        throw new UsageError(e.message);
      if (e instanceof RplpipeError && kUsageCodes.has(e.code)) {
        ctx.stderr.write(`rplpipe envs: ${e.message.replace(/\s*\n\s*/g, " ")} [${e.code}]\n`);
        return 2;
      }
      throw e;
    }
  },
};
