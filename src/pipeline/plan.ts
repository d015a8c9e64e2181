/**
 * What `rplpipe run` will do: the sessions of the given directory (day, session, array or channel level),
 * each session's recording, the channels to process and which of their outputs are missing. Planning
 * reads headers only; it refuses bad requests (unknown channel or session, an unwritable session directory)
 * before any work starts.
 */
import { accessSync, constants, existsSync, readdirSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { RplpipeError } from "../errors.js";
import { discover, sessionRecording, type SessionDir } from "../layout/discover.js";
import { defaultLevels, normpath, type LevelConfig } from "../layout/levels.js";
import { arrayDirName, channelDirName, objectFileName } from "../layout/names.js";
import { openNsx } from "../io/nsx.js";
import { openNev } from "../io/nev.js";
import type { HighpassChainOptions, LfpChainOptions } from "../dsp/chains.js";
import type { ChannelInfo } from "./objects.js";
import { highpassArgs, lfpArgs } from "./objects.js";
import { kJobStages, type JobStage } from "../ledger/key.js";

/** The stages, in the order a run does them (the ledger's job stages: src/ledger/key.ts). */
export const kStages = kJobStages;
export type Stage = JobStage;

export interface ChannelPlan {
  /** Column of the channel in the .ns5. */
  index: number;
  info: ChannelInfo;
  dir: string;
  /** PyHipp's `dirs` entry. */
  dirs: string;
  /** Outputs still to write (absent: not requested, or present and not --redo). */
  outputs: { raw?: string; lfp?: string; highpass?: string };
  /** Outputs present and kept. */
  existing: string[];
}

export interface SessionPlan {
  name: string;
  path: string;
  ns5: string;
  nev: string | undefined;
  samplingRate: number;
  /** Samples per channel that will be processed (neo's segment 0, as PyHipp). */
  samples: number;
  channels: ChannelPlan[];
  /** rplparallel_d41d.hkl to write, if the stage is requested and it is missing (or --redo). */
  parallel: string | undefined;
  warnings: string[];
}

export interface PlanOptions {
  stages: readonly Stage[];
  /** Electrode ids; default every neural (µV) channel. */
  channels?: readonly number[];
  /** Session directory names, e.g. ["session01"]. */
  sessions?: readonly string[];
  redo: boolean;
  lfp: Required<LfpChainOptions>;
  highpass: Required<HighpassChainOptions>;
  levels?: LevelConfig;
}

export interface PlanFailure {
  session: string;
  code: string;
  message: string;
}

const kFilterTypes: Record<number, string> = { 0: "None", 1: "Butterworth", 2: "Chebyshev" };

/** Deletes temporary outputs of runs that died (their pid is gone), so a rerun starts clean. */
function removeStaleTemps(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /\.tmp-(\d+)-[0-9a-z]+$/i.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      unlinkSync(join(dir, name));
    }
  }
}

function channelInfos(ns5: string, nev: string | undefined): { infos: (ChannelInfo & { index: number; connector: number; units: string })[]; samples: number; segments: number; samplingRate: number } {
  const nsx = openNsx(ns5, { neoCompatible: true });
  try {
    const h = nsx.header;
    const filters = new Map<number, { hi: number; hiOrder: number; hiType: number; lo: number; loOrder: number; loType: number }>();
    if (nev) {
      const f = openNev(nev);
      try {
        for (const x of f.header.filters)
          filters.set(x.electrodeId, { hi: x.highFreqCorner, hiOrder: x.highFreqOrder, hiType: x.highFreqType, lo: x.lowFreqCorner, loOrder: x.lowFreqOrder, loType: x.lowFreqType });
      } finally {
        f.close();
      }
    }
    const infos = h.channels.map((c) => {
      // PyHipp takes the filter fields from the NEV (NEUEVFLT); without one we use the NSx CC header's.
      const f = filters.get(c.electrodeId) ?? { hi: c.highFreqCorner, hiOrder: c.highFreqOrder, hiType: c.highFreqType, lo: c.lowFreqCorner, loOrder: c.lowFreqOrder, loType: c.lowFreqType };
      return {
        index: c.index,
        connector: c.physicalConnector,
        units: c.units,
        electrodeId: c.electrodeId,
        label: c.label,
        samplingRate: h.samplingRate,
        highFreqCornerHz: f.hi / 1000,
        highFreqOrder: f.hiOrder,
        highFilterType: kFilterTypes[f.hiType] ?? `type ${f.hiType}`,
        lowFreqCornerHz: f.lo / 1000,
        lowFreqOrder: f.loOrder,
        lowFilterType: kFilterTypes[f.loType] ?? `type ${f.loType}`,
      };
    });
    return { infos, samples: h.segments[0]?.sampleCount ?? 0, segments: h.segments.length, samplingRate: h.samplingRate };
  } finally {
    nsx.close();
  }
}

