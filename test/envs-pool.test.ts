/** Slot pool library: FIFO order, reclaim rules, waiting and timeouts, lost leases, exit handlers, bad input. */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHolder, pidAlive } from "../src/envs/host.js";
import { keepLease } from "../src/envs/keeper.js";
import { openSlotPool, type SlotInfo } from "../src/envs/slot-pool.js";
import { distUrl, requireDist, runProc, tmp, waitFor } from "./envs-support.js";

let root: string;
let n = 0;
beforeAll(() => {
  requireDist();
  root = tmp("pool");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function slots(count: number): SlotInfo[] {
  return Array.from({ length: count }, (_, i) => ({ name: `cenv${i}`, prefix: join(root, "envs", `cenv${i}`) }));
}

async function freshPool(count: number, opts = {}) {
  const dir = join(root, `p${n++}`);
  const pool = openSlotPool(dir, opts);
  await pool.init({ slots: slots(count) });
  return { dir, pool };
}

/** A lease file as another holder would have written it, with its heartbeat `ageMs` ago. */
function plantLease(dir: string, name: string, holder: object, ageMs: number): void {
  const f = join(dir, "leases", `${name}.json`);
  writeFileSync(f, JSON.stringify({ ...makeHolder(), ...holder }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(f, t, t);
}

/** A node process holding one slot of `dir` (heartbeat every 100 ms) until killed; resolves with its slot. */
function holderProcess(dir: string, env: NodeJS.ProcessEnv = process.env) {
  const code = `import { openSlotPool } from ${JSON.stringify(distUrl("envs/slot-pool.js"))};
const l = await openSlotPool(process.argv[1], { heartbeatMs: 100 }).acquire({ timeoutMs: 10000 });
process.stdout.write(l.slot.name + "\\n"); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", code, dir], { env, stdio: ["ignore", "pipe", "inherit"] });
  const slot = new Promise<string>((res) => child.stdout.once("data", (b: Buffer) => res(b.toString().trim())));
  return { child, slot };
}

describe("acquire and release", () => {
  it("hands out slots least recently released first (FIFO)", async () => {
    const { pool } = await freshPool(3);
    const [a, b, c] = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    expect([a.slot.name, b.slot.name, c.slot.name]).toEqual(["cenv0", "cenv1", "cenv2"]);
    await b.release();
    await a.release();
    await c.release();
    const order = [];
    for (let i = 0; i < 3; i++) order.push(await pool.acquire());
    expect(order.map((l) => l.slot.name)).toEqual(["cenv1", "cenv0", "cenv2"]);
    expect((await pool.status()).map((s) => s.state)).toEqual(["held", "held", "held"]);
    await Promise.all(order.map((l) => l.release()));
  });

  it("gives a Slot with prefix and a created scratch directory; release is idempotent", async () => {
    const { dir, pool } = await freshPool(1);
    const l = await pool.acquire();
    expect(l.slot).toEqual({ name: "cenv0", prefix: join(root, "envs", "cenv0"), scratch: join(dir, "scratch", "cenv0") });
    expect(existsSync(l.slot.scratch)).toBe(true);
    const h = JSON.parse(readFileSync(join(dir, "leases", "cenv0.json"), "utf8"));
    expect(h).toMatchObject({ pid: process.pid, token: l.holder.token });
    await Promise.all([l.release(), l.release()]);
    await l.release();
    expect(existsSync(join(dir, "leases", "cenv0.json"))).toBe(false);
  });

  it("waits while all slots are held, then gets the released one", async () => {
    const { pool } = await freshPool(1);
    const a = await pool.acquire();
    const waiting = pool.acquire({ pollMs: 20, timeoutMs: 10_000 });
    setTimeout(() => void a.release(), 300);
    const t0 = Date.now();
    const b = await waiting;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(b.slot.name).toBe("cenv0");
    await b.release();
  });

  it("rejects with ERR_NO_SLOT after the timeout", async () => {
    const { pool } = await freshPool(1);
    const a = await pool.acquire();
    await expect(pool.acquire({ timeoutMs: 150, pollMs: 20 })).rejects.toMatchObject({ code: "ERR_NO_SLOT" });
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toMatchObject({ code: "ERR_NO_SLOT" });
    await a.release();
  });

  it("marks a lease lost when someone else took it over, and does not release theirs", async () => {
    const { dir, pool } = await freshPool(1, { heartbeatMs: 30 });
    let lostSlot = "";
    const l = await pool.acquire({ onLost: (s) => (lostSlot = s.name) });
    rmSync(join(dir, "leases", "cenv0.json"));
    plantLease(dir, "cenv0", { host: "nodeX", token: "theirs" }, 0);
    await waitFor(() => l.lost, 2000, "lost lease");
    expect(lostSlot).toBe("cenv0");
    await l.release();
    expect(JSON.parse(readFileSync(join(dir, "leases", "cenv0.json"), "utf8")).token).toBe("theirs");
  });
});

describe("reclaim", () => {
  it("a SIGKILLed holder's slot goes to the next acquire (same host, dead pid)", async () => {
    const { dir, pool } = await freshPool(1);
    const h = holderProcess(dir);
    expect(await h.slot).toBe("cenv0");
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toMatchObject({ code: "ERR_NO_SLOT" });
    h.child.kill("SIGKILL");
    await new Promise((r) => h.child.once("exit", r));
    const l = await pool.acquire({ timeoutMs: 0 });
    expect(l.slot.name).toBe("cenv0");
    await l.release();
  });

  it("another host's lease: kept while its heartbeat is fresh, reclaimed once it stops", async () => {
    const { dir, pool } = await freshPool(1, { heartbeatTimeoutMs: 1500 });
    const h = holderProcess(dir, { ...process.env, RPLPIPE_HOST_ID: "nodeB" });
    expect(await h.slot).toBe("cenv0");
    // 2.5 s > the 1.5 s timeout: only the holder's heartbeat keeps the lease.
    await new Promise((r) => setTimeout(r, 2500));
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toMatchObject({ code: "ERR_NO_SLOT" });
    const st = await pool.status();
    expect(st[0]!.holder).toMatchObject({ host: "nodeB", pid: h.child.pid });
    expect(st[0]!.holder!.heartbeatAgeMs).toBeLessThan(1000);
    h.child.kill("SIGKILL"); // its pid means nothing to "this host"; the heartbeat must run out
    await new Promise((r) => h.child.once("exit", r));
    await expect(pool.acquire({ timeoutMs: 0 })).rejects.toMatchObject({ code: "ERR_NO_SLOT" });
    const l = await pool.acquire({ timeoutMs: 5000, pollMs: 100 });
    expect(l.slot.name).toBe("cenv0");
    await l.release();
  });

  it("planted leases: old foreign heartbeat reclaimed, fresh one not, live local pid never, reused pid yes", async () => {
    const { dir, pool } = await freshPool(4);
    plantLease(dir, "cenv0", { host: "nodeZ", pid: 4242, token: "a" }, 200_000);
    plantLease(dir, "cenv1", { host: "nodeZ", pid: 4242, token: "b" }, 5_000);
    plantLease(dir, "cenv2", { pid: process.pid, token: "c" }, 10_000_000); // alive here, however old
    plantLease(dir, "cenv3", { pid: process.pid, pidStart: "1", token: "d" }, 0); // pid reused since
    const st = await pool.status();
    expect(Object.fromEntries(st.map((s) => [s.name, s.state]))).toEqual({
      cenv0: "free",
      cenv1: "held",
      cenv2: "held",
      cenv3: "free",
    });
    // Reclaimed slots count as released now: they go to the end of the free order.
    expect(st.map((s) => s.name)).toEqual(["cenv1", "cenv2", "cenv0", "cenv3"]);
  });

  it("a holder that died but was not reaped (zombie) is dead", async () => {
    const { dir, pool } = await freshPool(1);
    // sh forks `sleep 0.1`, then becomes `sleep 30`, which never reaps it: a zombie after 0.1 s.
    const parent = spawn("sh", ["-c", "sleep 0.1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once("data", (b: Buffer) => r(b.toString()))));
    await waitFor(() => readFileSync(`/proc/${zombie}/stat`, "latin1").includes(") Z "), 3000, "zombie");
    expect(pidAlive(zombie)).toBe(true); // kill(pid, 0) alone would keep its lease forever
    plantLease(dir, "cenv0", { pid: zombie, pidStart: null, token: "z" }, 0);
    expect((await pool.status())[0]!.state).toBe("free");
    parent.kill("SIGKILL");
  });

  it("a mutex left by a dead process or stale on another host is broken; a fresh foreign one is waited for", async () => {
    const { dir, pool } = await freshPool(1);
    const mutex = join(dir, "mutex");
    writeFileSync(mutex, JSON.stringify({ ...makeHolder(), pid: 2 ** 22 + 12345 }));
    expect((await pool.status())[0]!.state).toBe("free");
    writeFileSync(mutex, JSON.stringify({ ...makeHolder(), host: "nodeZ" }));
    const t = new Date(Date.now() - 60_000);
    utimesSync(mutex, t, t);
    expect((await pool.status())[0]!.state).toBe("free");
    writeFileSync(mutex, JSON.stringify({ ...makeHolder(), host: "nodeZ" }));
    const busy = openSlotPool(dir, { mutexTimeoutMs: 200 });
    await expect(busy.status()).rejects.toMatchObject({ code: "ERR_POOL_BUSY" });
    rmSync(mutex);
  });
});

describe("lease keeper (held for another process, as the CLI does)", () => {
  it("heartbeats while the holder lives and releases when it dies", async () => {
    const { dir, pool } = await freshPool(1);
    const sleeper = spawn("sleep", ["30"]);
    const lease = await pool.acquire({ holderPid: sleeper.pid, heartbeat: false, releaseOnExit: false });
    const f = join(dir, "leases", "cenv0.json");
    const old = new Date(Date.now() - 100_000);
    utimesSync(f, old, old);
    const kept = keepLease({ dir, name: "cenv0", holder: lease.holder, pool: { heartbeatMs: 50 } });
    await waitFor(() => Date.now() - statSync(f).mtimeMs < 5000, 3000, "heartbeat");
    sleeper.kill("SIGKILL");
    expect(await kept).toBe("holder-gone");
    expect(existsSync(f)).toBe(false);
    expect(pidAlive(sleeper.pid!)).toBe(false);
  });

  it("told to stop (scancel signals the whole job): releases if the holder ends too, else leaves the lease", async () => {
    const { dir, pool } = await freshPool(2);
    const f = (n: string): string => join(dir, "leases", `${n}.json`);
    const a = spawn("sleep", ["30"]);
    const la = await pool.acquire({ holderPid: a.pid, heartbeat: false, releaseOnExit: false });
    const stopA = { stopping: false };
    const keptA = keepLease({ dir, name: la.slot.name, holder: la.holder, pool: { heartbeatMs: 50 }, termWaitMs: 3000 }, stopA);
    stopA.stopping = true;
    setTimeout(() => a.kill("SIGKILL"), 300);
    expect(await keptA).toBe("holder-gone");
    expect(existsSync(f(la.slot.name))).toBe(false);
    const b = spawn("sleep", ["30"]);
    const lb = await pool.acquire({ holderPid: b.pid, heartbeat: false, releaseOnExit: false });
    const stopB = { stopping: true };
    expect(await keepLease({ dir, name: lb.slot.name, holder: lb.holder, pool: { heartbeatMs: 50 }, termWaitMs: 300 }, stopB)).toBe("stopped");
    expect(existsSync(f(lb.slot.name))).toBe(true); // the holder still runs: its slot is not freed
    b.kill("SIGKILL");
  });

  it("stops when the lease is released by name", async () => {
    const { dir, pool } = await freshPool(1);
    const lease = await pool.acquire({ heartbeat: false, releaseOnExit: false });
    const kept = keepLease({ dir, name: "cenv0", holder: lease.holder, pool: { heartbeatMs: 50 } });
    await pool.release("cenv0");
    expect(await kept).toBe("released");
  });
});

describe("process end releases", () => {
  for (const how of ["exit", "SIGTERM", "SIGINT"] as const) {
    it(`on ${how}`, async () => {
      const { dir, pool } = await freshPool(2);
      const end = how === "exit" ? "process.exit(3);" : `process.kill(process.pid, "${how}");`;
      const code = `import { openSlotPool } from ${JSON.stringify(distUrl("envs/slot-pool.js"))};
await openSlotPool(process.argv[1]).acquire(); ${end} setInterval(() => {}, 1000);`;
      const r = await runProc([process.execPath, "--input-type=module", "-e", code, dir]);
      // The signal is re-raised after the release, so the process still dies of it.
      if (how === "exit") expect(r.code).toBe(3);
      else expect(r.signal).toBe(how);
      expect(existsSync(join(dir, "leases", "cenv0.json"))).toBe(false);
      expect((await pool.status()).map((s) => s.name)).toEqual(["cenv1", "cenv0"]);
    });
  }
});

describe("bad input", () => {
  it("rejects bad init specs and options", async () => {
    const pool = openSlotPool(join(root, "bad"));
    await expect(pool.init({ prefix: "cenv", count: 0 })).rejects.toThrow(RangeError);
    await expect(pool.init({ prefix: "cenv", count: 1.5 })).rejects.toThrow(RangeError);
    await expect(pool.init({ prefix: "../x", count: 2 })).rejects.toThrow(TypeError);
    await expect(pool.init({ slots: [] })).rejects.toThrow(RangeError);
    await expect(pool.init({ slots: [{ name: "a", prefix: "/x" }, { name: "a", prefix: "/y" }] })).rejects.toThrow(/Duplicate/);
    expect(() => openSlotPool(join(root, "bad"), { heartbeatMs: 0 })).toThrow(RangeError);
    expect(() => openSlotPool(join(root, "bad"), { heartbeatMS: 5 } as never)).toThrow(/did you mean "heartbeatMs"/);
    await expect(pool.acquire({ pollMs: -1 })).rejects.toThrow(RangeError);
    await expect(pool.acquire()).rejects.toMatchObject({ code: "ERR_NO_POOL" });
  });

  it("release of an unknown slot is a typed error; of a free slot a no-op", async () => {
    const { pool } = await freshPool(1);
    await expect(pool.release("nope")).rejects.toMatchObject({ code: "ERR_NO_SUCH_SLOT" });
    expect(await pool.release("cenv0")).toEqual({ wasHeld: false, inPool: true });
  });

  it("a lease of a slot removed by a reset can still be released by name", async () => {
    const { dir, pool } = await freshPool(2);
    const l = await pool.acquire();
    await pool.init({ prefix: "other", count: 1 });
    mkdirSync(join(dir, "leases"), { recursive: true });
    expect(await pool.release("cenv0")).toEqual({ wasHeld: true, inPool: false });
    await l.release();
  });
});
