// directWrite(fd, src, srcByteOffset, length, fileOffset, async) and directWait(fd): the page-cache-bypassing
// writes of io/direct_write.h. `src` is any typed array (the hickle writer passes h5wasm's heap view);
// [srcByteOffset, srcByteOffset + length) of its bytes is copied into an aligned buffer before the call
// returns, so the caller may reuse the memory at once. async: the write runs on the libuv thread pool and the
// call returns a Promise; otherwise it is written before the call returns. fileOffset and length must be
// multiples of 4096 (the TS layer splits writes so); fd must be open with O_DIRECT.
#include <cmath>
#include <cstring>
#include <string>

#include "io/direct_write.h"
#include "napi/js_errors.h"
#include "napi/modules.h"

namespace rpl::napi {

namespace {

class DirectWriteWorker : public Napi::AsyncWorker {
 public:
  DirectWriteWorker(Napi::Env env, int fd, io::AlignedBuffer buf, size_t bytes, uint64_t offset)
      : Napi::AsyncWorker(env, "rplpipe:directWrite"),
        deferred_(Napi::Promise::Deferred::New(env)),
        fd_(fd),
        buf_(buf),
        bytes_(bytes),
        offset_(offset) {}
  ~DirectWriteWorker() override { io::ReleaseAligned(buf_); }
  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    std::string error;
    try {
      io::PwriteAll(fd_, buf_.data, bytes_, offset_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    // Counted off here, on the pool thread: directWait may be blocking the JS thread on it.
    io::EndPending(fd_, error);
    if (!error.empty()) SetError(error);
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  int fd_;
  io::AlignedBuffer buf_;
  size_t bytes_;
  uint64_t offset_;
};

Napi::Value DirectWrite(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int fd = static_cast<int>(ArgNumber(info, 0, "fd"));
    if (info.Length() <= 1 || !info[1].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "src: expected a typed array");
    const Napi::TypedArray src = info[1].As<Napi::TypedArray>();
    const double src_off = ArgNumber(info, 2, "srcByteOffset");
    const double len = ArgNumber(info, 3, "length");
    const double file_off = ArgNumber(info, 4, "fileOffset");
    const bool async = info.Length() > 5 && info[5].ToBoolean().Value();
    const double avail = static_cast<double>(src.ByteLength());
    if (!(src_off >= 0 && len > 0 && src_off + len <= avail))
      throw Napi::RangeError::New(info.Env(), "directWrite: source range outside the array");
    if (!(file_off >= 0) || std::fmod(file_off, io::kDirectAlign) != 0 || std::fmod(len, io::kDirectAlign) != 0)
      throw Napi::RangeError::New(info.Env(), "directWrite: fileOffset and length must be multiples of 4096");
    const size_t bytes = static_cast<size_t>(len);
    const char* from = static_cast<const char*>(src.ArrayBuffer().Data()) + src.ByteOffset() + static_cast<size_t>(src_off);
    io::AlignedBuffer buf = io::AcquireAligned(bytes);
    std::memcpy(buf.data, from, bytes);
    if (!async) {
      try {
        io::PwriteAll(fd, buf.data, bytes, static_cast<uint64_t>(file_off));
      } catch (...) {
        io::ReleaseAligned(buf);
        throw;
      }
      io::ReleaseAligned(buf);
      return info.Env().Undefined();
    }
    io::BeginPending(fd);
    auto* w = new DirectWriteWorker(info.Env(), fd, buf, bytes, static_cast<uint64_t>(file_off));
    const Napi::Promise p = w->Promise();
    w->Queue();
    return p;
  });
}

// Blocks until every async directWrite on fd has landed; throws the first error one of them met.
Napi::Value DirectWait(const Napi::CallbackInfo& info) {
  return Guard(info.Env(), [&]() -> Napi::Value {
    const int fd = static_cast<int>(ArgNumber(info, 0, "fd"));
    const std::string e = io::WaitPending(fd);
    if (!e.empty()) throw Napi::Error::New(info.Env(), e);
    return info.Env().Undefined();
  });
}

}  // namespace

void RegisterDirectIo(Napi::Env env, Napi::Object exports) {
  exports.Set("directWrite", Napi::Function::New(env, DirectWrite, "directWrite"));
  exports.Set("directWait", Napi::Function::New(env, DirectWait, "directWait"));
}

}  // namespace rpl::napi
