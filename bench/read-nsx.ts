/**
 * NSx read benchmark: a synthetic 64-channel, 10-minute, 30 kHz .ns5 (spec 2.3, 2.3 GB) is read whole, every
 * channel de-interleaved to its own float32 array in 1-second chunks with reused buffers (readScaledInto), from
 * a warm page cache, on one thread. Then neo (bench/reference/neo_read.py in .venv-ref) does the same
 * (get_analogsignal_chunk + rescale_signal_raw_to_float + one contiguous array per channel). Throughput is
 * file data bytes per second. Results go to bench/results/read-nsx.json.
 *
 * Warm page cache: by default the freshly written file is dropped from the page cache (dd iflag=nocache) and
 * read once through rplpipe, i.e. the cache is what a first, cold read through rplpipe leaves: with
 * MADV_HUGEPAGE on our mapping the kernel reads ahead into 2 MiB folios, which every later mapping (ours and
 * neo's numpy memmap alike) maps without 4 KiB page faults. --keep-cache times the cache as the writer left
 * it instead (partly small folios: ~0.07-0.1 s of page-fault work per pass on the 2.3 GB file).
 *
 * Run: npx vite-node bench/read-nsx.ts [--minutes 10] [--channels 64] [--repeats 3] [--no-neo] [--keep-cache]
 * (uses the addon at RPLPIPE_ADDON or build/Release/rplpipe.node).
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { openNsx } from "../src/io/nsx.js";
import { writeNsx } from "../src/io/nsx-writer.js";
import { setSimdLevel, simdInfo } from "../src/simd.js";
import type { SimdLevelName } from "../src/native/binding.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const minutes = opt("minutes", 10);
const nch = opt("channels", 64);
const repeats = opt("repeats", 3);
const runNeo = !args.includes("--no-neo");
const keepCache = args.includes("--keep-cache");
const rate = 30000;
const chunk = rate; // 1 s per call

function makeFile(dir: string): string {
  const path = join(dir, "bench", "bench.ns5");
  mkdirSync(dirname(path), { recursive: true });
  const n = Math.round(minutes * 60 * rate);
  // 8 distinct noise patterns shared by the channels: realistic bytes without 2.3 GB of JS input arrays.
  const patterns = Array.from({ length: 8 }, (_, p) => {
    const a = new Int16Array(n);
    let x = 0x9e3779b9 ^ p;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      a[i] = ((x >>> 20) - 2048) + Math.round(300 * Math.sin(i / (30 + p)));
    }
    return a;
  });
  writeNsx(path, {
    version: "2.3",
    channels: Array.from({ length: nch }, (_, c) => ({ electrodeId: c + 1, label: `raw ${c + 1}` })),
    segments: [{ timestamp: 0, data: Array.from({ length: nch }, (_, c) => patterns[c % 8]!) }],
  });
  return path;
}

/** Reads the file once through the page cache so every timed pass starts warm. */
function warm(path: string): void {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(8 << 20);
  while (readSync(fd, buf, 0, buf.length, null) > 0);
  closeSync(fd);
}

