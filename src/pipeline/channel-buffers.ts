/**
 * A pipeline worker's channel buffers, kept from task to task (a task refills them: no fresh memory to fault in).
 *
 * They live in the worker's h5wasm heap when they fit, so the hickle writer writes the raw and spike-band
 * samples from where they are (pinHeapArrays) instead of copying every slab into a heap buffer first: that
 * copy was 4-5 % of the run's CPU time on the bench session (4.7 GB of outputs, 2 vCPUs). Otherwise (a long
 * recording: the wasm heap is 2 GiB and HDF5 needs some of it) they are ordinary arrays, written with the copy.
 *
 * A growing wasm heap detaches every view on it, and HDF5 may grow it during any write, so a view from here is
 * only good until the next HDF5 call: take fresh ones with view()/views() at each step.
 */
import type { H5 } from "../hdf5/h5.js";
import { releasePages } from "../memory.js";

/** Largest block taken from the wasm heap (of its 2 GiB; HDF5's own needs are tens of MB). */
const kMaxHeapBytes = 1 << 30;
const kPage = 4096;
const kLine = 64;

export class ChannelBuffers {
  private constructor(
    readonly count: number,
    readonly samples: number,
    private readonly heap: { h: H5; block: number; base: number } | undefined,
    private readonly stride: number,
    private readonly arrays: Float32Array[],
  ) {}

  /**
   * `count` buffers of `samples` float32 each: in `h`'s heap when given and they fit, else ordinary arrays.
   * Like channelArrays, each buffer starts one cache line further into its page than the one before, so the
   * filters' direct channel writes do not find them all in one L1 set.
   */
  static allocate(count: number, samples: number, h: H5 | undefined): ChannelBuffers {
    const stride = Math.ceil((samples * 4) / kPage) * kPage + kLine;
    const bytes = stride * count;
    if (h !== undefined && bytes <= kMaxHeapBytes) {
      const block = h.M._malloc(bytes + kPage);
      if (block !== 0) {
        const base = Math.ceil(block / kPage) * kPage;
        return new ChannelBuffers(count, samples, { h, block, base }, stride, []);
      }
    }
    const arrays = Array.from({ length: count }, () => new Float32Array(samples));
    return new ChannelBuffers(count, samples, undefined, stride, arrays);
  }

  /** True when the buffers live in the wasm heap (written without a copy). */
  get inHeap(): boolean {
    return this.heap !== undefined;
  }

  /** Buffer `i`, as a view valid until the next HDF5 call (see the module comment). */
  view(i: number): Float32Array {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`channel buffer ${i} of ${this.count}`);
    if (this.heap === undefined) return this.arrays[i]!;
    return new Float32Array(this.heap.h.M.HEAPU8.buffer, this.heap.base + i * this.stride, this.samples);
  }

  /** Buffers 0..n-1 (fresh views). */
  views(n = this.count): Float32Array[] {
    return Array.from({ length: n }, (_, i) => this.view(i));
  }

  /** Gives the memory back to the system now (pages released; the heap block freed). Do not use it after. */
  release(): void {
    for (let i = 0; i < this.count; i++) releasePages(this.view(i));
    if (this.heap) this.heap.h.M._free(this.heap.block);
    this.arrays.length = 0;
  }
}
