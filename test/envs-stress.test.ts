/**
 * STRESS: 8 processes × 100 acquire/release cycles on a pool of 3 slots, half of them claiming to be another
 * node (RPLPIPE_HOST_ID=nodeB, so each side judges the other's leases by heartbeat only). Each holder appends
 * `<slot> <pid> start` and `… end` to one shared log with O_APPEND while it holds the slot; from that log no
 * slot may ever have two holders at once, and every cycle must complete.
 */
import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSlotPool } from "../src/envs/slot-pool.js";
import { distUrl, requireDist, runProc, tmp } from "./envs-support.js";

const kProcs = 8;
const kCycles = 100;
const kSlots = 3;

const worker = `
import { openSync, writeSync } from "node:fs";
import { openSlotPool } from ${JSON.stringify(distUrl("envs/slot-pool.js"))};
const [dir, log, cycles, extra] = process.argv.slice(2);
// A fast heartbeat so lease touches race with releases and reclaims throughout the run.
const pool = openSlotPool(dir, { heartbeatMs: 15, ...JSON.parse(extra ?? "{}") });
const fd = openSync(log, "a");
const host = process.env.RPLPIPE_HOST_ID ?? "local";
let waited = 0;
for (let i = 0; i < Number(cycles); i++) {
  const t0 = Date.now();
  const lease = await pool.acquire({ pollMs: 3, timeoutMs: 120000 });
  waited += Date.now() - t0;
  writeSync(fd, lease.slot.name + " " + process.pid + " start " + i + " " + host + "\\n");
  await new Promise((r) => setTimeout(r, Math.random() * 4));
  writeSync(fd, lease.slot.name + " " + process.pid + " end " + i + " " + host + "\\n");
  await lease.release();
  await lease.release(); // idempotent
}
process.stdout.write(JSON.stringify({ pid: process.pid, waited }) + "\\n");
`;

