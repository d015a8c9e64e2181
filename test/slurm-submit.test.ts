/**
 * `rplpipe submit --dry-run`: the scripts it writes (no Slurm needed): one split job per session sized with
 * --cpus-per-task, one sort array over the day's channels throttled to the slot count, a finisher; options
 * validated before anything is written; the array task and CPU count come from Slurm's environment.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSyntheticDay } from "../src/synth/day.js";
import { submitDays } from "../src/slurm/submit.js";
import { readManifest } from "../src/slurm/manifest.js";
import { runCli } from "./helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "rplpipe-submit-"));
const day = join(root, "picasso", "20181105");
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => {
  writeSyntheticDay(day, { seconds: 1, arrays: 2, channelsPerArray: 2, seed: 3 });
});

describe("rplpipe submit --dry-run", () => {
  it("writes one split job per session, a throttled sort array with its manifest, and a finisher", async () => {
    const r = await runCli([
      "submit", day, "--dry-run", "--cpus", "2", "--slots", "3", "--partition", "compute", "--time", "2:00:00", "--mem", "8G",
      "--sbatch-flags=--account=lab --qos=long", "--sort-prefix", "/opt/sorter", "--retries", "2", "--notify-cmd", "echo done",
      "--high-pass", "600,6000",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dry run: nothing submitted/);
    const rounds = readdirSync(join(day, ".rplpipe", "slurm"));
    expect(rounds).toHaveLength(1);
    const m = readManifest(join(day, ".rplpipe", "slurm", rounds[0]!, "manifest.json"));
    expect(m.round).toBe(1);
    expect(m.jobs).toEqual({ split: {} });
    expect(m.sessions.map((s) => s.name)).toEqual(["session01", "sessioneye"]);
    expect(m.sortChannels).toEqual([1, 2, 33, 34]);
    const split = readFileSync(m.scripts.split.session01!, "utf8");
    expect(split).toMatch(/^#!\/bin\/bash\n/);
    for (const line of ["#SBATCH --cpus-per-task=2", "#SBATCH --partition=compute", "#SBATCH --time=2:00:00", "#SBATCH --mem=8G", "#SBATCH --account=lab", "#SBATCH --qos=long", "#SBATCH --ntasks=1"])
      expect(split).toContain(line);
    expect(split).toMatch(new RegExp(`run ${join(day, "session01")} --stages split,lfp,highpass,parallel --high-pass 600,6000\\n`));
    const sort = readFileSync(m.scripts.sort!, "utf8");
    expect(sort).toContain("#SBATCH --array=0-3%3");
    expect(sort).toContain("#SBATCH --kill-on-invalid-dep=yes");
    expect(sort).toMatch(/job sort-task .*manifest\.json --sort-prefix \/opt\/sorter\n/);
    expect(sort).toContain("%x.%N.%A_%a.out");
    const finish = readFileSync(m.scripts.finish!, "utf8");
    expect(finish).toMatch(/job finish .*manifest\.json\n/);
    expect(m.options.retries).toBe(2);
    expect(m.options.notifyCmd).toBe("echo done");
  });

  it("--from-pack unpacks the sorter environments into node-local scratch once per node and sorts from that pool", async () => {
    const [m] = await submitDays(day, { dryRun: true, fromPack: "/shared/sorter.tar.gz", nodeScratch: "/scratch", packSlots: 2 });
    const sort = readFileSync(m!.scripts.sort!, "utf8");
    expect(sort).toContain("ENVS=/scratch/rplpipe-envs");
    expect(sort).toMatch(/flock -w 3600 "\$ENVS\.lock" .* envs provision --from-pack \/shared\/sorter\.tar\.gz --count 2 --dest "\$ENVS" --register --pool "\$ENVS\/pool"/);
    expect(sort).toContain(`--sort-pool "$ENVS/pool"`);
    expect(sort).toContain("#SBATCH --array=0-3%2"); // throttle = environments per node by default
  });

  it("without a sorter environment submits no sort array and says so", async () => {
    const prev = process.env.RPLPIPE_ENV_POOL;
    delete process.env.RPLPIPE_ENV_POOL;
    try {
      const [m] = await submitDays(day, { dryRun: true });
      expect(m!.scripts.sort).toBeUndefined();
      expect(m!.warnings.join(" ")).toMatch(/no sorter environment/);
    } finally {
      if (prev !== undefined) process.env.RPLPIPE_ENV_POOL = prev;
    }
  });

  it("refuses bad options before writing anything", async () => {
    const before = readdirSync(join(day, ".rplpipe", "slurm")).length;
    const cases: [string[], RegExp][] = [
      [["--time", "forever"], /Slurm time .* for --time but received "forever"/],
      [["--mem", "lots"], /memory size like 16G for --mem/],
      [["--cpus", "0"], /--cpus/],
      [["--sbatch-flags", "account=lab"], /sbatch flags starting with -/],
      [["--sbatch-flags", "--qos"], /--sbatch-flags=-XYZ/],
      [["--partition", "a b"], /--partition/],
      [["--sort-pool", "/p", "--sort-prefix", "/q"], /at most one of/],
      [["--stages", "split,frobnicate"], /unknown stage "frobnicate"/],
      [["--bogus"], /Unknown option '--bogus'/],
    ];
    for (const [args, re] of cases) {
      const r = await runCli(["submit", day, "--dry-run", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(re);
    }
    expect(readdirSync(join(day, ".rplpipe", "slurm")).length).toBe(before);
    const below = await runCli(["submit", join(day, "session01"), "--dry-run"]);
    expect(below.code).toBe(2);
    expect(below.stderr).toMatch(/below a day; submit the day/);
    expect(existsSync(join(day, "session01", ".rplpipe"))).toBe(false);
  });
});
