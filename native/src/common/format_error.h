// Typed errors for malformed or unreadable input files.
//
// Every reader failure carries a stable code (the JS layer turns it into RecordingFormatError with the same
// `code`), the file, the byte offset where the problem was found, what was expected and what was found, so a
// user can tell a truncated copy from a wrong file type without opening a hex editor.
#ifndef RPLPIPE_COMMON_FORMAT_ERROR_H_
#define RPLPIPE_COMMON_FORMAT_ERROR_H_

#include <cstdint>
#include <stdexcept>
#include <string>

namespace rpl {

// Stable codes: never rename one; add new ones at the end. Mirrored in src/errors.ts.
namespace code {
inline constexpr const char* kFileOpen = "ERR_FILE_OPEN";                 // cannot open/stat/map the file
inline constexpr const char* kTruncated = "ERR_TRUNCATED";                // file ends inside a structure
inline constexpr const char* kBadMagic = "ERR_BAD_MAGIC";                 // first 8 bytes are not a known id
inline constexpr const char* kUnsupportedVersion = "ERR_UNSUPPORTED_VERSION";
inline constexpr const char* kHeaderLength = "ERR_HEADER_LENGTH";         // bytes_in_headers vs channel count
inline constexpr const char* kNoChannels = "ERR_NO_CHANNELS";
inline constexpr const char* kBlockPastEof = "ERR_BLOCK_PAST_EOF";        // data block runs past end of file
inline constexpr const char* kBadBlockHeader = "ERR_BAD_BLOCK_HEADER";    // NSx block flag byte != 1
inline constexpr const char* kBadField = "ERR_BAD_FIELD";                 // a header field holds an impossible value
inline constexpr const char* kWrite = "ERR_WRITE";                        // writer could not write/rename
inline constexpr const char* kRange = "ERR_RANGE";                        // a read request outside the data
}  // namespace code

class FormatError : public std::runtime_error {
 public:
  FormatError(std::string code, std::string file, uint64_t offset, std::string what, std::string expected,
              std::string found, std::string hint = {})
      : std::runtime_error(Compose(file, offset, what, expected, found, hint)),
        code_(std::move(code)),
        file_(std::move(file)),
        offset_(offset),
        expected_(std::move(expected)),
        found_(std::move(found)) {}

  const std::string& code() const { return code_; }
  const std::string& file() const { return file_; }
  uint64_t offset() const { return offset_; }
  const std::string& expected() const { return expected_; }
  const std::string& found() const { return found_; }

 private:
  static std::string Compose(const std::string& file, uint64_t offset, const std::string& what,
                             const std::string& expected, const std::string& found, const std::string& hint) {
    std::string m = file + ": " + what + " at byte " + std::to_string(offset) + ": expected " + expected +
                    ", found " + found + ".";
    if (!hint.empty()) m += " " + hint;
    return m;
  }

  std::string code_;
  std::string file_;
  uint64_t offset_;
  std::string expected_;
  std::string found_;
};

}  // namespace rpl

#endif  // RPLPIPE_COMMON_FORMAT_ERROR_H_
