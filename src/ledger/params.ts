/**
 * The parameter hash of a job: what its outputs depend on besides its inputs. A ledger record that says done
 * for another hash is not done for this one.
 */
import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal parameter sets give equal text. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/**
 * First 16 hex digits of the SHA-256 of `params` in canonical JSON (sorted keys; undefined fields left out).
 * @example paramsHash({ resampleRate: 1000, lfpOrder: 8 }) === paramsHash({ lfpOrder: 8, resampleRate: 1000 })
 */
export function paramsHash(params: unknown): string {
  return createHash("sha256").update(canonical(params)).digest("hex").slice(0, 16);
}
