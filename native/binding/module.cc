// SPDX-License-Identifier: MIT
// The N-API surface of kiln: thin marshalling from JS arguments to the CPU kernels. Every
// exported function decodes and bounds-checks its views (view_codec.cc), checks the op's
// shape and dtype contract, then calls one kernel. kiln::Error becomes a JS Error whose
// `.code` names its kind, so lib/backend can raise the matching KilnError subclass.
#include <napi.h>

#include <string>

#include "../core/error.h"
#include "../core/functors.h"
#include "../cpu/huge_pages.h"
#include "../cpu/kernels.h"
#include "../cpu/peak_flops.h"
#include "../cpu/thread_pool.h"
#include "args.h"
#include "device_dispatch.h"
#include "view_codec.h"

namespace kiln::binding {
namespace {

template <class E>
E op_code(const Napi::CallbackInfo& info, size_t i, const char* family) {
  int code = integer(info, i, family);
  KILN_CHECK(code >= 0 && code < static_cast<int>(E::kCount), InvalidArgument, family,
             ": unknown op code ", code);
  return static_cast<E>(code);
}
// An operand that may be a JS number: then it becomes a broadcast scalar of `dtype`.
TensorView operand(const Napi::CallbackInfo& info, int slot, size_t arg, const TensorView& out,
                   DType dtype, char* scratch, const char* op, const char* what) {
  double value;
  if (number_value(info[arg], &value)) return scalar_view(out, dtype, value, scratch);
  return view(info, slot, arg, op, what);
}
void check_dim(int dim, const TensorView& v, const char* op) {
  KILN_CHECK(dim >= 0 && dim < (v.ndim == 0 ? 1 : v.ndim), InvalidArgument, op, ": dim ", dim,
             " out of range for ", v.ndim, "-d input");
}

// ---- setup --------------------------------------------------------------------------

Napi::Value SetMetaBuffer(const Napi::CallbackInfo& info) {
  KILN_CHECK(info[0].IsTypedArray() &&
                 info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array,
             InvalidArgument, "setMetaBuffer: expected a Float64Array");
  auto arr = info[0].As<Napi::Float64Array>();
  KILN_CHECK(arr.ElementLength() >= static_cast<size_t>(kSlotSize * kNumSlots), InvalidArgument,
             "setMetaBuffer: buffer too small");
  auto* inst = static_cast<Instance*>(info.Data());
  inst->meta_ref = Napi::Persistent(arr);
  inst->meta = arr.Data();
  return info.Env().Undefined();
}

Napi::Value OpCodes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  Napi::Object unary = Napi::Object::New(env), binary = Napi::Object::New(env),
               ternary = Napi::Object::New(env), reduce = Napi::Object::New(env);
#define KILN_UNARY(name, d, o, e) unary.Set(#name, static_cast<int>(UnaryOp::name));
#define KILN_BINARY(name, d, o, e) binary.Set(#name, static_cast<int>(BinaryOp::name));
#define KILN_TERNARY(name, d, e) ternary.Set(#name, static_cast<int>(TernaryOp::name));
#define KILN_REDUCE(name) reduce.Set(#name, static_cast<int>(ReduceOp::name));
#include "../core/ops.def"
  result.Set("unary", unary);
  result.Set("binary", binary);
  result.Set("ternary", ternary);
  result.Set("reduce", reduce);
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("slotSize", kSlotSize);
  layout.Set("numSlots", kNumSlots);
  layout.Set("maxDims", kMaxDims);
  result.Set("layout", layout);
  return result;
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), cpu::num_threads());
}
Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  int n = integer(info, 0, "setNumThreads");
  KILN_CHECK(n >= 1 && n <= 1024, InvalidArgument, "setNumThreads: expected 1..1024, got ", n);
  cpu::set_num_threads(n);
  return info.Env().Undefined();
}

