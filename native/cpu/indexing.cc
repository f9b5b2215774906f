// SPDX-License-Identifier: MIT
// Indexing kernels: gather, scatter, index_select, index_add, nonzero and sort, with
// PyTorch's semantics. Kernels that write into `self` check every index before the first
// write, so a bad index leaves `self` unchanged.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../core/size_dispatch.h"
#include "../core/error.h"
#include "indexing_iter.h"
#include "indexing_sort.h"
#include "kernels.h"
#include "loops.h"

namespace kiln::cpu {
namespace {

[[noreturn]] void throw_out_of_bounds(const char* op, int64_t value, int dim, int64_t size) {
  throw Error(ErrorCode::Index, make_string(op, ": index ", value,
                                            " is out of bounds for dimension ", dim,
                                            " with size ", size));
}

inline bool in_range(int64_t v, int64_t size) { return uint64_t(v) < uint64_t(size); }

// Integer sums wrap (as in PyTorch) instead of being undefined; bool addition is `or`.
template <class T>
inline T add_value(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a || b;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return T(U(a) + U(b));
  } else {
    return a + b;
  }
}
template <class T>
inline T mul_value(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return T(U(a) * U(b));
  } else {
    return a * b;
  }
}

// Reads a 0-d or 1-d index into a vector after checking every value, in order, so the error
// names the first bad index.
std::vector<int64_t> checked_indices(const TensorView& index, int64_t size, const char* op,
                                     int dim) {
  const int64_t n = index.numel();
  const int64_t stride = index.ndim == 0 ? 0 : index.strides[0];
  const int64_t* p = index.ptr<int64_t>();
  std::vector<int64_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = p[i * stride];
    if (!in_range(v, size)) throw_out_of_bounds(op, v, dim, size);
    out[size_t(i)] = v;
  }
  return out;
}

// True when the dims after `dim` hold row-major contiguous rows.
bool rows_contiguous(const TensorView& v, int dim) {
  int64_t expected = 1;
  for (int d = v.ndim - 1; d > dim; --d) {
    if (v.shape[d] != 1 && v.strides[d] != expected) return false;
    expected *= v.shape[d];
  }
  return true;
}

// Sorts every lane along dim through keys (indexing_sort.h); I is the position type, 32-bit
// when lanes are short enough so that 32-bit values sort as 8-byte records.
template <class T, class I>
void sort_typed(const TensorView& values, const TensorView& indices, const TensorView& in,
                int dim, bool descending) {
  using K = typename SortKeyOf<T>::type;
  using Rec = KeyIndex<K, I>;
  const int64_t n = in.shape[dim];
  const int64_t in_st = in.strides[dim], val_st = values.strides[dim],
                idx_st = indices.strides[dim];
  const T* x = in.ptr<T>();
  T* vals = values.ptr<T>();
  int64_t* inds = indices.ptr<int64_t>();
  // Descending order is the ascending order of the complemented keys; positions still break
  // ties upwards, which keeps the sort stable, and NaNs (the largest keys) come first.
  const K flip = descending ? K(~K(0)) : K(0);
  auto by_index = [](const Rec& a, const Rec& b) { return a.index < b.index; };
  auto by_key = [](const Rec& a, const Rec& b) { return a.key < b.key; };

  // Values that compare equal but have distinct keys (the two zeros, NaNs with different
  // bits) form contiguous blocks of the sorted records; ordering each block by position
  // makes them ties, as in PyTorch.
  auto merge_ties = [&](Rec* r) {
    if constexpr (fn::is_float_v<T>) {
      const K neg_zero = K(sort_key(T(-0.0)) ^ flip), pos_zero = K(sort_key(T(0.0)) ^ flip);
      const K lo_zero = std::min(neg_zero, pos_zero), hi_zero = std::max(neg_zero, pos_zero);
      Rec* z0 = std::lower_bound(r, r + n, Rec{lo_zero, I(0)}, by_key);
      Rec* z2 = std::upper_bound(z0, r + n, Rec{hi_zero, I(0)}, by_key);
      Rec* z1 = std::upper_bound(z0, z2, Rec{lo_zero, I(0)}, by_key);
      if (z0 != z1 && z1 != z2) std::inplace_merge(z0, z1, z2, by_index);
      const K inf = K(sort_key(std::numeric_limits<T>::infinity()) ^ flip);
      Rec* n0 = descending ? r : std::upper_bound(r, r + n, Rec{inf, I(0)}, by_key);
      Rec* n1 = descending ? std::lower_bound(r, r + n, Rec{inf, I(0)}, by_key) : r + n;
      if (!std::is_sorted(n0, n1, by_index)) std::sort(n0, n1, by_index);
    }
  };

  Lanes<3> lanes(in, dim, {&in, &values, &indices});
  // When lanes are strided and their neighbours adjacent, a block of lanes is loaded and
  // stored together so memory is walked in order; the block's records are capped at 64K.
  const int block =
      lane_block(in, dim) == 1
          ? 1
          : int(std::clamp<int64_t>((int64_t(1) << 16) / std::max<int64_t>(n, 1), 1, kLaneBlock));
  lanes.run(n * 4, block, [&](const LaneBlock<3>& b) {
    // Values are decoded from the keys, so `values` may alias `in` (in-place sort).
    std::vector<Rec> recs(static_cast<size_t>(n * b.n)), scratch(static_cast<size_t>(n));
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < b.n; ++j)
        recs[size_t(j * n + k)] = Rec{K(sort_key(x[b.off[0][j] + k * in_st]) ^ flip), I(k)};
    for (int64_t j = 0; j < b.n; ++j) {
      sort_by_key(recs.data() + j * n, scratch.data(), n);
      merge_ties(recs.data() + j * n);
    }
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < b.n; ++j) {
        const Rec& r = recs[size_t(j * n + k)];
        vals[b.off[1][j] + k * val_st] = sort_value<T>(K(r.key ^ flip));
        inds[b.off[2][j] + k * idx_st] = int64_t(r.index);
      }
  });
}

}  // namespace

