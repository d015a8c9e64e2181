/**
 * Options of `rplpipe submit` and their validation. Everything is checked here, before any file is written or
 * any job submitted, so a typo never leaves half a day submitted.
 */
import { invalidOption } from "../errors.js";
import { checkInteger, checkKnownKeys, checkString, isPlainObject } from "../validate.js";
import { kStages, type Stage } from "../pipeline/plan.js";

export interface SubmitOptions {
  /** Stages to run (default all). Without "sort", no array job is submitted. */
  stages?: Stage[];
  /** Extra `rplpipe run` arguments for the split jobs (filter parameters, --outputs). */
  runArgs?: string[];
  /** sbatch --partition for every job. */
  partition?: string;
  /** Time limit of a split job (Slurm's forms: MM, HH:MM:SS, D-HH). Default 24:00:00 (PyHipp's scripts). */
  time?: string;
  /** Time limit of one sort task. Default 24:00:00. */
  sortTime?: string;
  /** Memory of a split job (sbatch --mem, e.g. 16G); default Slurm's. */
  mem?: string;
  /** Memory of one sort task; default Slurm's. */
  sortMem?: string;
  /** CPUs of a split job (--cpus-per-task; rplpipe uses them all as workers). Default 4. */
  cpus?: number;
  /** CPUs of one sort task. Default 1 (MountainSort 4 on one channel is single-threaded). */
  sortCpus?: number;
  /** Sort tasks running at once (the array's %N throttle); default the slot pool's size, else 4. */
  slots?: number;
  /** Extra sbatch flags added to every job, e.g. ["--account=lab", "--qos=long"]. */
  sbatchFlags?: string[];
  /** Failed jobs are resubmitted up to this many times (default 1). */
  retries?: number;
  /** Shell command run once when the whole day is done (or given up on). */
  notifyCmd?: string;
  sorter?: "ms4" | "ms5";
  /** Slot pool of sorter environments on the shared volume. */
  sortPool?: string;
  /** One sorter environment prefix. */
  sortPrefix?: string;
  /** Per channel sort time limit in seconds (inside the task). */
  sortTimeoutS?: number;
  /** conda-pack archive unpacked on each node's local scratch at job start, reused by later jobs there. */
  fromPack?: string;
  /** Node-local directory for --from-pack (default /tmp, evaluated on the node). */
  nodeScratch?: string;
  /** Environments unpacked per node with --from-pack (default the node's CPUs share: 2). */
  packSlots?: number;
  /** How compute nodes start rplpipe (default this node and this package: `node …/dist/cli/main.js`). */
  rplpipe?: string;
  /** Only write and print the scripts. */
  dryRun?: boolean;
}

const kKnown = [
  "stages", "runArgs", "partition", "time", "sortTime", "mem", "sortMem", "cpus", "sortCpus", "slots", "sbatchFlags", "retries",
  "notifyCmd", "sorter", "sortPool", "sortPrefix", "sortTimeoutS", "fromPack", "nodeScratch", "packSlots", "rplpipe", "dryRun",
];

/** Slurm's time formats: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS. */
const kTime = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/;
const kMem = /^\d+[KMGT]?$/i;

/** What `#SBATCH` accepts safely on one line: no newline, nothing a shell would expand when we echo it. */
function sbatchValue(name: string, v: unknown, re: RegExp, expected: string): string {
  const s = checkString(name, v);
  if (!re.test(s)) throw invalidOption(name, expected, v, true);
  return s;
}