// Frees a CPU storage now instead of at the next GC: detaching releases the backing store
// (typed arrays over it become empty, and later kernel calls see a zero-length buffer).
Napi::Value Detach(const Napi::CallbackInfo& info) {
  KILN_CHECK(info[0].IsArrayBuffer(), InvalidArgument, "dispose: expected a CPU storage");
  auto buf = info[0].As<Napi::ArrayBuffer>();
  if (!buf.IsDetached()) buf.Detach();
  return info.Env().Undefined();
}

// ---- elementwise --------------------------------------------------------------------

// Whether each op writes bool (the output kind column of ops.def), so that `out`'s dtype can be
// checked: a kernel writes out's elements as the type the op produces.
#define KILN_WRITES_BOOL_SAME false
#define KILN_WRITES_BOOL_BOOL true
constexpr bool kUnaryWritesBool[] = {
#define KILN_UNARY(name, dtypes, out, expr) KILN_WRITES_BOOL_##out,
#include "../core/ops.def"
};
constexpr bool kBinaryWritesBool[] = {
#define KILN_BINARY(name, dtypes, out, expr) KILN_WRITES_BOOL_##out,
#include "../core/ops.def"
};

// unary(op, out, in, p0, p1)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  auto op = op_code<UnaryOp>(info, 0, "unary");
  TensorView out = view(info, 0, 1, "unary", "output");
  TensorView in = view(info, 1, 2, "unary", "input");
  check_same_shape(out, in, "unary");
  check_dtype(out, kUnaryWritesBool[static_cast<int>(op)] ? DType::Bool : in.dtype, "unary", "output");
  const int dev = common_device("unary", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, unary, op, out, in, num(info, 3, "unary"), num(info, 4, "unary"));
  return info.Env().Undefined();
}

// The checks and the kernel call of binary(), once both operands are views.
Napi::Value binary_views(const Napi::CallbackInfo& info, BinaryOp op, const TensorView& out,
                         const TensorView& a, const TensorView& b) {
  check_same_shape(out, a, "binary");
  check_same_shape(out, b, "binary");
  KILN_CHECK(a.dtype == b.dtype, DType, "binary: operand dtypes differ: ", dtype_name(a.dtype),
             " vs ", dtype_name(b.dtype));
  check_dtype(out, kBinaryWritesBool[static_cast<int>(op)] ? DType::Bool : a.dtype, "binary", "output");
  const int dev = common_device("binary", {{&out, "output"}, {&a, "input"}, {&b, "other"}});
  KILN_ON_DEVICE(dev, binary, op, out, a, b, num(info, 4, "binary"));
  return info.Env().Undefined();
}

// binary(op, out, a, b, alpha): a or b may be a JS number (then it takes the other's dtype).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  auto op = op_code<BinaryOp>(info, 0, "binary");
  const TensorView out = view(info, 0, 1, "binary", "output");
  double value;
  const bool a_is_number = number_value(info[2], &value);
  KILN_CHECK(!(a_is_number && info[3].IsNumber()), InvalidArgument,
             "binary: at least one operand must be a tensor");
  // Each view is built in place (no default-constructed view assigned over): this is the
  // hottest call of the addon.
  alignas(8) char scratch[16];
  if (a_is_number) {
    const TensorView b = view(info, 2, 3, "binary", "other");
    return binary_views(info, op, out, scalar_view(out, b.dtype, value, scratch), b);
  }
  const TensorView a = view(info, 1, 2, "binary", "input");
  return binary_views(info, op, out, a, operand(info, 2, 3, out, a.dtype, scratch, "binary", "other"));
}