void gather(const TensorView& out_, const TensorView& in_, int dim, const TensorView& index_) {
  const TensorView out = as_at_least_1d(out_), in = as_at_least_1d(in_),
                   index = as_at_least_1d(index_);
  if (index.numel() == 0) return;
  const int64_t size = in.shape[dim], in_dim_stride = in.strides[dim];
  // `in` seen with index's shape and no step along dim: the loop then yields the address of
  // in[.., 0, ..] for each output position, and the index adds its own step.
  TensorView base = in;
  for (int d = 0; d < in.ndim; ++d) base.shape[d] = index.shape[d];
  base.strides[dim] = 0;
  dispatch_by_size(in.itemsize(), [&](auto tag) {
    using T = decltype(tag);
    StridedLoop<3>({&out, &index, &base}).run([&](char** p, const int64_t* st, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const int64_t so = st[0] / int64_t(sizeof(T)), si = st[1] / int64_t(sizeof(int64_t)),
                    sx = st[2] / int64_t(sizeof(T));
      for (int64_t t = 0; t < n; ++t) {
        const int64_t v = ix[t * si];
        if (!in_range(v, size)) throw_out_of_bounds("gather", v, dim, size);
        o[t * so] = x[t * sx + v * in_dim_stride];
      }
    });
  });
}

void scatter(const TensorView& self_, int dim, const TensorView& index_, const TensorView& src_,
             int reduce) {
  const TensorView self = as_at_least_1d(self_), index = as_at_least_1d(index_),
                   src = as_at_least_1d(src_);
  if (index.numel() == 0) return;
  const int64_t size = self.shape[dim];
  StridedLoop<1>({&index}).run([&](char** p, const int64_t* st, int64_t n) {
    const int64_t* ix = reinterpret_cast<const int64_t*>(p[0]);
    const int64_t si = st[0] / int64_t(sizeof(int64_t));
    for (int64_t t = 0; t < n; ++t)
      if (!in_range(ix[t * si], size)) throw_out_of_bounds("scatter", ix[t * si], dim, size);
  });

  const int64_t len = index.shape[dim], ist = index.strides[dim], sst = src.strides[dim],
                dst = self.strides[dim];
  // Writes stay within a lane (positions sharing every coordinate but dim), and each lane is
  // walked in increasing order along dim, so "last write wins" matches PyTorch's sequential
  // order and duplicate indices in scatter-add never race.
  Lanes<3> lanes(index, dim, {&index, &src, &self});
  const int block = lane_block(index, dim);
  const int64_t* ix = index.ptr<int64_t>();
  KILN_DISPATCH_ALL(self.dtype, "scatter", [&] {
    using T = scalar_t;
    const T* s = src.ptr<T>();
    T* d = self.ptr<T>();
    if (reduce == 1) {
      lanes.run(len, block, [&](const LaneBlock<3>& b) {
        for (int64_t k = 0; k < len; ++k)
          for (int64_t j = 0; j < b.n; ++j) {
            T& target = d[b.off[2][j] + ix[b.off[0][j] + k * ist] * dst];
            target = add_value(target, s[b.off[1][j] + k * sst]);
          }
      });
    } else {
      lanes.run(len, block, [&](const LaneBlock<3>& b) {
        for (int64_t k = 0; k < len; ++k)
          for (int64_t j = 0; j < b.n; ++j)
            d[b.off[2][j] + ix[b.off[0][j] + k * ist] * dst] = s[b.off[1][j] + k * sst];
      });
    }
  });
}

