/**
 * Releases the leases a process still holds when it ends: on 'exit' (normal end, process.exit, an uncaught
 * exception) and on SIGINT/SIGTERM/SIGHUP (Ctrl-C, scancel, a Slurm time limit). SIGKILL cannot be caught; such a
 * lease is reclaimed by the dead-pid rule (same host) or the heartbeat timeout (other hosts).
 * Exit handlers must be synchronous, so each tracked lease supplies a synchronous release.
 */

interface Releasable {
  releaseSync(): void;
}

const active = new Set<Releasable>();
const kSignals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type Sig = (typeof kSignals)[number];
let installed = false;

function releaseAll(): void {
  for (const l of [...active]) {
    try {
      l.releaseSync();
    } catch {
      // Nothing sensible to do while exiting; the reclaim rules will free the slot.
    }
  }
  active.clear();
}

function onExit(): void {
  releaseAll();
}

function onSignal(sig: Sig): void {
  // If the application handles this signal itself, it owns the shutdown (and may still be using the slot,
  // e.g. stopping a sorter in it): leave the lease to the application or to the 'exit' handler.
  if (process.listenerCount(sig) > 1) return;
  releaseAll();
  uninstall();
  // Re-raise so the default action (terminate with the signal) happens as if we had never listened.
  process.kill(process.pid, sig);
}

const handlers = new Map<Sig, () => void>(kSignals.map((s) => [s, () => onSignal(s)]));

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", onExit);
  for (const [sig, h] of handlers) process.on(sig, h);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.removeListener("exit", onExit);
  for (const [sig, h] of handlers) process.removeListener(sig, h);
}

/** Releases `l` synchronously if the process ends while it is tracked. */
export function trackForExit(l: Releasable): void {
  active.add(l);
  install();
}

/** Stops tracking `l` (it was released); removes the handlers when nothing is tracked any more. */
export function untrackForExit(l: Releasable): void {
  active.delete(l);
  if (active.size === 0) uninstall();
}
