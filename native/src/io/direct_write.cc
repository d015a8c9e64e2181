#include "io/direct_write.h"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace rpl::io {

namespace {

std::mutex pool_mu;
std::vector<AlignedBuffer> pool;  // free buffers, kept for reuse (their pages stay mapped)

struct Pending {
  int count = 0;
  std::string error;
};
std::mutex pending_mu;
std::condition_variable pending_cv;
std::unordered_map<int, Pending> pending;

}  // namespace

AlignedBuffer AcquireAligned(size_t bytes) {
  {
    std::lock_guard<std::mutex> lock(pool_mu);
    // The smallest free buffer that fits (pipeline writes are a few sizes: whole HDF5 chunks).
    size_t best = pool.size();
    for (size_t i = 0; i < pool.size(); ++i)
      if (pool[i].capacity >= bytes && (best == pool.size() || pool[i].capacity < pool[best].capacity)) best = i;
    if (best != pool.size()) {
      const AlignedBuffer b = pool[best];
      pool[best] = pool.back();
      pool.pop_back();
      return b;
    }
  }
  const size_t cap = (bytes + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
  void* p = nullptr;
  if (posix_memalign(&p, kDirectAlign, cap == 0 ? kDirectAlign : cap) != 0) throw std::bad_alloc();
  return {p, cap};
}

void ReleaseAligned(AlignedBuffer b) {
  if (b.data == nullptr) return;
  std::lock_guard<std::mutex> lock(pool_mu);
  // Bounded: a few buffers per writing thread is all the pipeline keeps in flight.
  if (pool.size() >= 128) {
    std::free(b.data);
    return;
  }
  pool.push_back(b);
}

void PwriteAll(int fd, const void* data, size_t bytes, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::pwrite(fd, p, bytes, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      throw std::runtime_error("direct write of " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) +
                               " failed: " + std::strerror(e));
    }
    if (n == 0) throw std::runtime_error("direct write at offset " + std::to_string(offset) + " wrote nothing");
    p += n;
    bytes -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

void BeginPending(int fd) {
  std::lock_guard<std::mutex> lock(pending_mu);
  ++pending[fd].count;
}

void EndPending(int fd, const std::string& error) {
  {
    std::lock_guard<std::mutex> lock(pending_mu);
    Pending& p = pending[fd];
    --p.count;
    if (!error.empty() && p.error.empty()) p.error = error;
  }
  pending_cv.notify_all();
}

std::string WaitPending(int fd) {
  std::unique_lock<std::mutex> lock(pending_mu);
  pending_cv.wait(lock, [&] {
    const auto it = pending.find(fd);
    return it == pending.end() || it->second.count == 0;
  });
  const auto it = pending.find(fd);
  if (it == pending.end()) return "";
  std::string e = std::move(it->second.error);
  pending.erase(it);
  return e;
}

}  // namespace rpl::io
