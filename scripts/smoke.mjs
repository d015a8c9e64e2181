#!/usr/bin/env node
// Loads the addon named by RPLPIPE_ADDON (or the default build) through the built library and proves it works:
// writes an NSx 2.3 with two segments and a NEV 2.3, reads both back, compares. Used by check-node-gyp.sh.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openNev, openNsx, simdInfo, writeNev, writeNsx } from "../dist/index.js";

const label = process.argv[2] ?? "default";
const dir = mkdtempSync(join(tmpdir(), "rplpipe-smoke-"));
try {
  const data = [Int16Array.from({ length: 1000 }, (_, i) => i - 500), Int16Array.from({ length: 1000 }, (_, i) => 3 * i)];
  writeNsx(join(dir, "s.ns5"), {
    version: "2.3",
    channels: [{ electrodeId: 1 }, { electrodeId: 7 }],
    segments: [{ timestamp: 0, data }, { timestamp: 5000, data }],
  });
  const f = openNsx(join(dir, "s.ns5"));
  const back = f.readRaw({ segment: 1 });
  f.close();
  if (f.header.segments.length !== 2 || back.some((a, c) => a.some((v, i) => v !== data[c][i])))
    throw new Error("NSx round trip differs");
  writeNev(join(dir, "s.nev"), {
    version: "2.3",
    digitalEvents: { timestamps: BigUint64Array.of(5n, 11n), reasons: Uint8Array.of(1, 1), values: Uint16Array.of(84, 0) },
  });
  const n = openNev(join(dir, "s.nev"));
  const ev = n.digitalEvents();
  n.close();
  if (ev.values[0] !== 84 || ev.timestamps[1] !== 11n) throw new Error("NEV round trip differs");
  console.log(`smoke OK (${label}): addon ${process.env.RPLPIPE_ADDON ?? "build/Release/rplpipe.node"}, SIMD ${JSON.stringify(simdInfo())}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
