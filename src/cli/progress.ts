/**
 * Progress of `rplpipe run`: on a terminal, one bar per stage (done/total, throughput, ETA) redrawn in
 * place; otherwise (logs, Slurm output files) plain timestamped lines, one per finished output.
 */
import type { RunEvent } from "../pipeline/run.js";
import type { Stage } from "../pipeline/plan.js";

const kStagesShown: Stage[] = ["parallel", "split", "lfp", "highpass", "sort"];

export class Progress {
  private totals: Record<string, number> = {};
  private done: Record<string, number> = {};
  private bytes = 0;
  private readonly t0 = performance.now();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly tty = Boolean(out.isTTY),
  ) {}

  private line(msg: string): void {
    this.out.write(`${new Date().toISOString()} ${msg}\n`);
  }

  readonly onEvent = (e: RunEvent): void => {
    if (e.type === "plan") {
      this.totals = { ...e.totals };
      for (const k of kStagesShown) this.done[k] = 0;
      const ch = e.sessions.reduce((a, s) => a + s.channels.length, 0);
      const msg = `plan: ${e.sessions.length} session(s), ${ch} channel(s); to write: ${kStagesShown.map((k) => `${k} ${e.totals[k]}`).join(", ")}`;
      if (this.tty) this.out.write(msg + "\n");
      else this.line(msg);
      if (this.tty) this.timer = setInterval(() => this.draw(), 200);
      return;
    }
    if (e.type === "skipped") {
      // Another process holds or did the job: it counts as settled for this run's bars.
      this.done[e.stage] = (this.done[e.stage] ?? 0) + 1;
      if (!this.tty) {
        const what = e.electrodeId === undefined ? "" : ` channel ${String(e.electrodeId).padStart(3, "0")}`;
        this.line(`${e.session}${what} ${e.stage} skipped: ${e.reason === "held" ? "another process holds it" : e.reason === "done" ? "done by another process" : "failed in another process"}`);
      }
      return;
    }
    if (e.type === "stage-done") {
      this.done[e.stage] = (this.done[e.stage] ?? 0) + 1;
      this.bytes += e.bytes;
      if (!this.tty) {
        const what = e.electrodeId === undefined ? "" : ` channel ${String(e.electrodeId).padStart(3, "0")}`;
        this.line(`${e.session}${what} ${e.stage} done (${(e.bytes / 1e6).toFixed(1)} MB, ${e.seconds.toFixed(2)} s) [${this.done[e.stage]}/${this.totals[e.stage]}]`);
      }
      return;
    }
    const msg = e.type === "failure" ? `FAILED ${e.failure.session}${e.failure.electrodeId !== undefined ? ` channel ${e.failure.electrodeId}` : ""} ${e.failure.stage}: [${e.failure.code}] ${e.failure.message}` : `warning: ${e.message}`;
    if (this.tty) {
      this.clear();
      this.out.write(msg + "\n");
      this.draw();
    } else this.line(msg);
  };

  private clear(): void {
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.clear();
    const secs = (performance.now() - this.t0) / 1000;
    const rows = kStagesShown.filter((k) => (this.totals[k] ?? 0) > 0).map((k) => {
      const total = this.totals[k]!;
      const done = this.done[k] ?? 0;
      const width = 24;
      const fill = Math.round((done / total) * width);
      const rate = done / Math.max(secs, 1e-3);
      const eta = rate > 0 ? (total - done) / rate : NaN;
      return `${k.padEnd(9)} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${String(done).padStart(4)}/${total}  ${rate.toFixed(1)}/s  ETA ${Number.isFinite(eta) ? `${eta.toFixed(0)} s` : "?"}`;
    });
    rows.push(`written ${(this.bytes / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s (${(this.bytes / 1e6 / Math.max(secs, 1e-3)).toFixed(0)} MB/s)`);
    this.out.write(rows.join("\n") + "\n");
    this.drawn = rows.length;
  }

  finish(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.tty) this.draw();
  }
}