// ternary(op, out, a, b, c, alpha)
Napi::Value Ternary(const Napi::CallbackInfo& info) {
  auto op = op_code<TernaryOp>(info, 0, "ternary");
  TensorView out = view(info, 0, 1, "ternary", "output");
  TensorView a = view(info, 1, 2, "ternary", "input");
  alignas(8) char sb[16], sc[16];
  TensorView b = operand(info, 2, 3, out, a.dtype, sb, "ternary", "second operand");
  TensorView c = operand(info, 3, 4, out, a.dtype, sc, "ternary", "third operand");
  for (const TensorView* v : {&a, &b, &c}) {
    check_same_shape(out, *v, "ternary");
    check_dtype(*v, out.dtype, "ternary", "operand");
  }
  const int dev = common_device("ternary", {{&out, "output"}, {&a, "input"}, {&b, "second operand"}, {&c, "third operand"}});
  KILN_ON_DEVICE(dev, ternary, op, out, a, b, c, num(info, 5, "ternary"));
  return info.Env().Undefined();
}

// where(out, cond, a, b): a or b may be numbers.
Napi::Value Where(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "where", "output");
  TensorView cond = view(info, 1, 1, "where", "condition");
  alignas(8) char sa[16], sb[16];
  TensorView a = operand(info, 2, 2, out, out.dtype, sa, "where", "input");
  TensorView b = operand(info, 3, 3, out, out.dtype, sb, "where", "other");
  check_dtype(cond, DType::Bool, "where", "condition");
  for (const TensorView* v : {&cond, &a, &b}) check_same_shape(out, *v, "where");
  check_dtype(a, out.dtype, "where", "input");
  check_dtype(b, out.dtype, "where", "other");
  const int dev = common_device("where", {{&out, "output"}, {&cond, "condition"}, {&a, "input"}, {&b, "other"}});
  KILN_ON_DEVICE(dev, where, out, cond, a, b);
  return info.Env().Undefined();
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "copy", "output");
  TensorView in = view(info, 1, 1, "copy", "input");
  check_same_shape(out, in, "copy");
  const int dev = common_device("copy", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, copy, out, in);
  return info.Env().Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "fill", "output");
  KILN_ON_DEVICE(out.device, fill, out, num(info, 1, "fill"));
  return info.Env().Undefined();
}

Napi::Value Arange(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "arange", "output");
  KILN_ON_DEVICE(out.device, arange, out, num(info, 1, "arange"), num(info, 2, "arange"));
  return info.Env().Undefined();
}

Napi::Value Linspace(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "linspace", "output");
  KILN_ON_DEVICE(out.device, linspace, out, num(info, 1, "linspace"), num(info, 2, "linspace"));
  return info.Env().Undefined();
}

// ---- reductions ---------------------------------------------------------------------

// Checks that `out` is `in` with some dims reduced to size 1.
void check_reduced_shape(const TensorView& out, const TensorView& in, const char* op) {
  KILN_CHECK(out.ndim == in.ndim, Shape, op, ": output rank ", out.ndim, " != input rank ",
             in.ndim);
  for (int d = 0; d < in.ndim; ++d)
    KILN_CHECK(out.shape[d] == in.shape[d] || out.shape[d] == 1, Shape, op, ": output dim ", d,
               " has size ", out.shape[d], ", expected ", in.shape[d], " or 1");
}

// reduce(op, out, in, param)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  auto op = op_code<ReduceOp>(info, 0, "reduce");
  TensorView out = view(info, 0, 1, "reduce", "output");
  TensorView in = view(info, 1, 2, "reduce", "input");
  check_reduced_shape(out, in, "reduce");
  const int dev = common_device("reduce", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, reduce, op, out, in, num(info, 3, "reduce"));
  return info.Env().Undefined();
}

