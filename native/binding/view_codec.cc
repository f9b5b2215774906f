// SPDX-License-Identifier: MIT
#include "view_codec.h"

#include <cmath>
#include <cstring>

#include "../core/error.h"
#include "../core/functors.h"
#include "storage_memory.h"

namespace kiln::binding {
namespace {

// Largest value accepted for a size, stride or offset: keeps every product below 2^63.
constexpr double kMaxExtent = 4503599627370496.0;  // 2^52

int64_t read_int(double v, const char* op, const char* what, const char* field) {
  KILN_CHECK(std::isfinite(v) && v == std::floor(v) && v >= 0 && v <= kMaxExtent,
             InvalidArgument, op, ": ", what, " has an invalid ", field, " (", v, ")");
  return static_cast<int64_t>(v);
}

}  // namespace

Instance& instance(Napi::Env env) {
  auto* inst = env.GetInstanceData<Instance>();
  KILN_CHECK(inst != nullptr && inst->meta != nullptr, Internal,
             "kiln addon used before its metadata buffer was set");
  return *inst;
}

TensorView decode_view(Napi::Env env, int slot, const Napi::Value& storage, const char* op,
                       const char* what) {
  KILN_CHECK(slot >= 0 && slot < kNumSlots, Internal, op, ": bad view slot ", slot);
  const StorageMemory mem = storage_memory(storage, op, what);
  const double* m = instance(env).meta + slot * kSlotSize;

  TensorView v;
  v.device = mem.device;
  const double dt = m[0];
  KILN_CHECK(dt == std::floor(dt) && dt >= 0 && dt < kNumDTypes, InvalidArgument, op, ": ", what,
             " has an unknown dtype code ", dt);
  v.dtype = static_cast<DType>(static_cast<int>(dt));
  const double nd = m[1];
  KILN_CHECK(nd == std::floor(nd) && nd >= 0 && nd <= kMaxDims, InvalidArgument, op, ": ", what,
             " has ", nd, " dimensions; at most ", kMaxDims, " are supported");
  v.ndim = static_cast<int>(nd);
  const int64_t offset = read_int(m[2], op, what, "storage offset");

  // The furthest element reachable is offset + sum((size-1)*stride); it must lie inside.
  // Every factor is below 2^52 and there are at most 16 terms, so __int128 cannot overflow.
  __int128 last = offset;
  bool empty = false;
  for (int d = 0; d < v.ndim; ++d) {
    v.shape[d] = read_int(m[3 + d], op, what, "size");
    v.strides[d] = read_int(m[3 + kMaxDims + d], op, what, "stride");
    if (v.shape[d] == 0) empty = true;
    else last += static_cast<__int128>(v.shape[d] - 1) * v.strides[d];
  }
  __int128 numel = 1;
  for (int d = 0; d < v.ndim; ++d) {
    numel *= v.shape[d];
    KILN_CHECK(numel <= static_cast<__int128>(kMaxExtent), InvalidArgument, op, ": ", what,
               " has too many elements");
  }
  const size_t item = dtype_size(v.dtype);
  const size_t bytes = mem.bytes;
  if (!empty) {
    KILN_CHECK((last + 1) * static_cast<__int128>(item) <= static_cast<__int128>(bytes),
               InvalidArgument, op, ": ", what, " reaches element ", static_cast<int64_t>(last),
               " of a storage holding ", bytes / item, " elements of ", dtype_name(v.dtype),
               " (disposed tensor or bad view)");
    v.data = mem.data + offset * static_cast<int64_t>(item);
  } else {
    v.data = mem.data;
  }
  return v;
}

TensorView scalar_view(const TensorView& like, DType dtype, double value, char* buffer) {
  TensorView v;
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
