/**
 * Option validation helpers. Every public function validates its arguments here, in TS, before anything
 * crosses into C++ (the native layer trusts what it receives).
 */
import { invalidOption } from "./errors.js";

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Integer in [min, max]; TypeError for a non-number, RangeError for out of range. */
export function checkInteger(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw invalidOption(name, `integer between ${min} and ${max}`, v);
  if (!Number.isInteger(v) || v < min || v > max)
    throw invalidOption(name, `integer between ${min} and ${max}`, v, true);
  return v;
}

/** Finite number in [min, max] (open ends when `exclusive`). */
export function checkNumber(name: string, v: unknown, min: number, max: number, exclusive = false): number {
  const expected = exclusive ? `number greater than ${min} and less than ${max}` : `number between ${min} and ${max}`;
  if (typeof v !== "number" || Number.isNaN(v)) throw invalidOption(name, expected, v);
  const ok = exclusive ? v > min && v < max : v >= min && v <= max;
  if (!ok || !Number.isFinite(v) && !(v === Infinity && max === Infinity)) throw invalidOption(name, expected, v, true);
  return v;
}

export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw invalidOption(name, "boolean", v);
  return v;
}

export function checkString(name: string, v: unknown): string {
  if (typeof v !== "string" || v.length === 0) throw invalidOption(name, "non-empty string", v);
  return v;
}

export function checkOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== "string") throw invalidOption(name, `one of ${allowed.join(", ")}`, v);
  if (!(allowed as readonly string[]).includes(v)) throw invalidOption(name, `one of ${allowed.join(", ")}`, v, true);
  return v as T;
}

/**
 * Rejects unknown keys in an options object, suggesting the closest known one
 * (`Unknown option "padLen" in options; did you mean "padlen"?`), as better-sqlite3 catches misspellings.
 */
export function checkKnownKeys(name: string, options: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const close = known.find((k) => k.toLowerCase() === key.toLowerCase());
    const hint = close ? `; did you mean "${close}"?` : `; known options: ${known.join(", ")}`;
    throw new TypeError(`Unknown option "${key}" in ${name}${hint}`);
  }
}
