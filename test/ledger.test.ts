/**
 * The job ledger (src/ledger, docs/ledger.md) with real processes: reserve / done / fail / abandon; reclaim of
 * a reservation whose holder died on this host (pid gone) and of one on another host (heartbeat too old, and
 * never while the heartbeat goes on); --redo with `since`; adopt; processes racing for the same keys and for
 * the same stale leases (link(2) create-if-absent, rename-based remove-if-same).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLedger, paramsHash, kTailBytes, type JobKey } from "../src/ledger/index.js";
import { distUrl, requireDist, runProc, tmp, waitFor } from "./envs-support.js";

const root = tmp("ledger");
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => requireDist());

let n = 0;
/** A fresh day directory. */
function day(): string {
  const d = join(root, `day${++n}`);
  mkdirSync(d, { recursive: true });
  return d;
}

const key = (channel: number, stage: JobKey["stage"] = "split"): JobKey => ({ stage, session: "session01", channel });
const P = { paramsHash: "p1" };

/** A child that reserves `keys` and then holds them (heartbeat on) until killed; prints the statuses. */
const holderScript = `
import { openLedger } from ${JSON.stringify(distUrl("ledger/index.js"))};
const [dir, keys, opts] = process.argv.slice(2);
const l = openLedger(dir, JSON.parse(opts));
const out = JSON.parse(keys).map((k) => l.reserve(k, { paramsHash: "p1" }).status);
process.stdout.write(JSON.stringify(out) + "\\n");
setInterval(() => {}, 1000); // keep running (the heartbeat timer is unref'd)
`;