// reduceArg(isMax, values|null, indices, in, dim)
Napi::Value ReduceArg(const Napi::CallbackInfo& info) {
  bool is_max = info[0].ToBoolean();
  TensorView indices = view(info, 1, 2, "max/min", "indices");
  TensorView in = view(info, 2, 3, "max/min", "input");
  int dim = integer(info, 4, "max/min");
  check_dim(dim, in, "max/min");
  check_reduced_shape(indices, in, "max/min");
  check_dtype(indices, DType::I64, "max/min", "indices");
  TensorView values;
  bool has_values = !info[1].IsNull() && !info[1].IsUndefined();
  if (has_values) {
    values = view(info, 0, 1, "max/min", "values");
    check_same_shape(values, indices, "max/min");
    check_dtype(values, in.dtype, "max/min", "values");
  }
  const int dev = common_device("max/min", {{&in, "input"}, {&indices, "indices"}, {has_values ? &values : nullptr, "values"}});
  KILN_ON_DEVICE(dev, reduce_arg, is_max, has_values ? &values : nullptr, indices, in, dim);
  return info.Env().Undefined();
}

// cumulative(isProd, out, in, dim)
Napi::Value Cumulative(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 1, "cumsum", "output");
  TensorView in = view(info, 1, 2, "cumsum", "input");
  int dim = integer(info, 3, "cumsum");
  check_same_shape(out, in, "cumsum");
  check_dim(dim, in, "cumsum");
  const int dev = common_device("cumsum", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, cumulative, info[0].ToBoolean(), out, in, dim);
  return info.Env().Undefined();
}

// softmax(log, out, in, dim)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 1, "softmax", "output");
  TensorView in = view(info, 1, 2, "softmax", "input");
  int dim = integer(info, 3, "softmax");
  check_same_shape(out, in, "softmax");
  check_dtype(out, in.dtype, "softmax", "output");
  check_dim(dim, in, "softmax");
  const int dev = common_device("softmax", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, softmax, info[0].ToBoolean(), out, in, dim);
  return info.Env().Undefined();
}

// ---- matmul -------------------------------------------------------------------------

// matmul(out, a, b, alpha, beta): 3-d views [B,M,K] x [B,K,N] -> [B,M,N].
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "matmul", "output");
  TensorView a = view(info, 1, 1, "matmul", "input");
  TensorView b = view(info, 2, 2, "matmul", "other");
  KILN_CHECK(out.ndim == 3 && a.ndim == 3 && b.ndim == 3, Shape,
             "matmul: kernel expects 3-d operands");
  KILN_CHECK(a.shape[0] == out.shape[0] && b.shape[0] == out.shape[0] &&
                 a.shape[1] == out.shape[1] && b.shape[2] == out.shape[2] &&
                 a.shape[2] == b.shape[1],
             Shape, "matmul: shapes [", a.shape[0], ", ", a.shape[1], ", ", a.shape[2], "] and [",
             b.shape[0], ", ", b.shape[1], ", ", b.shape[2], "] cannot be multiplied into [",
             out.shape[0], ", ", out.shape[1], ", ", out.shape[2], "]");
  check_dtype(a, out.dtype, "matmul", "input");
  check_dtype(b, out.dtype, "matmul", "other");
  const int dev = common_device("matmul", {{&out, "output"}, {&a, "input"}, {&b, "other"}});
  KILN_ON_DEVICE(dev, matmul, out, a, b, num(info, 3, "matmul"), num(info, 4, "matmul"));
  return info.Env().Undefined();
}

// ---- indexing -----------------------------------------------------------------------

// gather(out, in, dim, index)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "gather", "output");
  TensorView in = view(info, 1, 1, "gather", "input");
  int dim = integer(info, 2, "gather");
  TensorView index = view(info, 2, 3, "gather", "index");
  check_dim(dim, in, "gather");
  check_dtype(index, DType::I64, "gather", "index");
  check_same_shape(out, index, "gather");
  check_dtype(out, in.dtype, "gather", "output");
  KILN_CHECK(in.ndim == index.ndim, Shape, "gather: index rank ", index.ndim,
             " != input rank ", in.ndim);
  for (int d = 0; d < in.ndim; ++d)
    KILN_CHECK(d == dim || index.shape[d] <= in.shape[d], Shape, "gather: index size ",
               index.shape[d], " exceeds input size ", in.shape[d], " at dim ", d);
  const int dev = common_device("gather", {{&out, "output"}, {&in, "input"}, {&index, "index"}});
  KILN_ON_DEVICE(dev, gather, out, in, dim, index);
  return info.Env().Undefined();
}