let dir: string;
beforeAll(() => {
  requireDist();
  dir = tmp("stress");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("slot pool under contention", () => {
  it(`${kProcs} processes × ${kCycles} cycles on ${kSlots} slots: never two holders of one slot`, async () => {
    const pool = openSlotPool(join(dir, "pool"));
    // Prefixes need not exist for the pool itself; runInSlot is what uses them.
    await pool.init({ slots: Array.from({ length: kSlots }, (_, i) => ({ name: `cenv${i}`, prefix: join(dir, `cenv${i}`) })) });
    const script = join(dir, "worker.mjs");
    const log = join(dir, "holders.log");
    writeFileSync(script, worker);
    writeFileSync(log, "");
    const t0 = Date.now();
    const runs = await Promise.all(
      Array.from({ length: kProcs }, (_, i) => {
        const env = { ...process.env };
        if (i % 2 === 1) env.RPLPIPE_HOST_ID = "nodeB";
        else delete env.RPLPIPE_HOST_ID;
        return runProc([process.execPath, script, join(dir, "pool"), log, String(kCycles)], { env });
      }),
    );
    const seconds = (Date.now() - t0) / 1000;
    for (const r of runs) expect(r.stderr, r.stderr).toBe("");
    expect(runs.map((r) => r.code)).toEqual(Array(kProcs).fill(0));

    // Replay the log: a start while the slot has a holder, or an end by someone else, is a double holding.
    const holder = new Map<string, string | null>();
    const perSlot = new Map<string, number>();
    const perHost = new Map<string, number>();
    let violations = 0;
    let maxHeld = 0;
    let starts = 0;
    let ends = 0;
    for (const line of readFileSync(log, "utf8").split("\n").filter(Boolean)) {
      const [slot, pid, what, , host] = line.split(" ");
      if (what === "start") {
        starts++;
        if (holder.get(slot!)) violations++;
        holder.set(slot!, pid!);
        perSlot.set(slot!, (perSlot.get(slot!) ?? 0) + 1);
        perHost.set(host!, (perHost.get(host!) ?? 0) + 1);
      } else {
        ends++;
        if (holder.get(slot!) !== pid) violations++;
        holder.set(slot!, null);
      }
      maxHeld = Math.max(maxHeld, [...holder.values()].filter(Boolean).length);
    }
    const summary = {
      processes: kProcs,
      cyclesEach: kCycles,
      slots: kSlots,
      starts,
      ends,
      violations,
      maxSimultaneousHolders: maxHeld,
      perSlot: Object.fromEntries(perSlot),
      perHost: Object.fromEntries(perHost),
      seconds: Number(seconds.toFixed(2)),
      meanWaitMs: Math.round(runs.map((r) => JSON.parse(r.stdout).waited as number).reduce((a, b) => a + b, 0) / (kProcs * kCycles)),
    };
    console.log("envs stress summary:", JSON.stringify(summary));
    expect(violations).toBe(0);
    expect(starts).toBe(kProcs * kCycles);
    expect(ends).toBe(kProcs * kCycles);
    expect(maxHeld).toBeLessThanOrEqual(kSlots);
    expect([...perSlot.keys()].sort()).toEqual(["cenv0", "cenv1", "cenv2"]);
    // Everything was given back, and the pool is consistent afterwards.
    const st = await pool.status();
    expect(st.map((s) => s.state)).toEqual(["free", "free", "free"]);
    expect(st.map((s) => s.name).sort()).toEqual(["cenv0", "cenv1", "cenv2"]);
  }, 240_000);

  it("with holders SIGKILLed at random moments (mid-acquire, mid-mutex, holding): still exclusive, all reclaimed", async () => {
    const dir2 = join(dir, "chaos");
    const pool = openSlotPool(join(dir2, "pool"));
    await pool.init({ slots: Array.from({ length: kSlots }, (_, i) => ({ name: `cenv${i}`, prefix: join(dir2, `cenv${i}`) })) });
    const script = join(dir, "worker.mjs");
    const log = join(dir2, "holders.log");
    writeFileSync(log, "");
    // Short timeouts so the other "host" reclaims a dead local holder (and breaks its mutex) within the test.
    const extra = JSON.stringify({ heartbeatTimeoutMs: 3000, mutexStaleMs: 2000 });
    const workers = Array.from({ length: 4 }, (_, i) => {
      const env = { ...process.env, ...(i % 2 ? { RPLPIPE_HOST_ID: "nodeB" } : {}) };
      if (i % 2 === 0) delete env.RPLPIPE_HOST_ID;
      return runProc([process.execPath, script, join(dir2, "pool"), log, "60", extra], { env });
    });
    // Chaos holders: acquire, log a start, print the slot, then hold forever, and get SIGKILLed at a random moment.
    const chaos = `import { appendFileSync } from "node:fs";
import { openSlotPool } from ${JSON.stringify(distUrl("envs/slot-pool.js"))};
const l = await openSlotPool(process.argv[1], { heartbeatMs: 100, ...JSON.parse(process.argv[3]) }).acquire({ pollMs: 3 });
appendFileSync(process.argv[2], l.slot.name + " " + process.pid + " start chaos\\n");
process.stdout.write(l.slot.name + "\\n"); setInterval(() => {}, 1000);`;
    const unseen = new Set<string>();
    let killedHolding = 0;
    for (let round = 0; round < 15; round++) {
      const env = { ...process.env };
      delete env.RPLPIPE_HOST_ID;
      const k = spawn(process.execPath, ["--input-type=module", "-e", chaos, join(dir2, "pool"), log, extra], { env, stdio: ["ignore", "pipe", "inherit"] });
      const exited = new Promise((r) => k.once("exit", r));
      let slot = "";
      k.stdout.on("data", (b: Buffer) => (slot = b.toString().trim()));
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 600));
      // While it lives its lease is valid: end its holding in the log first, then kill it.
      if (slot) {
        appendFileSync(log, `${slot} ${k.pid} end chaos\n`);
        killedHolding++;
      } else unseen.add(String(k.pid));
      k.kill("SIGKILL");
      await exited;
    }
    const runs = await Promise.all(workers);
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join("")).toEqual([0, 0, 0, 0]);
    const holder = new Map<string, string | null>();
    let violations = 0;
    let starts = 0;
    for (const line of readFileSync(log, "utf8").split("\n").filter(Boolean)) {
      const [slot, pid, what] = line.split(" ");
      const cur = holder.get(slot!);
      if (what === "start") {
        starts++;
        // A chaos holder killed before it printed its slot died holding it: the next start ends its holding.
        if (cur && !unseen.has(cur)) violations++;
        holder.set(slot!, pid!);
      } else {
        if (cur !== pid) violations++;
        holder.set(slot!, null);
      }
    }
    console.log("envs chaos summary:", JSON.stringify({ workerCycles: 4 * 60, chaosRounds: 15, killedHolding, killedEarly: unseen.size, starts, violations }));
    expect(violations).toBe(0);
    expect(starts).toBeGreaterThanOrEqual(4 * 60 + killedHolding);
    // Every dead holder's slot comes back (same host: dead pid).
    expect((await pool.status()).map((s) => s.state)).toEqual(["free", "free", "free"]);
  }, 240_000);
});
