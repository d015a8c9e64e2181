/**
 * RPLParallel: trial markers from the parallel-port events of a session's .nev, exactly as PyHipp's
 * `arrangeMarkers` and `RPLParallel.create` compute them (PH `PyHipp/rplparallel.py`, spec/pyhipp.md §3.1),
 * every branch and quirk included. Arrays are row-major (numpy C order) with their numpy shape beside them.
 * docs/layout.md ("Trial markers") walks through the rules.
 */
import { RplpipeError, invalidOption } from "../errors.js";
import { openNev } from "../io/nev.js";
import type { ParallelPortMode } from "../io/nev-types.js";
import { checkNumber } from "../validate.js";

/** A numpy array: `data` in C (row-major) order, `shape` as numpy reports it. */
export interface NdArray<T> {
  readonly data: T;
  readonly shape: readonly number[];
}

/**
 * Which arrangeMarkers branch applied (raw = the event values, N of them; "code" = raw[0], raw[2], …):
 * - `start-code`: raw[1] == 0 and raw[0] is 84 or 204 → start code dropped, codes in triplets (K × 3)
 * - `triplets`: raw[1] == 0, raw[0] > 1, no start code → codes in triplets
 * - `triplets-2`: raw[1] == 0, raw[0] ≤ 1, raw[2] == 2 → codes in triplets
 * - `pairs`: raw[1] == 0, raw[0] ≤ 1, raw[2] != 2 → codes in pairs; time stamps from the first half of
 *   all event times (PyHipp's C-order reshape), not the code times
 * - `no-reset`: raw[1] != 0 → every value kept (N/2 × 2); timeStamps stay 2 × N/2 (not transposed)
 * - `fallback`: a reshape or index failed → raw, ts and `[]` returned unchanged ("problem with arrange markers")
 */
export type MarkerBranch = "start-code" | "triplets" | "triplets-2" | "pairs" | "no-reset" | "fallback";

export interface ArrangedMarkers {
  branch: MarkerBranch;
  /** uint16. */
  markers: NdArray<Uint16Array>;
  /** float64 seconds. */
  timeStamps: NdArray<Float64Array>;
  /** int64 floor(timeStamps × samplingRate); `null` for the fallback, where PyHipp stores an empty list. */
  trialIndices: NdArray<BigInt64Array> | null;
  /** Why the fallback was taken (PyHipp only prints "problem with arrange markers"). */
  problem?: string;
}

/** numpy's float64 → int64 cast after floor: out of range, NaN and ±inf give INT64_MIN (x86-64). */
function floorInt64(x: number): bigint {
  const f = Math.floor(x);
  return Number.isFinite(f) && f >= -(2 ** 63) && f < 2 ** 63 ? BigInt(f) : -(2n ** 63n);
}

function indices(ts: NdArray<Float64Array>, rate: number): NdArray<BigInt64Array> {
  const out = new BigInt64Array(ts.data.length);
  for (let i = 0; i < out.length; i++) out[i] = floorInt64(ts.data[i]! * rate);
  return { data: out, shape: ts.shape };
}

const reshapeProblem = (size: number, rows: number): string => `cannot reshape array of size ${size} into shape (${rows},-1)`;

/** Codes raw[start], raw[start+2], … in rows of 3 and the times of the codes (the F-order reshape + transpose). */
function triplets(raw: Uint16Array, ts: Float64Array, start: number): [Uint16Array, Float64Array] | string {
  const nCodes = (raw.length - start) / 2;
  if (nCodes % 3 !== 0) return reshapeProblem(nCodes, 3);
  const m = new Uint16Array(nCodes);
  const t = new Float64Array(nCodes);
  for (let i = 0; i < nCodes; i++) {
    m[i] = raw[start + 2 * i]!;
    t[i] = ts[start + 2 * i]!; // rows 0, 2, 4 of reshape(ts[start:], (6, -1), 'F')
  }
  return [m, t];
}

/**
 * PyHipp's `arrangeMarkers(markers, timeStamps, samplingRate=30000)`, every branch (see {@link MarkerBranch}).
 * Never throws on the stream's shape: like PyHipp it falls back to the raw arrays.
 * @param values parallel-port words in file order (uint16).
 * @param seconds their times in seconds (float64), same length.
 * @throws {TypeError} unless `values` is a Uint16Array and `seconds` a Float64Array. {@link RangeError} when
 *   their lengths differ or `samplingRate` is not a positive finite number.
 */
