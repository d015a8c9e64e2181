// Output memory hints for the filters and the resampler.
//
// A fresh output array (new Float32Array(n) in JS) is untouched virtual memory: each 4 KiB page is mapped
// and zeroed by a page fault on its first write. For a 16-channel minute at 30 kHz that is 28 000 faults,
// which cost about as much as filtering in a VM. Asking for transparent huge pages on the array first
// (madvise MADV_HUGEPAGE, Linux; only the whole 2 MiB pages inside the array) turns them into a few dozen
// faults. It is only a hint: contents and results never change, and pages already present stay as they are.
#ifndef RPLPIPE_DSP_HUGE_PAGES_H_
#define RPLPIPE_DSP_HUGE_PAGES_H_

#include <cstddef>

namespace rpl::dsp {

// Hint for [p, p + bytes): no-op off Linux, for small ranges, or when the kernel refuses.
void AdviseHugePages(void* p, size_t bytes);

}  // namespace rpl::dsp

#endif  // RPLPIPE_DSP_HUGE_PAGES_H_