function planSession(s: SessionDir, o: PlanOptions, only: { electrode?: number; array?: string }): SessionPlan {
  const { ns5, nev } = sessionRecording(s);
  try {
    accessSync(s.path, constants.W_OK);
  } catch {
    throw new RplpipeError("ERR_NOT_WRITABLE", `${s.path} is not writable; outputs go into the session directory. Fix its permissions or run on a writable copy.`);
  }
  const { infos, samples, segments, samplingRate } = channelInfos(ns5, nev);
  const warnings: string[] = [];
  if (segments > 1) warnings.push(`${basename(ns5)} has ${segments} segments (pauses); like PyHipp only segment 0 (${samples} samples) is processed`);
  let chosen = infos.filter((c) => c.units === "uV");
  if (o.channels) {
    const missing = o.channels.filter((id) => !infos.some((c) => c.electrodeId === id));
    if (missing.length)
      throw new RplpipeError("ERR_NO_CHANNEL", `channel${missing.length > 1 ? "s" : ""} ${missing.join(", ")} not in ${ns5}; it has electrodes ${infos.map((c) => c.electrodeId).join(", ")}`);
    chosen = o.channels.map((id) => infos.find((c) => c.electrodeId === id)!);
  }
  if (only.electrode !== undefined) chosen = chosen.filter((c) => c.electrodeId === only.electrode);
  if (only.array !== undefined) chosen = chosen.filter((c) => arrayDirName(c.connector) === only.array);
  const lfpName = objectFileName("rpllfp.hkl", lfpArgs(o.lfp) as never);
  const hpName = objectFileName("rplhighpass.hkl", highpassArgs(o.highpass) as never);
  const levels = o.levels ?? defaultLevels;
  const channels = chosen.map((c) => {
    const dir = join(s.path, arrayDirName(c.connector), channelDirName(c.electrodeId));
    removeStaleTemps(dir);
    const outputs: ChannelPlan["outputs"] = {};
    const existing: string[] = [];
    const want = (stage: Stage, key: "raw" | "lfp" | "highpass", file: string) => {
      if (!o.stages.includes(stage)) return;
      const p = join(dir, file);
      if (!o.redo && existsSync(p)) existing.push(p);
      else outputs[key] = p;
    };
    want("split", "raw", "rplraw_d41d.hkl");
    want("lfp", "lfp", lfpName);
    want("highpass", "highpass", hpName);
    const { index, connector: _c, units: _u, ...info } = c;
    return { index, info, dir, dirs: normpath(dir, levels), outputs, existing };
  });
  let parallel: string | undefined;
  if (o.stages.includes("parallel") && only.electrode === undefined && only.array === undefined) {
    removeStaleTemps(s.path);
    const p = join(s.path, "rplparallel_d41d.hkl");
    if (!nev) warnings.push(`no .nev in ${s.path}: no rplparallel (PyHipp makes an empty object)`);
    else if (o.redo || !existsSync(p)) parallel = p;
  }
  return { name: s.name, path: s.path, ns5, nev, samplingRate, samples, channels, parallel, warnings };
}

/**
 * Plans a run over `dir`. Session-level problems (no .ns5, unreadable file) become failures so the other
 * sessions still run; bad requests throw.
 * @throws RplpipeError ERR_NO_SESSION (unknown --sessions name), ERR_NO_CHANNEL (unknown channel, with the
 *   list of existing ones), ERR_NOT_WRITABLE, ERR_NOT_A_DIRECTORY / ERR_NOT_A_LEVEL (not a recording tree)
 */
export function planRun(dir: string, o: PlanOptions): { sessions: SessionPlan[]; failures: PlanFailure[] } {
  const levels = o.levels ?? defaultLevels;
  const d = discover(dir, levels);
  let sessions = d.days.flatMap((day) => day.sessions);
  const only: { electrode?: number; array?: string } = {};
  if (d.ancestors.session) sessions = sessions.filter((s) => s.path === d.ancestors.session);
  if (d.ancestors.array) only.array = basename(d.ancestors.array);
  if (d.ancestors.channel) {
    const m = /(\d{3})$/.exec(basename(d.ancestors.channel));
    if (!m) throw new RplpipeError("ERR_NOT_A_LEVEL", `${d.ancestors.channel}: a channel directory name must end in 3 digits (channel009)`);
    only.electrode = Number(m[1]);
  }
  if (o.sessions) {
    const names = sessions.map((s) => s.name);
    const unknown = o.sessions.filter((n) => !names.includes(n));
    if (unknown.length) throw new RplpipeError("ERR_NO_SESSION", `no session ${unknown.join(", ")} under ${dir}; sessions: ${names.join(", ") || "none"}`);
    sessions = sessions.filter((s) => o.sessions!.includes(s.name));
  }
  if (sessions.length === 0) throw new RplpipeError("ERR_NO_SESSION", `no session directories (session01, sessioneye, …) under ${dir}`);
  const plans: SessionPlan[] = [];
  const failures: PlanFailure[] = [];
  for (const s of sessions) {
    try {
      plans.push(planSession(s, o, only));
    } catch (e) {
      const err = e as RplpipeError;
      if (err.code === "ERR_NO_CHANNEL" || err.code === "ERR_NOT_WRITABLE") throw e;
      if (!(e instanceof RplpipeError)) throw e;
      failures.push({ session: s.path, code: err.code, message: err.message });
    }
  }
  return { sessions: plans, failures };
}
