/**
 * The error catalogue. Three kinds, as users need to tell them apart:
 * - `TypeError` / `RangeError` for a bad argument or option (made by {@link invalidOption}),
 * - {@link RecordingFormatError} for a file that is not what it claims to be (stable `code`, file, byte offset,
 *   expected, found),
 * - {@link RplpipeError} with a stable `code` for everything else the pipeline refuses (a missing file, a
 *   conflicting option, an unwritable output directory).
 */

/** Stable error codes of malformed or unreadable recordings. Mirrors native/src/common/format_error.h. */
export const FormatErrorCodes = [
  "ERR_FILE_OPEN",
  "ERR_TRUNCATED",
  "ERR_BAD_MAGIC",
  "ERR_UNSUPPORTED_VERSION",
  "ERR_HEADER_LENGTH",
  "ERR_NO_CHANNELS",
  "ERR_BLOCK_PAST_EOF",
  "ERR_BAD_BLOCK_HEADER",
  "ERR_BAD_FIELD",
  "ERR_WRITE",
  "ERR_RANGE",
] as const;
export type FormatErrorCode = (typeof FormatErrorCodes)[number];

/**
 * Base class of every error rplpipe raises on purpose; `code` never changes between versions. Codes outside
 * {@link FormatErrorCodes}: ERR_FILE_OPEN (also a format code), ERR_CLOSED (a reader used after close()),
 * ERR_NOT_PTP (PTP timestamps of a non-PTP file), ERR_NO_RECORDINGS (a directory without .nsX/.nev),
 * ERR_NO_NS5 / ERR_SEVERAL_NS5 / ERR_SEVERAL_NEV (session files), ERR_NOT_A_LEVEL / ERR_LEVEL_CONFIG (layout),
 * ERR_NO_MARKERS (a .nev without parallel-port events), ERR_WRITE (an output that could not be written).
 */
export class RplpipeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RplpipeError";
    this.code = code;
  }
}

/** A recording file (.nsX, .nev) that cannot be read: says which file, where, what was expected and found. */
export class RecordingFormatError extends RplpipeError {
  readonly file: string;
  /** Byte offset in `file` where the problem was found. */
  readonly offset: number;
  readonly expected: string;
  readonly found: string;
  constructor(
    code: FormatErrorCode,
    message: string,
    details: { file: string; offset: number; expected: string; found: string },
  ) {
    super(code, message);
    this.name = "RecordingFormatError";
    this.file = details.file;
    this.offset = details.offset;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** The native addon failed in a way that is a bug in rplpipe, not in the input. */
export class NativeError extends RplpipeError {
  constructor(message: string) {
    super("ERR_NATIVE", message);
    this.name = "NativeError";
  }
}

function describe(actual: unknown): string {
  if (typeof actual === "string") return `${JSON.stringify(actual)} of type string`;
  if (Array.isArray(actual)) return `an array of length ${actual.length}`;
  if (actual === null) return "null";
  return `${String(actual)} of type ${typeof actual}`;
}

/**
 * The one message shape for bad arguments and options (after sharp's lib/is.mjs):
 * `Expected integer between 1 and 8 for options.order but received 12 of type number`.
 * A wrong type gives a TypeError, a right type out of range a RangeError.
 */
export function invalidOption(name: string, expected: string, actual: unknown, range = false): TypeError | RangeError {
  const msg = `Expected ${expected} for ${name} but received ${describe(actual)}`;
  return range ? new RangeError(msg) : new TypeError(msg);
}
