/**
 * The one loader of the native addon (after sharp's lib/sharp.mjs): finds the built .node, checks its ABI
 * version and, if it cannot load, says why with a list of possible solutions.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { RawBinding } from "./binding.js";

const kAbiVersion = 1;
const require = createRequire(import.meta.url);

/** Package root: two levels above this file both in src/native (tsx/vitest) and dist/native (built). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

function candidates(): string[] {
  const fromEnv = process.env.RPLPIPE_ADDON;
  if (fromEnv) return [resolve(fromEnv)];
  return [join(packageRoot, "build", "Release", "rplpipe.node"), join(packageRoot, "build", "Debug", "rplpipe.node")];
}

let cached: RawBinding | undefined;

/** Loads (once per thread) and returns the raw binding. Internal. */
export function binding(): RawBinding {
  if (cached) return cached;
  const tried = candidates();
  const errors: string[] = [];
  for (const path of tried) {
    if (!existsSync(path)) {
      errors.push(`${path}: not found`);
      continue;
    }
    try {
      const b = require(path) as RawBinding;
      if (b.abiVersion !== kAbiVersion) {
        errors.push(`${path}: ABI version ${String(b.abiVersion)}, this code needs ${kAbiVersion}`);
        continue;
      }
      cached = b;
      return b;
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    [
      "Could not load the rplpipe native addon.",
      ...errors.map((e) => `  tried ${e}`),
      "Possible solutions:",
      "- Build it: `npm run build` (needs cmake, a C++17 compiler and the npm packages from `npm ci`).",
      "- Reinstall: `rm -rf node_modules build && npm ci`.",
      "- Point RPLPIPE_ADDON at a built rplpipe.node.",
    ].join("\n"),
  );
}
