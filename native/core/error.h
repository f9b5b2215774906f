// SPDX-License-Identifier: MIT
// Typed errors thrown by native code. The binding turns them into JS errors whose `.code`
// tells lib/backend which KilnError subclass to raise. Native code never aborts the process.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

#include "dtype.h"

namespace kiln {

// Cuda: a CUDA runtime or kernel failure (including errors found asynchronously at the next
// synchronizing call); OutOfMemory: an allocation failed even after freeing cached blocks.
enum class ErrorCode { InvalidArgument, Shape, DType, Index, Device, NotCompiledWithCuda, Cuda, OutOfMemory, Internal };

inline const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::InvalidArgument: return "KILN_INVALID_ARGUMENT";
    case ErrorCode::Shape: return "KILN_SHAPE";
    case ErrorCode::DType: return "KILN_DTYPE";
    case ErrorCode::Index: return "KILN_INDEX";
    case ErrorCode::Device: return "KILN_DEVICE";
    case ErrorCode::NotCompiledWithCuda: return "KILN_NOT_COMPILED_WITH_CUDA";
    case ErrorCode::Cuda: return "KILN_CUDA";
    case ErrorCode::OutOfMemory: return "KILN_OUT_OF_MEMORY";
    case ErrorCode::Internal: return "KILN_INTERNAL";
  }
  return "KILN_INTERNAL";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

template <class... Args>
std::string make_string(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

[[noreturn]] inline void throw_unsupported_dtype(const char* op, DType dt) {
  throw Error(ErrorCode::DType, make_string(op, ": dtype ", dtype_name(dt), " is not supported"));
}

}  // namespace kiln

#define KILN_CHECK(cond, code, ...)                                                  \
  do {                                                                               \
    if (!(cond)) throw ::kiln::Error(::kiln::ErrorCode::code, ::kiln::make_string(__VA_ARGS__)); \
  } while (0)
