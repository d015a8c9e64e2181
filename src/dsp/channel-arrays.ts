/**
 * Channel arrays laid out for the SIMD filter kernels: one buffer, one float32 view per channel.
 *
 * The kernels that write filtered samples straight into channel arrays keep one cache line of every array in
 * the L1 cache while they fill it. Large arrays allocated one by one (`new Float32Array(n)` each) usually all
 * start at the same address modulo 4 KiB — page-aligned memory plus the same allocator header — so their
 * lines share one L1 set and evict each other; for 16 such arrays the kernels fall back to a row tile plus a
 * transposing copy. Views from here start one 64-byte line apart modulo 4 KiB, so the direct path applies
 * (16 channels of hp30k sosfiltfilt on Zen 5: ~4 % faster; docs/filters.md).
 */
import { invalidOption } from "../errors.js";
import { checkInteger } from "../validate.js";

const kLine = 64; // bytes
const kPage = 4096;

/**
 * `count` zero-filled Float32Arrays of `length` samples each, views of one ArrayBuffer, arranged so the
 * filters' direct channel writes apply (see the module comment). Use them anywhere a channel array is taken
 * (outputs of sosfiltfiltInterleaved / sosfiltInterleaved, sosfiltfiltChannels, NsxFile.readScaledInto).
 * @example
 * const hp = sosfiltfiltInterleaved(sos, frames, 16, {}, channelArrays(16, frames.length / 16));
 */
export function channelArrays(count: number, length: number): Float32Array[] {
  checkInteger("count", count, 1, 65536);
  checkInteger("length", length, 1, 2 ** 31);
  // Each array takes whole pages plus one line, so each starts one line further into its page than the last.
  const stride = Math.ceil((length * 4) / kPage) * kPage + kLine;
  const bytes = stride * (count - 1) + length * 4;
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(bytes);
  } catch {
    // One buffer holds them all: past what this process may allocate, split the channels into several calls.
    throw invalidOption("count × length", `at most what one ArrayBuffer can hold (this one needs ${bytes} bytes); allocate the channels in smaller groups`, `${count} × ${length}`, true);
  }
  return Array.from({ length: count }, (_, c) => new Float32Array(buffer, c * stride, length));
}

/**
 * Outputs the library allocates for float32 channels: channelArrays when one buffer can hold them, else one
 * array per channel (what the caller would get without this module).
 */
export function allocChannelOutputs(count: number, length: number): Float32Array[] {
  if (count > 1) {
    try {
      return channelArrays(count, length);
    } catch {
      // too large for one ArrayBuffer: separate arrays below
    }
  }
  return Array.from({ length: count }, () => new Float32Array(length));
}
