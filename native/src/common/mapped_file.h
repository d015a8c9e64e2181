// Read-only memory mapping of a whole file (RAII).
//
// Reading one channel of a 30 GB .ns5 touches only the pages that hold it: the kernel pages in what the
// de-interleaving loop reads, nothing more. 64-bit sizes and offsets throughout (neo had int overflows on
// multi-GB files). Mappings of 2 MiB and more carry MADV_HUGEPAGE (see mapped_file.cc).
#ifndef RPLPIPE_COMMON_MAPPED_FILE_H_
#define RPLPIPE_COMMON_MAPPED_FILE_H_

#include <cstdint>
#include <string>

#include "common/byte_cursor.h"

namespace rpl {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws FormatError(ERR_FILE_OPEN)
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  ByteView view() const { return ByteView(data_, size_, path_); }

  // Hint that [offset, offset+len) will be read sequentially soon (MADV_WILLNEED / SEQUENTIAL).
  void AdviseSequential(uint64_t offset, uint64_t len) const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace rpl

#endif  // RPLPIPE_COMMON_MAPPED_FILE_H_