/** Starts a holder child; resolves once it has reserved (its first stdout line). */
async function holder(dir: string, keys: JobKey[], opts: object = {}, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; statuses: string[] }> {
  const script = join(root, "holder.mjs");
  if (!existsSync(script)) writeFileSync(script, holderScript);
  const child = spawn(process.execPath, [script, dir, JSON.stringify(keys), JSON.stringify(opts)], { env, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((res, rej) => {
    let buf = "";
    child.stdout!.on("data", (b: Buffer) => {
      buf += b.toString();
      if (buf.includes("\n")) res(buf.split("\n")[0]!);
    });
    child.once("exit", (code) => rej(new Error(`holder exited with ${code} before reserving`)));
  });
  return { child, statuses: JSON.parse(line) as string[] };
}

async function kill(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  const done = new Promise((r) => child.once("exit", r));
  child.kill(sig);
  await done;
}

const ledgerFiles = (d: string, sub: string) => readdirSync(join(d, ".rplpipe", "ledger", sub));

describe("reserve, done, fail, abandon", () => {
  it("reserves, records done with outputs relative to the day, then answers done; other parameters run again", () => {
    const d = day();
    const l = openLedger(d);
    expect(existsSync(join(d, ".rplpipe"))).toBe(false); // opening writes nothing
    expect(l.list()).toEqual([]);
    const out = join(d, "session01", "x.hkl");
    mkdirSync(join(d, "session01"));
    const r = l.reserve(key(9), P);
    expect(r.status).toBe("reserved");
    if (r.status !== "reserved") return;
    expect(r.previous).toBeNull();
    expect(l.get(key(9))).toMatchObject({ state: "reserved", liveness: "live", attempt: 1, pid: process.pid });
    expect(l.reserve(key(9), P).status).toBe("held"); // even for this process: one reservation per key
    writeFileSync(out, "data");
    const rec = r.reservation.done({ outputs: [out], bytes: 4, seconds: 0.5 });
    expect(rec).toMatchObject({ state: "done", attempt: 1, outputs: ["session01/x.hkl"], bytes: 4, seconds: 0.5, error: null });
    expect(Date.parse(rec!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(rec!.startedAt));
    expect(r.reservation.done()).toBeNull(); // ends once
    expect(ledgerFiles(d, "leases")).toEqual([]);
    expect(l.reserve(key(9), P)).toMatchObject({ status: "done", record: { attempt: 1 } });
    // Other parameters: not done for them.
    const again = l.reserve(key(9), { paramsHash: "p2" });
    expect(again).toMatchObject({ status: "reserved", reservation: { record: { attempt: 2, paramsHash: "p2" } } });
    if (again.status === "reserved") again.reservation.done({ outputs: [out] });
    // A done job whose output was deleted is not done any more.
    rmSync(out);
    expect(l.reserve(key(9), { paramsHash: "p2" })).toMatchObject({ status: "reserved", reservation: { record: { attempt: 3 } } });
  });

  it("moves the replaced record and the dropped lease to the trash (freeing nothing); the next ledger use deletes any host's trash", () => {
    const d = day();
    const l = openLedger(d);
    const r = l.reserve(key(4), P);
    if (r.status !== "reserved") throw new Error(r.status);
    expect(ledgerFiles(d, "tmp")).toEqual([]); // a new key: nothing replaced yet
    r.reservation.done({ seconds: 1 });
    const tmpDir = join(d, ".rplpipe", "ledger", "tmp");
    const trash = ledgerFiles(d, "tmp");
    expect(trash).toHaveLength(2);
    expect(trash.every((n) => n.startsWith(".trash."))).toBe(true);
    const texts = trash.map((n) => JSON.parse(readFileSync(join(tmpDir, n), "utf8")) as { state?: string; token?: string });
    expect(texts.filter((t) => t.state === "reserved")).toHaveLength(1); // the record the done one replaced
    expect(texts.filter((t) => t.state === undefined && typeof t.token === "string")).toHaveLength(1); // the lease
    expect(l.get(key(4))).toMatchObject({ state: "done" });
    // Trash of a live process on another host is garbage too; a temp file of that process is not.
    writeFileSync(join(tmpDir, `.trash.nodeB.${process.pid}.abcdef012345`), "x");
    writeFileSync(join(tmpDir, `.state.nodeB.${process.pid}.abcdef012345`), "x");
    const next = openLedger(d).reserve(key(5), P);
    expect(next.status).toBe("reserved");
    expect(ledgerFiles(d, "tmp")).toEqual([`.state.nodeB.${process.pid}.abcdef012345`]);
    if (next.status === "reserved") next.reservation.abandon();
  });

  it("records a failure with code, message and a tail clipped to 4 kB; errors() lists it; a reserve retries it", () => {
    const d = day();
    const l = openLedger(d);
    const r = l.reserve(key(1, "lfp"), P);
    if (r.status !== "reserved") throw new Error(r.status);
    const tail = "x".repeat(10_000) + "\nlast line";
    r.reservation.fail({ code: "ERR_WRITE", message: "disk full", tail });
    const [e, ...more] = l.errors();
    expect(more).toEqual([]);
    expect(e).toMatchObject({ state: "error", liveness: null, error: { code: "ERR_WRITE", message: "disk full" } });
    expect(Buffer.byteLength(e!.error!.tail)).toBeLessThanOrEqual(kTailBytes);
    expect(e!.error!.tail.endsWith("\nlast line")).toBe(true);
    const again = l.reserve(key(1, "lfp"), P);
    expect(again).toMatchObject({ status: "reserved", previous: { state: "error" }, reservation: { record: { attempt: 2, error: null } } });
  });

  it("abandon puts the record back as it was (attempt not counted)", () => {
    const d = day();
    const l = openLedger(d);
    const a = l.reserve(key(2), P);
    if (a.status !== "reserved") throw new Error(a.status);
    a.reservation.abandon();
    expect(l.get(key(2))).toBeNull();
    expect(ledgerFiles(d, "leases")).toEqual([]);
    const b = l.reserve(key(2), P);
    if (b.status !== "reserved") throw new Error(b.status);
    b.reservation.fail({ code: "ERR_X", message: "m" });
    const c = l.reserve(key(2), P);
    if (c.status !== "reserved") throw new Error(c.status);
    expect(c.reservation.record.attempt).toBe(2);
    c.reservation.abandon();
    expect(l.get(key(2))).toMatchObject({ state: "error", attempt: 1 });
  });

  it("with redo: done counts only when it ended at or after `since`", async () => {
    const d = day();
    const l = openLedger(d);
    const r = l.reserve(key(3), P);
    if (r.status !== "reserved") throw new Error(r.status);
    const ended = Date.parse(r.reservation.done()!.endedAt!);
    expect(l.reserve(key(3), { ...P, redo: true, since: ended })).toMatchObject({ status: "done" });
    expect(l.reserve(key(3), { ...P, redo: true, since: new Date(ended - 1000) })).toMatchObject({ status: "done" });
    const redo = l.reserve(key(3), { ...P, redo: true, since: ended + 1 });
    expect(redo).toMatchObject({ status: "reserved", reservation: { record: { attempt: 2 } } });
    if (redo.status === "reserved") redo.reservation.done();
    // redo without since: always recompute.
    const always = l.reserve(key(3), { ...P, redo: true });
    expect(always.status).toBe("reserved");
    if (always.status === "reserved") always.reservation.abandon();
  });

  it("a failure since `since` is not retried at once; an older one is", () => {
    const d = day();
    const l = openLedger(d);
    const r = l.reserve(key(4), P);
    if (r.status !== "reserved") throw new Error(r.status);
    const ended = Date.parse(r.reservation.fail({ code: "ERR_X", message: "m" })!.endedAt!);
    expect(l.reserve(key(4), { ...P, since: ended })).toMatchObject({ status: "error", record: { attempt: 1 } });
    expect(l.reserve(key(4), { ...P, since: ended, redo: true })).toMatchObject({ status: "error" });
    const later = l.reserve(key(4), { ...P, since: ended + 1 });
    expect(later).toMatchObject({ status: "reserved", reservation: { record: { attempt: 2 } } });
    if (later.status === "reserved") later.reservation.abandon();
  });

  it("adopt records present outputs once: never over a done, failed or live job", () => {
    const d = day();
    const l = openLedger(d);
    expect(l.adopt(key(4), { ...P, outputs: [join(d, "session01", "a.hkl")] })).toBe(true);
    expect(l.get(key(4))).toMatchObject({ state: "done", adopted: true, attempt: 0, outputs: ["session01/a.hkl"] });
    expect(l.adopt(key(4), { ...P, outputs: [] })).toBe(false);
    const live = l.reserve(key(5), P);
    expect(l.adopt(key(5), { ...P, outputs: [] })).toBe(false);
    if (live.status === "reserved") live.reservation.fail({ code: "ERR_X", message: "m" });
    expect(l.adopt(key(5), { ...P, outputs: [] })).toBe(false);
    expect(l.get(key(5))!.state).toBe("error");
  });

  it("refuses bad keys and options, naming them", () => {
    const l = openLedger(day());
    expect(() => l.reserve({ stage: "sort", session: "session01", channel: 1 }, P)).toThrow(/options|key\.session/);
    expect(() => l.reserve({ stage: "parallel", session: "session01", channel: 1 }, P)).toThrow(RangeError);
    expect(() => l.reserve({ stage: "split", session: "../x", channel: 1 }, P)).toThrow(/key\.session/);
    expect(() => l.reserve({ stage: "frob" as never, session: "s", channel: 1 }, P)).toThrow(/key\.stage/);
    expect(() => l.reserve(key(1), { paramsHash: "" })).toThrow(/options\.paramsHash/);
    expect(() => openLedger(day(), { heartbeatMs: 5000, staleMs: 1000 })).toThrow(RangeError);
    expect(() => openLedger(day(), { stale: 1 } as never)).toThrow(/Unknown option "stale"/);
    expect(paramsHash({ a: 1, b: [2, 3] })).toBe(paramsHash({ b: [2, 3], a: 1 }));
    expect(paramsHash({ a: 1 })).not.toBe(paramsHash({ a: 2 }));
  });

  it("heartbeats the lease; a reservation whose lease was taken over writes nothing", async () => {
    const d = day();
    const l = openLedger(d, { heartbeatMs: 20, staleMs: 1000 });
    const r = l.reserve(key(6), P);
    if (r.status !== "reserved") throw new Error(r.status);
    const lease = join(d, ".rplpipe", "ledger", "leases", "split.session01.006.lease");
    const old = new Date(Date.now() - 60_000);
    utimesSync(lease, old, old);
    await waitFor(() => statSync(lease).mtimeMs > Date.now() - 10_000, 2000, "a heartbeat");
    // Another holder replaces the lease (as after a reclaim by another host): the next beat notices.
    writeFileSync(lease, JSON.stringify({ host: "nodeZ", pid: 1, token: "theirs" }));
    await waitFor(() => r.reservation.lost, 2000, "the lost lease to be noticed");
    expect(r.reservation.done()).toBeNull();
    expect(l.get(key(6))).toMatchObject({ state: "reserved", liveness: "live" });
    expect(readFileSync(lease, "utf8")).toContain("theirs");
  });
});

describe("reclaim of reservations whose holder is gone", () => {
  it("same host: a SIGKILLed holder's reservation is stale and the next reserve takes it (attempt 2)", async () => {
    const d = day();
    const { child, statuses } = await holder(d, [key(1), key(2)]);
    expect(statuses).toEqual(["reserved", "reserved"]);
    const l = openLedger(d);
    expect(l.reserve(key(1), P).status).toBe("held");
    expect(l.list().map((e) => e.liveness)).toEqual(["live", "live"]);
    await kill(child, "SIGKILL");
    expect(ledgerFiles(d, "leases")).toHaveLength(2); // SIGKILL leaves its leases behind
    expect(l.list({ state: "stale" }).map((e) => e.key.channel)).toEqual([1, 2]);
    const r = l.reserve(key(1), P);
    expect(r).toMatchObject({ status: "reserved", previous: { state: "reserved", pid: child.pid }, reservation: { record: { attempt: 2, pid: process.pid } } });
    if (r.status === "reserved") r.reservation.done();
  });

  it("same host: a holder ended by SIGTERM drops its leases but does not mark the jobs done", async () => {
    const d = day();
    const { child } = await holder(d, [key(1)]);
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_c, sig) => r(sig)));
    child.kill("SIGTERM");
    expect(await exited).toBe("SIGTERM"); // the signal is re-raised after the leases are dropped
    expect(ledgerFiles(d, "leases")).toEqual([]);
    expect(openLedger(d).get(key(1))).toMatchObject({ state: "reserved", liveness: "stale" });
  });

  it("other host: held while its heartbeat goes on; reclaimed once the heartbeat is older than staleMs", async () => {
    const d = day();
    const nodeB = { ...process.env, RPLPIPE_HOST_ID: "nodeB" };
    const { child } = await holder(d, [key(7)], { heartbeatMs: 50, staleMs: 5000 }, nodeB);
    const l = openLedger(d, { heartbeatMs: 50, staleMs: 400 });
    // Three times the stale time: a live holder on another node keeps its job.
    const end = Date.now() + 1200;
    while (Date.now() < end) {
      expect(l.reserve(key(7), P)).toMatchObject({ status: "held", holder: { host: "nodeB", pid: child.pid } });
      expect(l.get(key(7))!.liveness).toBe("live");
      await new Promise((r) => setTimeout(r, 50));
    }
    await kill(child, "SIGKILL");
    // A pid means nothing across hosts: only the heartbeat's age decides.
    await waitFor(() => l.get(key(7))!.liveness === "stale", 3000, "the heartbeat to go stale");
    const r = l.reserve(key(7), P);
    expect(r).toMatchObject({ status: "reserved", previous: { host: "nodeB" }, reservation: { record: { attempt: 2 } } });
    if (r.status === "reserved") r.reservation.done();
  });

  it("an old lease of another host is reclaimed by the default 120 s rule", () => {
    const d = day();
    const l = openLedger(d);
    const r = l.reserve(key(8), P);
    if (r.status !== "reserved") throw new Error(r.status);
    // Rewrite our own lease as another node's whose last heartbeat was 10 minutes ago.
    const lease = join(d, ".rplpipe", "ledger", "leases", "split.session01.008.lease");
    writeFileSync(lease, JSON.stringify({ host: "nodeC", pid: 4242, pidStart: null, token: "old", startedAt: "" }));
    const t = new Date(Date.now() - 600_000);
    utimesSync(lease, t, t);
    expect(l.reserve(key(8), P)).toMatchObject({ status: "reserved", reservation: { record: { attempt: 2 } } });
    expect(r.reservation.done()).toBeNull(); // the first reservation lost its lease
  });
});

