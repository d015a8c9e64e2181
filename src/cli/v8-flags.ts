/**
 * V8 settings for the `rplpipe` process, imported first by the CLI (never by the library: a library must not
 * change its host's engine).
 *
 * h5wasm's HDF5 runs as WebAssembly. V8 first compiles it with its baseline compiler (Liftoff) and then
 * recompiles the functions that get hot with its optimizing one (TurboFan). For rplpipe that tier-up is pure
 * cost: HDF5 only does bookkeeping per 4 MiB chunk (the bytes are moved by memory.copy and the file system),
 * yet recompiling costs CPU time in every run. Measured on the bench session (32 channels × 10 min,
 * `--buffered-io`, 2 vCPUs, 4 alternating runs each): user time 3.42-3.68 s with tier-up, 3.33-3.54 s
 * without (a profile put the optimizing compiler's wasm work at about 0.3 CPU s). A budget this large means
 * "never tier up" while keeping TurboFan for any function Liftoff cannot compile. Set before any module is
 * compiled (h5wasm is loaded lazily, in the workers); the flag is process-wide, so the workers inherit it.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--wasm-tiering-budget=2000000000");
