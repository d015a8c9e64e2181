/**
 * Trial markers as the lab's task computer writes them to the parallel port: every code is followed by a
 * return to 0, a session starts with 84, each trial is cue onset (11–16), cue offset (21–26) and an end code
 * (31–36 correct, 41–46 timeout). Eye-calibration sessions ("sessioneye") start with 128 instead.
 * (spec/pyhipp.md §3.1.)
 */
import { uniform } from "./random.js";

export interface MarkerEvent {
  /** Timestamp in ticks of 1/30000 s. */
  timestamp: number;
  value: number;
}

export interface MarkerOptions {
  seconds: number;
  kind: "task" | "eye";
  seed?: number;
}

/** Marker events in time order for a session of `seconds`. */
export function trialMarkers(opts: MarkerOptions): MarkerEvent[] {
  const u = uniform((opts.seed ?? 1) ^ 0x7a5c);
  const ticks = 30000;
  const out: MarkerEvent[] = [];
  const strobe = (t: number, v: number): void => {
    out.push({ timestamp: Math.round(t * ticks), value: v });
    out.push({ timestamp: Math.round(t * ticks) + 30, value: 0 }); // back to 0 after 1 ms
  };
  let t = 0.5;
  if (opts.kind === "eye") {
    while (t < opts.seconds - 2) {
      strobe(t, 128);
      t += 1 + u();
    }
    return out;
  }
  strobe(t, 84);
  t += 1;
  while (t < opts.seconds - 6) {
    const poster = 1 + Math.floor(u() * 6);
    strobe(t, 10 + poster);
    t += 1;
    strobe(t, 20 + poster);
    t += 1 + 3 * u();
    strobe(t, (u() < 0.8 ? 30 : 40) + poster);
    t += 1 + u();
  }
  return out;
}