/** Drops the file's pages from the page cache (posix_fadvise DONTNEED via GNU dd); false if that failed. */
function evict(path: string): boolean {
  try {
    execFileSync("dd", [`if=${path}`, "iflag=nocache", "count=0", "status=none"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Page-cache memory held in huge (PMD-sized) folios, kB, from /proc/meminfo (null off Linux). */
function fileHugePagesKB(): number | null {
  try {
    const m = /FileHugePages:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function timeRead(path: string, scaled: boolean): number {
  const f = openNsx(path);
  const n = f.header.segments[0]!.sampleCount;
  const channels = f.header.channels.map((c) => c.index);
  const t0 = process.hrtime.bigint();
  if (scaled) {
    const outs = channels.map(() => new Float32Array(chunk));
    for (let start = 0; start < n; start += chunk)
      f.readScaledInto(outs, { channels, start, count: Math.min(chunk, n - start) });
  } else {
    const outs = channels.map(() => new Int16Array(chunk));
    for (let start = 0; start < n; start += chunk)
      f.readRawInto(outs, { channels, start, count: Math.min(chunk, n - start) });
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  f.close();
  return s;
}

interface NeoResult {
  scaled_seconds: number[];
  raw_seconds: number[];
  neo_version: string;
  numpy_version: string;
}

const median = (a: number[]): number => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "rplpipe-bench-nsx-"));
  try {
    process.stderr.write(`writing ${nch} ch x ${minutes} min x 30 kHz ...\n`);
    const t0 = Date.now();
    const path = makeFile(dir);
    const f = openNsx(path);
    const bytes = f.header.segments[0]!.sampleCount * nch * 2;
    f.close();
    process.stderr.write(`  ${(bytes / 1e9).toFixed(2)} GB in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const hugeBefore = fileHugePagesKB();
    let cache = "as the writer left it (--keep-cache)";
    if (!keepCache) {
      if (evict(path)) {
        timeRead(path, false); // cold read through rplpipe: 2 MiB readahead folios (MADV_HUGEPAGE)
        cache = "dropped, then read once cold through rplpipe";
      } else {
        cache = "as the writer left it (could not drop it: no GNU dd?)";
        process.stderr.write(`!!! could not drop the page cache; timing the cache ${cache}\n`);
      }
    }
    warm(path);
    timeRead(path, true); // also faults the mapping in once
    const hugeAfter = fileHugePagesKB();
    process.stderr.write(`  page cache: ${cache}; FileHugePages ${hugeBefore} -> ${hugeAfter} kB\n`);

    const all: SimdLevelName[] = ["scalar", "avx2", "avx512"];
    const levels = all.slice(0, all.indexOf(simdInfo().detected) + 1);
    const ours: Record<string, { scaledSeconds: number[]; rawSeconds: number[]; scaledGBps: number; rawGBps: number }> =
      {};
    const gbps = (seconds: number[]): number => bytes / median(seconds) / 1e9;
    for (const level of levels) {
      setSimdLevel(level);
      const scaledSeconds = Array.from({ length: repeats }, () => timeRead(path, true));
      const rawSeconds = Array.from({ length: repeats }, () => timeRead(path, false));
      const r = { scaledSeconds, rawSeconds, scaledGBps: gbps(scaledSeconds), rawGBps: gbps(rawSeconds) };
      ours[level] = r;
      process.stderr.write(`  rplpipe ${level}: scaled ${r.scaledGBps.toFixed(2)} GB/s, raw ${r.rawGBps.toFixed(2)} GB/s\n`);
    }
    setSimdLevel("auto");
    const best = ours[simdInfo().active]!;

    let neo: Record<string, unknown> | null = null;
    let ratio: { scaled: number; raw: number } | null = null;
    if (runNeo) {
      process.stderr.write("  neo ...\n");
      const py = join(root, ".venv-ref", "bin", "python");
      const script = join(root, "bench", "reference", "neo_read.py");
      const out = execFileSync(py, [script, path, String(chunk), String(repeats)], { encoding: "utf8", maxBuffer: 1 << 24 });
      const r = JSON.parse(out) as NeoResult;
      const scaledGBps = gbps(r.scaled_seconds);
      const rawGBps = gbps(r.raw_seconds);
      neo = {
        version: r.neo_version,
        numpy: r.numpy_version,
        scaledSeconds: r.scaled_seconds,
        rawSeconds: r.raw_seconds,
        scaledGBps,
        rawGBps,
      };
      ratio = { scaled: best.scaledGBps / scaledGBps, raw: best.rawGBps / rawGBps };
      process.stderr.write(`  neo ${r.neo_version}: scaled ${scaledGBps.toFixed(2)} GB/s, raw ${rawGBps.toFixed(2)} GB/s\n`);
      process.stderr.write(`  speed-up: scaled x${ratio.scaled.toFixed(1)}, raw x${ratio.raw.toFixed(1)}\n`);
    }
    const result = {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        memoryGB: Math.round(totalmem() / 2 ** 30),
        kernel: release(),
        node: process.version,
      },
      // Other processes share the machine (a busy CI box or workstation); a high load lowers every number.
      loadAverage1m: loadavg()[0],
      simd: simdInfo(),
      file: { version: "2.3", channels: nch, minutes, samplingRate: rate, dataBytes: bytes },
      method:
        "whole file, all channels, 1 s chunks into reused per-channel buffers, warm page cache, one thread; " +
        "median of repeats; GB = 1e9 bytes of file data",
      pageCache: { state: cache, fileHugePagesKB: { before: hugeBefore, after: hugeAfter } },
      rplpipe: ours,
      neo,
      speedup: ratio,
    };
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(join(root, "bench", "results", "read-nsx.json"), JSON.stringify(result, null, 2) + "\n");
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
