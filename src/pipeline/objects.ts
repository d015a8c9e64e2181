/**
 * The dicts PyHipp saves (spec/pyhipp.md §2.5, §3.1–3.5), as hickle values: same keys in the same order,
 * same Python and numpy types as the files the real PyHipp code writes (test/hdf5-hickle.test.ts reads such files).
 *
 * One deliberate fix: PyHipp stores the LFP and high-pass corner frequencies multiplied by the sampling rate
 * (RPLLFP HighFreqCorner 1000 for a 1 Hz corner, RPLHighPass 15000000.0 for 500 Hz). We store the corners in
 * Hz, with PyHipp's Python types (docs/pipeline.md).
 */
import type { PyValue } from "../hdf5/hickle-types.js";
import { minMaxF32 } from "../simd.js";
import { npArray, npScalar, pyDict, pyFloat, pyInt, pyList, pyNone, pyStr } from "../hdf5/hickle-types.js";
import type { RplParallelResult, NdArray } from "./markers.js";

/** A JS number as Python would hold the parameter: integer → int, otherwise float. */
export function pyNumber(x: number): PyValue {
  return Number.isInteger(x) ? pyInt(x) : pyFloat(x);
}

/** The per-channel facts RPLSplit copies into analogInfo (from the NEV's NEUEVFLT, else the NSx CC header). */
export interface ChannelInfo {
  electrodeId: number;
  /** The NSx label, e.g. "raw 9"; ProbeInfo is Python's str() of its bytes: "b'raw 9'". */
  label: string;
  samplingRate: number;
  highFreqCornerHz: number;
  highFreqOrder: number;
  highFilterType: string;
  lowFreqCornerHz: number;
  lowFreqOrder: number;
  lowFilterType: string;
}

/** Python's repr() of the label's bytes, what PyHipp's `str(x)` of neo's byte channel names gives. */
export function probeInfo(label: string): string {
  let s = "";
  for (const ch of Buffer.from(label, "latin1")) {
    if (ch === 0x5c) s += "\\\\";
    else if (ch === 0x27) s += "\\'";
    else if (ch === 0x0a) s += "\\n";
    else if (ch === 0x0d) s += "\\r";
    else if (ch === 0x09) s += "\\t";
    else if (ch >= 0x20 && ch < 0x7f) s += String.fromCharCode(ch);
    else s += `\\x${ch.toString(16).padStart(2, "0")}`;
  }
  return `b'${s}'`;
}

/** [min, max] of the samples; NaN for an empty array (as before: PyHipp never writes an empty channel). */
function minMax(data: Float32Array): [number, number] {
  return data.length ? minMaxF32(data) : [NaN, NaN];
}

/** DPObject.create's common attributes: dirs, setidx, plotopts, current_idx. */
function dpoBase(dirs: string, level: string): [string, PyValue][] {
  return [
    ["dirs", pyList([pyStr(dirs)])],
    ["setidx", pyList([])],
    ["plotopts", pyDict([["indexer", pyStr(level)]])],
    ["current_idx", pyNone()],
  ];
}

/** rplraw_d41d.hkl: keys args, data, analogInfo, dirs, setidx, plotopts, current_idx, numSets. */
export function rplRawObject(data: Float32Array, info: ChannelInfo, dirs: string): PyValue {
  const [lo, hi] = minMax(data);
  const analogInfo = pyDict([
    ["SampleRate", pyFloat(info.samplingRate)],
    ["Units", pyStr("uV")],
    ["HighFreqCorner", pyFloat(info.highFreqCornerHz)],
    ["HighFreqOrder", npScalar("uint32", info.highFreqOrder)],
    ["HighFilterType", pyStr(info.highFilterType)],
    ["LowFreqCorner", pyFloat(info.lowFreqCornerHz)],
    ["LowFreqOrder", npScalar("uint32", info.lowFreqOrder)],
    ["LowFilterType", pyStr(info.lowFilterType)],
    ["MaxVal", npScalar("float32", hi)],
    ["MinVal", npScalar("float32", lo)],
    ["NumberSamples", pyInt(data.length)],
    ["ProbeInfo", pyStr(probeInfo(info.label))],
  ]);
  return pyDict([["args", pyDict([])], ["data", npArray(data)], ["analogInfo", analogInfo], ...dpoBase(dirs, "channel"), ["numSets", pyInt(1)]]);
}

export interface LfpParams {
  resampleRate: number;
  lfpOrder: number;
  lowPassFrequency: readonly [number, number];
}