/** Validated copy of `o` with defaults filled in. @throws {TypeError | RangeError} naming the option */
export function checkSubmitOptions(o: unknown): Required<Omit<SubmitOptions, "partition" | "mem" | "sortMem" | "notifyCmd" | "sortPool" | "sortPrefix" | "sortTimeoutS" | "fromPack" | "slots">> &
  Pick<SubmitOptions, "partition" | "mem" | "sortMem" | "notifyCmd" | "sortPool" | "sortPrefix" | "sortTimeoutS" | "fromPack" | "slots"> {
  if (!isPlainObject(o)) throw invalidOption("options", "an options object", o);
  checkKnownKeys("options", o, kKnown);
  const x = o as SubmitOptions;
  const stages = x.stages ?? [...kStages];
  for (const s of stages) if (!kStages.includes(s)) throw invalidOption("options.stages", `stages from ${kStages.join(", ")}`, s, true);
  const strings = (name: string, v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw invalidOption(name, "an array of strings", v);
    return v.map((s, i) => {
      const t = checkString(`${name}[${i}]`, s);
      if (/[\n\r]/.test(t)) throw invalidOption(`${name}[${i}]`, "one line", t, true);
      return t;
    });
  };
  const flags = strings("options.sbatchFlags", x.sbatchFlags);
  for (const f of flags) if (!f.startsWith("-")) throw invalidOption("options.sbatchFlags", "sbatch flags starting with - (e.g. --account=lab)", f, true);
  if (x.sorter !== undefined && x.sorter !== "ms4" && x.sorter !== "ms5") throw invalidOption("options.sorter", "ms4 or ms5", x.sorter, true);
  const exclusive = [x.sortPool, x.sortPrefix, x.fromPack].filter((v) => v !== undefined).length;
  if (exclusive > 1) throw invalidOption("options", "at most one of sortPool, sortPrefix, fromPack", "several", true);
  if (x.sortTimeoutS !== undefined && !(typeof x.sortTimeoutS === "number" && x.sortTimeoutS > 0)) throw invalidOption("options.sortTimeoutS", "a positive number of seconds", x.sortTimeoutS, true);
  return {
    stages: [...stages],
    runArgs: strings("options.runArgs", x.runArgs),
    partition: x.partition === undefined ? undefined : sbatchValue("options.partition", x.partition, /^[\w.,-]+$/, "a partition name"),
    time: x.time === undefined ? "24:00:00" : sbatchValue("options.time", x.time, kTime, "a Slurm time (MM, HH:MM:SS or D-HH:MM:SS)"),
    sortTime: x.sortTime === undefined ? "24:00:00" : sbatchValue("options.sortTime", x.sortTime, kTime, "a Slurm time (MM, HH:MM:SS or D-HH:MM:SS)"),
    mem: x.mem === undefined ? undefined : sbatchValue("options.mem", x.mem, kMem, "a memory size like 16G"),
    sortMem: x.sortMem === undefined ? undefined : sbatchValue("options.sortMem", x.sortMem, kMem, "a memory size like 4G"),
    cpus: x.cpus === undefined ? 4 : checkInteger("options.cpus", x.cpus, 1, 4096),
    sortCpus: x.sortCpus === undefined ? 1 : checkInteger("options.sortCpus", x.sortCpus, 1, 4096),
    slots: x.slots === undefined ? undefined : checkInteger("options.slots", x.slots, 1, 100_000),
    sbatchFlags: flags,
    retries: x.retries === undefined ? 1 : checkInteger("options.retries", x.retries, 0, 100),
    notifyCmd: x.notifyCmd === undefined ? undefined : checkString("options.notifyCmd", x.notifyCmd),
    sorter: x.sorter ?? "ms4",
    sortPool: x.sortPool === undefined ? undefined : checkString("options.sortPool", x.sortPool),
    sortPrefix: x.sortPrefix === undefined ? undefined : checkString("options.sortPrefix", x.sortPrefix),
    sortTimeoutS: x.sortTimeoutS,
    fromPack: x.fromPack === undefined ? undefined : checkString("options.fromPack", x.fromPack),
    nodeScratch: x.nodeScratch === undefined ? "/tmp" : checkString("options.nodeScratch", x.nodeScratch),
    packSlots: x.packSlots === undefined ? 2 : checkInteger("options.packSlots", x.packSlots, 1, 1024),
    rplpipe: x.rplpipe === undefined ? "" : checkString("options.rplpipe", x.rplpipe),
    dryRun: x.dryRun === true,
  };
}

export type CheckedSubmitOptions = ReturnType<typeof checkSubmitOptions>;
