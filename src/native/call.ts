/**
 * Wraps every raw native call: a native error carrying `rplCode` becomes a typed RecordingFormatError (or
 * NativeError) whose stack is the caller's, not the addon's (sharp's is.nativeError).
 */
import { FormatErrorCodes, NativeError, RecordingFormatError, type FormatErrorCode } from "../errors.js";

interface NativeErrorShape {
  message: string;
  rplCode?: string;
  file?: string;
  offset?: number;
  expected?: string;
  found?: string;
}

export function translateNativeError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const n = e as Error & NativeErrorShape;
  if (n.rplCode === undefined) return e;
  if ((FormatErrorCodes as readonly string[]).includes(n.rplCode)) {
    return new RecordingFormatError(n.rplCode as FormatErrorCode, n.message, {
      file: n.file ?? "",
      offset: n.offset ?? 0,
      expected: n.expected ?? "",
      found: n.found ?? "",
    });
  }
  return new NativeError(n.message);
}

/** Calls `fn` and rethrows native errors as typed errors created here (so the stack shows the caller). */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw translateNativeError(e);
  }
}