// scatter(self, dim, index, src, reduce): src may be a number.
Napi::Value Scatter(const Napi::CallbackInfo& info) {
  TensorView self = view(info, 0, 0, "scatter", "self");
  int dim = integer(info, 1, "scatter");
  TensorView index = view(info, 1, 2, "scatter", "index");
  alignas(8) char scratch[16];
  TensorView src = operand(info, 2, 3, index, self.dtype, scratch, "scatter", "src");
  int reduce = integer(info, 4, "scatter");
  check_dim(dim, self, "scatter");
  check_dtype(index, DType::I64, "scatter", "index");
  check_dtype(src, self.dtype, "scatter", "src");
  KILN_CHECK(reduce == 0 || reduce == 1, InvalidArgument, "scatter: bad reduce code ", reduce);
  KILN_CHECK(self.ndim == index.ndim && src.ndim == index.ndim, Shape,
             "scatter: self, index and src must have the same rank");
  for (int d = 0; d < index.ndim; ++d) {
    KILN_CHECK(index.shape[d] <= src.shape[d], Shape, "scatter: index size ", index.shape[d],
               " exceeds src size ", src.shape[d], " at dim ", d);
    KILN_CHECK(d == dim || index.shape[d] <= self.shape[d], Shape, "scatter: index size ",
               index.shape[d], " exceeds self size ", self.shape[d], " at dim ", d);
  }
  const int dev = common_device("scatter", {{&self, "self"}, {&index, "index"}, {&src, "src"}});
  KILN_ON_DEVICE(dev, scatter, self, dim, index, src, reduce);
  return info.Env().Undefined();
}

// indexSelect(out, in, dim, index)
Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "indexSelect", "output");
  TensorView in = view(info, 1, 1, "indexSelect", "input");
  int dim = integer(info, 2, "indexSelect");
  TensorView index = view(info, 2, 3, "indexSelect", "index");
  check_dim(dim, in, "indexSelect");
  check_dtype(index, DType::I64, "indexSelect", "index");
  check_dtype(out, in.dtype, "indexSelect", "output");
  KILN_CHECK(index.ndim <= 1, Shape, "indexSelect: index must be 0-d or 1-d");
  KILN_CHECK(out.ndim == (in.ndim == 0 ? 0 : in.ndim), Shape, "indexSelect: bad output rank");
  for (int d = 0; d < in.ndim; ++d)
    KILN_CHECK(out.shape[d] == (d == dim ? index.numel() : in.shape[d]), Shape,
               "indexSelect: bad output size at dim ", d);
  const int dev = common_device("indexSelect", {{&out, "output"}, {&in, "input"}, {&index, "index"}});
  KILN_ON_DEVICE(dev, index_select, out, in, dim, index);
  return info.Env().Undefined();
}

// indexAdd(self, dim, index, src, alpha)
Napi::Value IndexAdd(const Napi::CallbackInfo& info) {
  TensorView self = view(info, 0, 0, "indexAdd", "self");
  int dim = integer(info, 1, "indexAdd");
  TensorView index = view(info, 1, 2, "indexAdd", "index");
  TensorView src = view(info, 2, 3, "indexAdd", "source");
  check_dim(dim, self, "indexAdd");
  check_dtype(index, DType::I64, "indexAdd", "index");
  check_dtype(src, self.dtype, "indexAdd", "source");
  KILN_CHECK(index.ndim <= 1, Shape, "indexAdd: index must be 0-d or 1-d");
  KILN_CHECK(src.ndim == self.ndim, Shape, "indexAdd: source rank must equal self rank");
  for (int d = 0; d < self.ndim; ++d)
    KILN_CHECK(src.shape[d] == (d == dim ? index.numel() : self.shape[d]), Shape,
               "indexAdd: bad source size at dim ", d);
  const int dev = common_device("indexAdd", {{&self, "self"}, {&index, "index"}, {&src, "source"}});
  KILN_ON_DEVICE(dev, index_add, self, dim, index, src, num(info, 4, "indexAdd"));
  return info.Env().Undefined();
}

