/**
 * Which kind of recording a file is, from its first 8 bytes (never from its extension: labs rename files,
 * and Ripple's float .nfX files share extensions' digits with NSx).
 */
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { RplpipeError } from "../errors.js";

export type RecordingKind = "nsx" | "nev" | "nfx" | "unknown";

const kMagic: Record<string, RecordingKind> = {
  NEURALSG: "nsx",
  NEURALCD: "nsx",
  BRSMPGRP: "nsx",
  NEURALEV: "nev",
  BREVENTS: "nev",
  NEUCDFLT: "nfx",
};

/**
 * Reads the 8-byte file id of `path`.
 * @throws RplpipeError ERR_FILE_OPEN when the file is missing, unreadable or a directory.
 */
export function detectRecordingKind(path: string): RecordingKind {
  let fd: number;
  try {
    if (statSync(path).isDirectory()) throw new RplpipeError("ERR_FILE_OPEN", `${path}: is a directory, expected a recording file`);
    fd = openSync(path, "r");
  } catch (e) {
    if (e instanceof RplpipeError) throw e;
    throw new RplpipeError("ERR_FILE_OPEN", `${path}: cannot open (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    const b = Buffer.alloc(8);
    const n = readSync(fd, b, 0, 8, 0);
    return kMagic[b.subarray(0, n).toString("latin1")] ?? "unknown";
  } finally {
    closeSync(fd);
  }
}
