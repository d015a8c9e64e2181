// Giving a large buffer's memory back to the system without freeing the buffer.
//
// A pipeline worker keeps its channel buffers (hundreds of MB) from task to task. After its last task they are
// garbage, but the JS engine frees them only when the worker is torn down, and that teardown runs once every
// worker is done, on the critical path of the run. Releasing the pages when the worker's last task ends frees
// that memory while the other workers still compute (docs/pipeline.md).
#ifndef RPLPIPE_COMMON_RELEASE_PAGES_H_
#define RPLPIPE_COMMON_RELEASE_PAGES_H_

#include <cstddef>

namespace rpl::common {

// Drops the physical pages wholly inside [p, p + bytes) (madvise MADV_DONTNEED on Linux). The range stays
// mapped and valid: those pages read as zeros afterwards and are faulted in again on the next write. Bytes of
// partial pages at either end are left as they are. Returns the bytes released (0 off Linux or on refusal).
size_t ReleasePages(void* p, size_t bytes);

}  // namespace rpl::common

#endif  // RPLPIPE_COMMON_RELEASE_PAGES_H_
