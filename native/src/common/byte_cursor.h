// Bounds-checked little-endian reads from a byte range (a memory-mapped file).
//
// Readers never index raw pointers directly: every field goes through Need(), which throws a typed
// ERR_TRUNCATED naming the field and offset instead of reading past the mapping. NSx/NEV are packed and
// little endian (spec/nsx-format.md §1), so fields are assembled with memcpy (no unaligned loads, no UB).
#ifndef RPLPIPE_COMMON_BYTE_CURSOR_H_
#define RPLPIPE_COMMON_BYTE_CURSOR_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "common/format_error.h"

namespace rpl {

class ByteView {
 public:
  ByteView(const uint8_t* data, uint64_t size, std::string file) : data_(data), size_(size), file_(std::move(file)) {}

  uint64_t size() const { return size_; }
  const uint8_t* data() const { return data_; }
  const std::string& file() const { return file_; }

  // Throws ERR_TRUNCATED unless [offset, offset + len) lies inside the view. Overflow-safe.
  void Need(uint64_t offset, uint64_t len, const char* what) const {
    if (offset > size_ || len > size_ - offset) {
      throw FormatError(code::kTruncated, file_, offset, std::string("file ends inside ") + what,
                        std::to_string(len) + " bytes", std::to_string(offset > size_ ? 0 : size_ - offset) +
                                                             " bytes before end of file (size " +
                                                             std::to_string(size_) + ")",
                        "The file is probably an incomplete copy; copy it again from the acquisition machine.");
    }
  }

  template <typename T>
  T Get(uint64_t offset, const char* what) const {
    Need(offset, sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + offset, sizeof(T));  // host is little endian (x86-64, aarch64)
    return v;
  }
  uint8_t U8(uint64_t o, const char* w) const { return Get<uint8_t>(o, w); }
  uint16_t U16(uint64_t o, const char* w) const { return Get<uint16_t>(o, w); }
  int16_t I16(uint64_t o, const char* w) const { return Get<int16_t>(o, w); }
  uint32_t U32(uint64_t o, const char* w) const { return Get<uint32_t>(o, w); }
  uint64_t U64(uint64_t o, const char* w) const { return Get<uint64_t>(o, w); }
  float F32(uint64_t o, const char* w) const { return Get<float>(o, w); }

  // Fixed-width string field as raw bytes with only trailing NULs removed (neo keeps bytes after an
  // embedded NUL; spec/nsx-format.md §1).
  std::string Str(uint64_t offset, uint64_t width, const char* what) const {
    Need(offset, width, what);
    uint64_t n = width;
    while (n > 0 && data_[offset + n - 1] == 0) --n;
    return std::string(reinterpret_cast<const char*>(data_ + offset), n);
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
  std::string file_;
};

// Printable form of up to 8 bytes for "found" in error messages: ASCII where printable, \xNN otherwise.
inline std::string Printable(const uint8_t* p, uint64_t n) {
  static const char* hex = "0123456789abcdef";
  std::string s = "\"";
  for (uint64_t i = 0; i < n; ++i) {
    uint8_t c = p[i];
    if (c >= 32 && c < 127 && c != '"' && c != '\\') {
      s += static_cast<char>(c);
    } else {
      s += "\\x";
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s + "\"";
}

}  // namespace rpl

#endif  // RPLPIPE_COMMON_BYTE_CURSOR_H_
