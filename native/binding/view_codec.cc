// SPDX-License-Identifier: MIT
#include "view_codec.h"

#include <cstring>

#include "../core/error.h"
#include "../core/functors.h"
#include "storage_memory.h"

namespace kiln::binding {
namespace {

// Largest value accepted for a size, stride or offset: keeps every product below 2^63.
constexpr double kMaxExtent = 4503599627370496.0;  // 2^52
constexpr int64_t kMaxElements = int64_t(1) << 52;

// Whether `v` is an integer in [lo, hi]. The range test comes first: it rejects NaN and the
// infinities, whose conversion to an integer is undefined; a fraction fails the round trip.
inline bool is_integer_in(double v, double lo, double hi) {
  return v >= lo && v <= hi && static_cast<double>(static_cast<int64_t>(v)) == v;
}

// The failure paths are kept out of line, so that the checks of decode_view stay compact.
[[noreturn]] __attribute__((noinline, cold)) void bad_field(double v, const char* op,
                                                            const char* what, const char* field) {
  throw Error(ErrorCode::InvalidArgument,
              make_string(op, ": ", what, " has an invalid ", field, " (", v, ")"));
}

inline int64_t read_int(double v, const char* op, const char* what, const char* field) {
  if (!is_integer_in(v, 0, kMaxExtent)) bad_field(v, op, what, field);
  return static_cast<int64_t>(v);
}

// A non-empty view reaching past its storage. The message names the furthest element, whose
// 64-bit sum may have overflowed: it is recomputed here in 128 bits, where sizes and strides
// below 2^52 over at most 16 dims cannot overflow.
[[noreturn]] __attribute__((noinline, cold)) void out_of_bounds(const TensorView& v, int64_t offset,
                                                                size_t bytes, const char* op,
                                                                const char* what) {
  __int128 last = offset;
  for (int d = 0; d < v.ndim; ++d) last += static_cast<__int128>(v.shape[d] - 1) * v.strides[d];
  const size_t item = dtype_size(v.dtype);
  throw Error(ErrorCode::InvalidArgument,
              make_string(op, ": ", what, " reaches element ", static_cast<int64_t>(last),
                          " of a storage holding ", bytes / item, " elements of ",
                          dtype_name(v.dtype), " (disposed tensor or bad view)"));
}

}  // namespace

TensorView decode_view(const Instance& inst, int slot, const Napi::Value& storage, const char* op,
                       const char* what) {
  KILN_CHECK(slot >= 0 && slot < kNumSlots, Internal, op, ": bad view slot ", slot);
  const StorageMemory mem = storage_memory(storage, op, what);
  KILN_CHECK(inst.meta != nullptr, Internal, "kiln addon used before its metadata buffer was set");
  const double* m = inst.meta + slot * kSlotSize;

  TensorView v{TensorView::DimsUnset{}};
  v.device = mem.device;
  const double dt = m[0];
  KILN_CHECK(is_integer_in(dt, 0, kNumDTypes - 1), InvalidArgument, op, ": ", what,
             " has an unknown dtype code ", dt);
  v.dtype = static_cast<DType>(static_cast<int>(dt));
  const double nd = m[1];
  KILN_CHECK(is_integer_in(nd, 0, kMaxDims), InvalidArgument, op, ": ", what, " has ", nd,
             " dimensions; at most ", kMaxDims, " are supported");
  v.ndim = static_cast<int>(nd);
  const int64_t offset = read_int(m[2], op, what, "storage offset");

  // The furthest element reachable is offset + sum((size-1)*stride); it must lie inside. Each
  // term is below 2^104, so the 64-bit sums flag overflow, which only out_of_bounds resolves.
  // The element count must stay within 2^52 at every step of its product, as dims are read.
  int64_t last = offset, numel = 1;
  bool empty = false, overflow = false, too_many = false;
  for (int d = 0; d < v.ndim; ++d) {
    const int64_t size = read_int(m[3 + d], op, what, "size");
    const int64_t stride = read_int(m[3 + kMaxDims + d], op, what, "stride");
    v.shape[d] = size;
    v.strides[d] = stride;
    int64_t reach = 0;
    if (size == 0) empty = true;
    else overflow |= __builtin_mul_overflow(size - 1, stride, &reach) |
                     __builtin_add_overflow(last, reach, &last);
    too_many |= __builtin_mul_overflow(numel, size, &numel) || numel > kMaxElements;
  }
  KILN_CHECK(!too_many, InvalidArgument, op, ": ", what, " has too many elements");
  if (empty) {
    v.data = mem.data;
    return v;
  }
  // last < bytes / item, i.e. (last + 1) * item <= bytes, without forming the product.
  const size_t item = dtype_size(v.dtype);
  if (overflow || static_cast<uint64_t>(last) >= mem.bytes / item)
    out_of_bounds(v, offset, mem.bytes, op, what);
  v.data = mem.data + offset * static_cast<int64_t>(item);
  return v;
}

TensorView scalar_view(const TensorView& like, DType dtype, double value, char* buffer) {
  TensorView v{TensorView::DimsUnset{}};
  v.dtype = dtype;
  v.device = kHostScalar;
  v.ndim = like.ndim;
  for (int d = 0; d < like.ndim; ++d) {
    v.shape[d] = like.shape[d];
    v.strides[d] = 0;
  }
  std::memset(buffer, 0, 16);
  switch (dtype) {
    case DType::F32: { float x = static_cast<float>(value); std::memcpy(buffer, &x, 4); break; }
    case DType::F64: std::memcpy(buffer, &value, 8); break;
    case DType::I32: { int32_t x = fn::param_cast<int32_t>(value); std::memcpy(buffer, &x, 4); break; }
    case DType::I64: { int64_t x = fn::param_cast<int64_t>(value); std::memcpy(buffer, &x, 8); break; }
    case DType::Bool: { bool x = value != 0; std::memcpy(buffer, &x, 1); break; }
  }
  v.data = buffer;
  return v;
}

void check_same_shape(const TensorView& a, const TensorView& b, const char* op) {
  bool same = a.ndim == b.ndim;
  for (int d = 0; same && d < a.ndim; ++d) same = a.shape[d] == b.shape[d];
  if (same) return;
  std::string sa = "[", sb = "[";
  for (int d = 0; d < a.ndim; ++d) sa += (d ? ", " : "") + std::to_string(a.shape[d]);
  for (int d = 0; d < b.ndim; ++d) sb += (d ? ", " : "") + std::to_string(b.shape[d]);
  throw Error(ErrorCode::Shape, make_string(op, ": operand shapes differ: ", sa, "] vs ", sb, "]"));
}

void check_dtype(const TensorView& v, DType expected, const char* op, const char* what) {
  KILN_CHECK(v.dtype == expected, DType, op, ": ", what, " must be ", dtype_name(expected),
             ", got ", dtype_name(v.dtype));
}

}  // namespace kiln::binding