void index_select(const TensorView& out, const TensorView& in, int dim, const TensorView& index) {
  const int64_t count = index.numel();
  if (in.ndim == 0) {
    // PyTorch allows exactly one index into a 0-d tensor, and it must be 0.
    KILN_CHECK(count == 1, Index, "indexSelect: index to a 0-d tensor must have one value, got ",
               count);
    checked_indices(index, 1, "indexSelect", dim);
    std::memcpy(out.data, in.data, in.itemsize());
    return;
  }
  const std::vector<int64_t> idx = checked_indices(index, in.shape[dim], "indexSelect", dim);
  if (out.numel() == 0) return;

  const size_t itemsize = in.itemsize();
  int64_t row = 1;
  for (int d = dim + 1; d < in.ndim; ++d) row *= in.shape[d];
  if (row * int64_t(itemsize) >= 32 && rows_contiguous(in, dim) && rows_contiguous(out, dim)) {
    // Whole contiguous rows (dataset batching selects along dim 0): one memcpy per row.
    int64_t outer = 1;
    for (int d = 0; d < dim; ++d) outer *= in.shape[d];
    const size_t row_bytes = size_t(row) * itemsize;
    parallel_for(outer * count, std::max<int64_t>(1, kIndexGrain / row), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        int64_t o = r / count;
        const int64_t k = r % count;
        int64_t in_off = idx[size_t(k)] * in.strides[dim], out_off = k * out.strides[dim];
        for (int d = dim - 1; d >= 0; --d) {
          const int64_t c = o % in.shape[d];
          o /= in.shape[d];
          in_off += c * in.strides[d];
          out_off += c * out.strides[d];
        }
        std::memcpy(out.data + out_off * int64_t(itemsize), in.data + in_off * int64_t(itemsize),
                    row_bytes);
      }
    });
    return;
  }

  // General case: the checked indices as an int64 view broadcast to out's shape, and `in` with
  // no step along dim, through the elementwise loop.
  TensorView iv;
  iv.dtype = DType::I64;
  iv.ndim = out.ndim;
  for (int d = 0; d < out.ndim; ++d) {
    iv.shape[d] = out.shape[d];
    iv.strides[d] = d == dim ? 1 : 0;
  }
  iv.data = reinterpret_cast<char*>(const_cast<int64_t*>(idx.data()));
  TensorView base = in;
  for (int d = 0; d < in.ndim; ++d) base.shape[d] = out.shape[d];
  base.strides[dim] = 0;
  const int64_t in_dim_stride = in.strides[dim];
  dispatch_by_size(itemsize, [&](auto tag) {
    using T = decltype(tag);
    StridedLoop<3>({&out, &iv, &base}).run([&](char** p, const int64_t* st, int64_t n) {
      T* o = reinterpret_cast<T*>(p[0]);
      const int64_t* ix = reinterpret_cast<const int64_t*>(p[1]);
      const T* x = reinterpret_cast<const T*>(p[2]);
      const int64_t so = st[0] / int64_t(sizeof(T)), si = st[1] / int64_t(sizeof(int64_t)),
                    sx = st[2] / int64_t(sizeof(T));
      for (int64_t t = 0; t < n; ++t) o[t * so] = x[t * sx + ix[t * si] * in_dim_stride];
    });
  });
}

void index_add(const TensorView& self_, int dim, const TensorView& index, const TensorView& src_,
               double alpha) {
  const TensorView self = as_at_least_1d(self_), src = as_at_least_1d(src_);
  const int64_t count = index.numel();
  KILN_CHECK(count == src.shape[dim], Shape, "indexAdd: number of indices (", count,
             ") must equal source size ", src.shape[dim], " at dim ", dim);
  const std::vector<int64_t> idx = checked_indices(index, self.shape[dim], "indexAdd", dim);
  if (src.numel() == 0) return;
  const int64_t sst = src.strides[dim], dst = self.strides[dim];
  // Lanes of source and self share their other coordinates, and rows picked by duplicate
  // indices are added within one lane in index order, so lanes may run concurrently.
  Lanes<2> lanes(src, dim, {&src, &self});
  const int block = lane_block(src, dim);
  KILN_DISPATCH_ALL(self.dtype, "indexAdd", [&] {
    using T = scalar_t;
    const T a = fn::param_cast<T>(alpha);
    const T* s = src.ptr<T>();
    T* d = self.ptr<T>();
    lanes.run(count, block, [&](const LaneBlock<2>& b) {
      for (int64_t k = 0; k < count; ++k) {
        const int64_t to = idx[size_t(k)] * dst, from = k * sst;
        for (int64_t j = 0; j < b.n; ++j) {
          T& target = d[b.off[1][j] + to];
          target = add_value(target, mul_value(a, s[b.off[0][j] + from]));
        }
      }
    });
  });
}