Napi::Value CountNonzero(const Napi::CallbackInfo& info) {
  TensorView in = view(info, 0, 0, "nonzero", "input");
  return Napi::Number::New(info.Env(),
                           static_cast<double>(KILN_ON_DEVICE(in.device, count_nonzero, in)));
}

// nonzero(out [count, ndim] int64, in)
Napi::Value Nonzero(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "nonzero", "output");
  TensorView in = view(info, 1, 1, "nonzero", "input");
  check_dtype(out, DType::I64, "nonzero", "output");
  KILN_CHECK(out.ndim == 2 && out.shape[1] == in.ndim &&
                 out.shape[0] == KILN_ON_DEVICE(in.device, count_nonzero, in),
             Shape, "nonzero: output must be [count, ndim]");
  const int dev = common_device("nonzero", {{&out, "output"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, nonzero, out, in);
  return info.Env().Undefined();
}

// sort(values, indices, in, dim, descending)
Napi::Value Sort(const Napi::CallbackInfo& info) {
  TensorView values = view(info, 0, 0, "sort", "values");
  TensorView indices = view(info, 1, 1, "sort", "indices");
  TensorView in = view(info, 2, 2, "sort", "input");
  int dim = integer(info, 3, "sort");
  check_dim(dim, in, "sort");
  check_same_shape(values, in, "sort");
  check_same_shape(indices, in, "sort");
  check_dtype(values, in.dtype, "sort", "values");
  check_dtype(indices, DType::I64, "sort", "indices");
  const int dev = common_device("sort", {{&values, "values"}, {&indices, "indices"}, {&in, "input"}});
  KILN_ON_DEVICE(dev, sort, values, indices, in, dim, info[4].ToBoolean());
  return info.Env().Undefined();
}

// ---- random -------------------------------------------------------------------------

uint64_t u53(const Napi::CallbackInfo& info, size_t i, const char* op) {
  double v = num(info, i, op);
  KILN_CHECK(v >= 0 && v <= 9007199254740991.0 && v == static_cast<double>(static_cast<uint64_t>(v)),
             InvalidArgument, op, ": argument ", i, " must be an integer in [0, 2^53)");
  return static_cast<uint64_t>(v);
}

// random(out, dist, seed, offset, p0, p1)
Napi::Value Random(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "random", "output");
  int dist = integer(info, 1, "random");
  KILN_CHECK(dist >= 0 && dist <= 3, InvalidArgument, "random: unknown distribution ", dist);
  const uint64_t seed = u53(info, 2, "random"), offset = u53(info, 3, "random");
  const double p0 = num(info, 4, "random"), p1 = num(info, 5, "random");
#ifdef KILN_WITH_CUDA
  if (out.is_cuda()) {
    cuda::random(out, dist, seed, offset, p0, p1);
    return info.Env().Undefined();
  }
#endif
  cpu::random(out, static_cast<cpu::Distribution>(dist), seed, offset, p0, p1);
  return info.Env().Undefined();
}

// randperm(out, seed, offset)
Napi::Value Randperm(const Napi::CallbackInfo& info) {
  TensorView out = view(info, 0, 0, "randperm", "output");
  check_dtype(out, DType::I64, "randperm", "output");
  KILN_CHECK(out.ndim == 1 && out.is_contiguous(), Shape, "randperm: output must be contiguous 1-d");
  KILN_ON_DEVICE(out.device, randperm, out, u53(info, 1, "randperm"), u53(info, 2, "randperm"));
  return info.Env().Undefined();
}

// ---- memory -------------------------------------------------------------------------

