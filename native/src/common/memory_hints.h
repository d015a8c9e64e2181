// Hints to the kernel about large sample arrays: huge pages for fresh outputs, and giving pages back early.
//
// AdviseHugePages: a fresh output array (new Float32Array(n) in JS) is untouched virtual memory: each 4 KiB
// page is mapped and zeroed by a page fault on its first write. For a 16-channel minute at 30 kHz that is
// 28 000 faults, which cost about as much as filtering in a VM. Asking for transparent huge pages on the array
// first (madvise MADV_HUGEPAGE, Linux; only the whole 2 MiB pages inside the array) turns them into a few dozen
// faults. It is only a hint: contents and results never change, and pages already present stay as they are.
//
// ReleasePages: a pipeline worker keeps its channel buffers (hundreds of MB) from task to task. After its last
// task they are garbage, but the JS engine frees them only when the worker is torn down, and that teardown runs
// once every worker is done, on the critical path of the run. Releasing the pages when the worker's last task
// ends frees that memory while the other workers still compute (docs/pipeline.md).
#ifndef RPLPIPE_COMMON_MEMORY_HINTS_H_
#define RPLPIPE_COMMON_MEMORY_HINTS_H_

#include <cstddef>

namespace rpl::common {

// Huge-page hint for [p, p + bytes): no-op off Linux, for small ranges, or when the kernel refuses.
void AdviseHugePages(void* p, size_t bytes);

// Drops the physical pages wholly inside [p, p + bytes) (madvise MADV_DONTNEED on Linux). The range stays
// mapped and valid: those pages read as zeros afterwards and are faulted in again on the next write. Bytes of
// partial pages at either end are left as they are. Returns the bytes released (0 off Linux or on refusal).
size_t ReleasePages(void* p, size_t bytes);

}  // namespace rpl::common

#endif  // RPLPIPE_COMMON_MEMORY_HINTS_H_
