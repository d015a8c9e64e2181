/**
 * Giving a large typed array's memory back to the system before the engine frees it (native
 * common/memory_hints.h). The pipeline's workers call it on their channel buffers after their last task, so
 * that memory is freed while other workers still compute rather than in the pool's teardown at the end.
 */
import { binding } from "./native/load.js";

/**
 * Drops the physical pages wholly inside `view`'s bytes (madvise MADV_DONTNEED on Linux; nothing elsewhere).
 * The array stays usable: those pages read as zeros afterwards, and writing faults them in again. Bytes of the
 * partial pages at either end keep their values.
 * @returns the bytes released (0 when nothing was)
 * @throws {TypeError} when `view` is not a typed array
 */
export function releasePages(view: ArrayBufferView): number {
  if (!ArrayBuffer.isView(view) || view instanceof DataView) {
    throw new TypeError(`Expected a typed array for view, got ${Object.prototype.toString.call(view)}`);
  }
  return binding().releasePages(view);
}