export interface HighpassParams {
  highOrder: number;
  highPassFrequency: readonly [number, number];
}

/** PyHipp's RPLLFP args, in argsList order (also what the file-name hash is computed from). */
export function lfpArgs(p: LfpParams): [string, number | readonly number[]][] {
  return [["ResampleRate", p.resampleRate], ["LFPOrder", p.lfpOrder], ["LowPassFrequency", p.lowPassFrequency]];
}

/** PyHipp's RPLHighPass args, in argsList order. */
export function highpassArgs(p: HighpassParams): [string, number | readonly number[]][] {
  return [["HighOrder", p.highOrder], ["HighPassFrequency", p.highPassFrequency]];
}

function argsDict(args: [string, number | readonly number[]][]): PyValue {
  return pyDict(args.map(([k, v]): [string, PyValue] => [k, typeof v === "number" ? pyNumber(v) : pyList(v.map(pyNumber))]));
}

/** rpllfp_XXXX.hkl: keys args, data, analogInfo, numSets, dirs, setidx, plotopts, current_idx. */
export function rplLfpObject(data: Float32Array, p: LfpParams, info: ChannelInfo, dirs: string): PyValue {
  const [lo, hi] = minMax(data);
  const analogInfo = pyDict([
    ["SampleRate", pyNumber(p.resampleRate)],
    ["MinVal", npScalar("float64", lo)],
    ["MaxVal", npScalar("float64", hi)],
    ["HighFreqCorner", pyNumber(p.lowPassFrequency[0])], // PyHipp: × ResampleRate (a bug)
    ["LowFreqCorner", pyNumber(p.lowPassFrequency[1])],
    ["NumberSamples", pyInt(data.length)],
    ["HighFreqOrder", pyNumber(p.lfpOrder)],
    ["LowFreqOrder", pyNumber(p.lfpOrder)],
    ["ProbeInfo", pyStr(probeInfo(info.label).replace("raw", "lfp"))],
  ]);
  return pyDict([["args", argsDict(lfpArgs(p))], ["data", npArray(data)], ["analogInfo", analogInfo], ["numSets", pyInt(1)], ...dpoBase(dirs, "channel")]);
}

/** rplhighpass_XXXX.hkl: keys as the LFP. */
export function rplHighpassObject(data: Float32Array, p: HighpassParams, info: ChannelInfo, dirs: string): PyValue {
  const [lo, hi] = minMax(data);
  const analogInfo = pyDict([
    ["SampleRate", pyFloat(info.samplingRate)],
    ["MinVal", npScalar("float64", lo)],
    ["MaxVal", npScalar("float64", hi)],
    ["HighFreqCorner", pyFloat(p.highPassFrequency[0])], // PyHipp: × samplingRate (a bug)
    ["LowFreqCorner", pyFloat(p.highPassFrequency[1])],
    ["NumberSamples", pyInt(data.length)],
    ["HighFreqOrder", pyNumber(p.highOrder)],
    ["LowFreqOrder", pyNumber(p.highOrder)],
    ["ProbeInfo", pyStr(probeInfo(info.label).replace("raw", "hp"))],
  ]);
  return pyDict([["args", argsDict(highpassArgs(p))], ["data", npArray(data)], ["analogInfo", analogInfo], ["numSets", pyInt(1)], ...dpoBase(dirs, "channel")]);
}

function nd<T extends Uint16Array | Float64Array | BigInt64Array>(a: NdArray<T>): PyValue {
  return npArray(a.data, [...a.shape]);
}

/** rplparallel_d41d.hkl (task or sessioneye form), keys in RPLPARALLEL_KEYS order. */
export function rplParallelObject(r: RplParallelResult, dirs: string): PyValue {
  const head: [string, PyValue][] = [["args", pyDict([])], ["markers", nd(r.markers)], ["timeStamps", nd(r.timeStamps)], ...dpoBase(dirs, "session")];
  if (r.kind === "eye") return pyDict([...head, ["rawMarkers", npArray(r.rawMarkers)]]);
  return pyDict([
    ...head,
    ["samplingRate", pyInt(r.samplingRate)],
    ["rawMarkers", npArray(r.rawMarkers)],
    ["sessionStartTime", npScalar("float64", r.sessionStartTime)],
    ["numSets", pyInt(r.numSets)],
    ["trialIndices", r.trialIndices ? nd(r.trialIndices) : pyList([])],
  ]);
}