export function arrangeMarkers(values: Uint16Array, seconds: Float64Array, samplingRate = 30000): ArrangedMarkers {
  if (!(values instanceof Uint16Array)) throw invalidOption("values", "Uint16Array", values);
  if (!(seconds instanceof Float64Array)) throw invalidOption("seconds", "Float64Array", seconds);
  if (seconds.length !== values.length)
    throw invalidOption("seconds", `Float64Array of length ${values.length} (one time per value)`, seconds, true);
  checkNumber("samplingRate", samplingRate, 0, Infinity, true);
  const n = values.length;
  const fallback = (problem: string): ArrangedMarkers => ({
    branch: "fallback", markers: { data: values, shape: [n] }, timeStamps: { data: seconds, shape: [n] }, trialIndices: null, problem,
  });
  if (n % 2 !== 0) return fallback(reshapeProblem(n, 2));
  if (n === 0) return fallback("index 0 is out of bounds (no events)");
  const half = n / 2;
  if (values[1] !== 0) {
    // No reset zeros: markers (N/2, 2) = raw in order; timeStamps (2, N/2) F-order, left untransposed.
    const t = new Float64Array(n);
    for (let k = 0; k < half; k++) {
      t[k] = seconds[2 * k]!;
      t[half + k] = seconds[2 * k + 1]!;
    }
    return {
      branch: "no-reset", markers: { data: values.slice(), shape: [half, 2] }, timeStamps: { data: t, shape: [2, half] },
      trialIndices: indices({ data: seconds, shape: [half, 2] }, samplingRate),
    };
  }
  let branch: MarkerBranch;
  let got: [Uint16Array, Float64Array] | string;
  let cols = 3;
  if (values[0]! > 1) {
    branch = values[0] === 204 || values[0] === 84 ? "start-code" : "triplets";
    got = triplets(values, seconds, branch === "start-code" ? 2 : 0);
  } else if (half < 2) {
    return fallback("index 1 is out of bounds for axis 1 with size 1 (raw[2] missing)");
  } else if (values[2] === 2) {
    branch = "triplets-2";
    got = triplets(values, seconds, 0);
  } else {
    branch = "pairs";
    cols = 2;
    if (half % 2 !== 0) return fallback(reshapeProblem(half, 2));
    const m = new Uint16Array(half);
    for (let i = 0; i < half; i++) m[i] = values[2 * i]!;
    got = [m, seconds.slice(0, half)]; // reshape(ts, (2, -1)) is C order: row 0 = the first half of all times
  }
  if (typeof got === "string") return fallback(got);
  const shape = [got[0].length / cols, cols];
  const timeStamps = { data: got[1], shape };
  return { branch, markers: { data: got[0], shape }, timeStamps, trialIndices: indices(timeStamps, samplingRate) };
}

/** A task session's RPLParallel (hkl keys in order: {@link RPLPARALLEL_KEYS}.task). */
export interface RplParallelTask extends ArrangedMarkers {
  kind: "task";
  rawMarkers: Uint16Array;
  /** ev_times[0]. */
  sessionStartTime: number;
  samplingRate: 30000;
  numSets: 1;
}
/** An eye-calibration session's RPLParallel (first value 128): every other event, nothing arranged. */
export interface RplParallelEye {
  kind: "eye";
  markers: NdArray<Uint16Array>;
  timeStamps: NdArray<Float64Array>;
  rawMarkers: Uint16Array;
}
export type RplParallelResult = RplParallelTask | RplParallelEye;

/** Keys of the saved rplparallel_d41d.hkl, in PyHipp's attribute-creation order. */
export const RPLPARALLEL_KEYS = Object.freeze({
  task: ["args", "markers", "timeStamps", "dirs", "setidx", "plotopts", "current_idx", "samplingRate", "rawMarkers",
    "sessionStartTime", "numSets", "trialIndices"] as const,
  eye: ["args", "markers", "timeStamps", "dirs", "setidx", "plotopts", "current_idx", "rawMarkers"] as const,
});

/**
 * RPLParallel.create from parallel-port events: `values[0] == 128` → eye session (`markers = values[::2]`,
 * `timeStamps = seconds[::2]`); otherwise samplingRate 30000, sessionStartTime = seconds[0], numSets 1 and
 * {@link arrangeMarkers}.
 * @throws {TypeError|RangeError} as {@link arrangeMarkers}. {@link RplpipeError} ERR_NO_MARKERS when there is
 *   no event (PyHipp fails with IndexError on `ev_markers[0]`).
 */
export function rplParallel(events: { values: Uint16Array; seconds: Float64Array }): RplParallelResult {
  const { values, seconds } = events;
  if (!(values instanceof Uint16Array)) throw invalidOption("events.values", "Uint16Array", values);
  if (!(seconds instanceof Float64Array)) throw invalidOption("events.seconds", "Float64Array", seconds);
  if (values.length === 0)
    throw new RplpipeError("ERR_NO_MARKERS", "no parallel-port events: PyHipp's RPLParallel fails here (IndexError on ev_markers[0]); check that the .nev holds the session's markers");
  if (values[0] === 128) {
    const every2 = <T extends Uint16Array | Float64Array>(a: T): T => a.filter((_, i) => i % 2 === 0) as T;
    const markers = every2(values);
    return { kind: "eye", markers: { data: markers, shape: [markers.length] }, timeStamps: { data: every2(seconds), shape: [markers.length] }, rawMarkers: values };
  }
  const arranged = arrangeMarkers(values, seconds, 30000);
  return { kind: "task", ...arranged, rawMarkers: values, sessionStartTime: seconds[0]!, samplingRate: 30000, numSets: 1 };
}

/**
 * RPLParallel from a .nev file: its parallel-port events (`"neo"` = exactly neo's digital_input_port, which
 * PyHipp reads) through {@link rplParallel}.
 * @throws {TypeError|RangeError} for a bad path or mode. {@link RecordingFormatError} from {@link openNev}.
 *   {@link RplpipeError} ERR_NO_MARKERS.
 */
export function rplParallelFromNev(path: string, mode: ParallelPortMode = "neo"): RplParallelResult {
  const nev = openNev(path);
  try {
    const ev = nev.parallelPortEvents(mode);
    return rplParallel({ values: ev.values, seconds: ev.seconds });
  } finally {
    nev.close();
  }
}