describe("processes racing (NFS-style primitives only: link, rename, utimes)", () => {
  const racer = `
import { openSync, writeSync } from "node:fs";
import { openLedger } from ${JSON.stringify(distUrl("ledger/index.js"))};
const [dir, count, log] = process.argv.slice(2);
const l = openLedger(dir, { heartbeatMs: 15, staleMs: 5000 });
const fd = openSync(log, "a");
const host = process.env.RPLPIPE_HOST_ID ?? "local";
let ran = 0;
for (let i = 0; i < Number(count); i++) {
  const r = l.reserve({ stage: "highpass", session: "session01", channel: i }, { paramsHash: "p1" });
  if (r.status !== "reserved") continue;
  ran++;
  writeSync(fd, i + " " + process.pid + " " + host + "\\n");
  await new Promise((res) => setTimeout(res, Math.random() * 3));
  r.reservation.done();
}
process.stdout.write(JSON.stringify({ ran }) + "\\n");
`;

  async function race(d: string, procs: number, keys: number): Promise<{ log: string[]; ran: number }> {
    const script = join(root, "racer.mjs");
    writeFileSync(script, racer);
    const log = join(d, "ran.log");
    writeFileSync(log, "");
    const runs = await Promise.all(
      Array.from({ length: procs }, (_, i) =>
        runProc([process.execPath, script, d, String(keys), log], { env: i % 2 ? { ...process.env, RPLPIPE_HOST_ID: "nodeB" } : process.env }),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const ran = runs.reduce((a, r) => a + (JSON.parse(r.stdout) as { ran: number }).ran, 0);
    return { log: readFileSync(log, "utf8").split("\n").filter(Boolean), ran };
  }

  it("6 processes (half as another node) reserve the same 60 keys: each key runs exactly once", async () => {
    const d = day();
    const { log, ran } = await race(d, 6, 60);
    expect(ran).toBe(60);
    const perKey = new Map<string, number>();
    for (const line of log) perKey.set(line.split(" ")[0]!, (perKey.get(line.split(" ")[0]!) ?? 0) + 1);
    expect([...perKey.values()].every((c) => c === 1)).toBe(true);
    expect(perKey.size).toBe(60);
    const recs = openLedger(d).list();
    expect(recs).toHaveLength(60);
    expect(recs.every((r) => r.state === "done" && r.attempt === 1)).toBe(true);
    expect(new Set(recs.map((r) => r.host)).size).toBe(2); // both "nodes" got work
    expect(ledgerFiles(d, "leases")).toEqual([]);
    expect(ledgerFiles(d, "tmp").filter((n) => !n.startsWith(".trash."))).toEqual([]); // no temp file left
  });

  it("6 processes race to reclaim the same 30 stale leases of a killed holder: each is taken once", async () => {
    const d = day();
    const keys = Array.from({ length: 30 }, (_, i) => ({ stage: "highpass" as const, session: "session01", channel: i }));
    const { child } = await holder(d, keys);
    await kill(child, "SIGKILL");
    expect(ledgerFiles(d, "leases")).toHaveLength(30);
    const { log, ran } = await race(d, 6, 30);
    expect(ran).toBe(30);
    expect(new Set(log.map((l) => l.split(" ")[0])).size).toBe(30);
    const recs = openLedger(d).list();
    expect(recs.every((r) => r.state === "done" && r.attempt === 2)).toBe(true);
    expect(ledgerFiles(d, "leases")).toEqual([]);
  });
});