int64_t count_nonzero(const TensorView& in_) {
  const TensorView in = coalesce_row_major(in_);
  const int64_t n = in.numel();
  if (n == 0) return 0;
  return KILN_DISPATCH_ALL(in.dtype, "nonzero", [&] {
    using T = scalar_t;
    const T* x = in.ptr<T>();
    std::atomic<int64_t> total{0};
    parallel_for(n, kIndexGrain, [&](int64_t b, int64_t e) {
      int64_t c = 0;
      for_each_run(in, b, e, [&](int64_t off, int64_t st, int64_t, int64_t len) {
        const T* p = x + off;
        for (int64_t t = 0; t < len; ++t) c += p[t * st] != T(0);
      });
      total.fetch_add(c, std::memory_order_relaxed);
    });
    return total.load();
  });
}

void nonzero(const TensorView& out, const TensorView& in) {
  const int64_t n = in.numel();
  // Fixed chunks (not the pool's split) so that counting and writing agree on boundaries.
  const int64_t chunks =
      std::max<int64_t>(1, std::min<int64_t>(int64_t(num_threads()) * 4, n / kIndexGrain));
  auto chunk_begin = [&](int64_t c) { return n * c / chunks; };
  const TensorView flat = coalesce_row_major(in);
  KILN_DISPATCH_ALL(in.dtype, "nonzero", [&] {
    using T = scalar_t;
    std::vector<int64_t> first_row(size_t(chunks) + 1, 0);
    parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
      const T* x = flat.ptr<T>();
      for (int64_t c = cb; c < ce; ++c) {
        int64_t cnt = 0;
        for_each_run(flat, chunk_begin(c), chunk_begin(c + 1),
                     [&](int64_t off, int64_t st, int64_t, int64_t len) {
                       for (int64_t t = 0; t < len; ++t) cnt += x[off + t * st] != T(0);
                     });
        first_row[size_t(c) + 1] = cnt;
      }
    });
    for (int64_t c = 0; c < chunks; ++c) first_row[size_t(c) + 1] += first_row[size_t(c)];
    KILN_CHECK(out.ndim == 2 && out.shape[0] == first_row[size_t(chunks)] &&
                   out.shape[1] == in.ndim,
               Shape, "nonzero: output must be [", first_row[size_t(chunks)], ", ", in.ndim,
               "]");
    if (in.ndim == 0 || first_row[size_t(chunks)] == 0) return;
    const T* x = in.ptr<T>();
    int64_t* o = out.ptr<int64_t>();
    const int64_t row_st = out.strides[0], col_st = out.strides[1];
    const int nd = in.ndim;
    parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        const int64_t b = chunk_begin(c), e = chunk_begin(c + 1);
        if (b >= e) continue;
        int64_t idx[kMaxDims], off = 0, rem = b;
        for (int d = nd - 1; d >= 0; --d) {
          idx[d] = rem % in.shape[d];
          rem /= in.shape[d];
          off += idx[d] * in.strides[d];
        }
        int64_t row = first_row[size_t(c)];
        for (int64_t i = b; i < e; ++i) {
          if (x[off] != T(0)) {
            for (int d = 0; d < nd; ++d) o[row * row_st + d * col_st] = idx[d];
            ++row;
          }
          for (int d = nd - 1; d >= 0; --d) {
            off += in.strides[d];
            if (++idx[d] < in.shape[d]) break;
            off -= in.shape[d] * in.strides[d];
            idx[d] = 0;
          }
        }
      }
    });
  });
}

void sort(const TensorView& values, const TensorView& indices, const TensorView& in, int dim,
          bool descending) {
  if (in.numel() == 0) return;
  const TensorView v = as_at_least_1d(values), i = as_at_least_1d(indices),
                   x = as_at_least_1d(in);
  const bool narrow = x.shape[dim] <= int64_t(UINT32_MAX);
  KILN_DISPATCH_ALL(in.dtype, "sort", [&] {
    if (narrow) sort_typed<scalar_t, uint32_t>(v, i, x, dim, descending);
    else sort_typed<scalar_t, int64_t>(v, i, x, dim, descending);
  });
}

}  // namespace kiln::cpu