// adviseHugePages(buffer): asks for huge pages behind a fresh, still untouched ArrayBuffer
// (cpu/huge_pages.h); returns the bytes the advice covers, 0 where it covers none.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  KILN_CHECK(info[0].IsArrayBuffer(), InvalidArgument, "adviseHugePages: expected an ArrayBuffer");
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  const size_t covered = cpu::advise_huge_pages(buffer.Data(), buffer.ByteLength());
  return Napi::Number::New(info.Env(), static_cast<double>(covered));
}

// hugePageSize(): the transparent huge page size in bytes, 0 where huge pages are off.
Napi::Value HugePageSize(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(cpu::huge_page_size()));
}

// ---- benchmarking -------------------------------------------------------------------

// cpuPeakGflops(threads, seconds): the peak float32 FMA rate of `threads` pool threads
// running together for about `seconds` (cpu/peak_flops.h), which the benchmark suite
// compares matmul with.
Napi::Value CpuPeakGflops(const Napi::CallbackInfo& info) {
  const int threads = integer(info, 0, "cpuPeakGflops");
  const double seconds = num(info, 1, "cpuPeakGflops");
  const int pool = cpu::num_threads();
  KILN_CHECK(threads >= 1 && threads <= pool, InvalidArgument,
             "cpuPeakGflops: threads must be from 1 to the thread pool's size (", pool,
             ", see setNumThreads), got ", threads);
  KILN_CHECK(seconds > 0 && seconds <= 10, InvalidArgument,
             "cpuPeakGflops: seconds must be in (0, 10], got ", seconds);
  return Napi::Number::New(info.Env(), cpu::peak_gflops(threads, seconds));
}

}  // namespace

// Defined in optim_binding.cc: adds the fused optimizer steps (sgdStep, adamStep, ...).
void register_optim(Napi::Env env, Napi::Object exports);
// Defined in cuda_binding.cc: CUDA storages, transfers and runtime queries.
void register_cuda(Napi::Env env, Napi::Object exports);

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData(new Instance());
  export_functions(
      env, exports,
      {
          {"setMetaBuffer", guarded<SetMetaBuffer>}, {"opCodes", guarded<OpCodes>},
          {"numThreads", guarded<NumThreads>},       {"setNumThreads", guarded<SetNumThreads>},
          {"unary", guarded<Unary>},
          {"detach", guarded<Detach>},
          {"binary", guarded<Binary>},               {"ternary", guarded<Ternary>},
          {"where", guarded<Where>},                 {"copy", guarded<Copy>},
          {"fill", guarded<Fill>},                   {"arange", guarded<Arange>},
          {"linspace", guarded<Linspace>},           {"reduce", guarded<Reduce>},
          {"reduceArg", guarded<ReduceArg>},         {"cumulative", guarded<Cumulative>},
          {"softmax", guarded<Softmax>},             {"matmul", guarded<Matmul>},
          {"gather", guarded<Gather>},               {"scatter", guarded<Scatter>},
          {"indexSelect", guarded<IndexSelect>},     {"indexAdd", guarded<IndexAdd>},
          {"countNonzero", guarded<CountNonzero>},   {"nonzero", guarded<Nonzero>},
          {"sort", guarded<Sort>},                   {"random", guarded<Random>},
          {"randperm", guarded<Randperm>},           {"cpuPeakGflops", guarded<CpuPeakGflops>},
          {"adviseHugePages", guarded<AdviseHugePages>}, {"hugePageSize", guarded<HugePageSize>},
      });
  register_optim(env, exports);
  register_cuda(env, exports);
  return exports;
}

}  // namespace kiln::binding

// NODE_API_MODULE pastes its argument into an identifier, so it needs an unqualified name.
static Napi::Object InitKiln(Napi::Env env, Napi::Object exports) {
  return kiln::binding::Init(env, exports);
}
NODE_API_MODULE(kiln, InitKiln)
