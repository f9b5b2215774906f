// SPDX-License-Identifier: MIT
// Sorting by unsigned integer keys, as used by sort and randperm. Values are mapped to keys
// whose unsigned order is the wanted order; records carry (key, position) and equal keys keep
// position order, so the result is the stable sort, the same whatever the thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace kiln::cpu {

template <class K, class I>
struct KeyIndex {
  K key;
  I index;
};

// Stable LSD radix sort of `data` by key, 8 bits per pass; `scratch` holds n records. Passes
// whose digit is the same for every record are skipped (small integers, narrow ranges).
template <class K, class I>
void radix_sort(KeyIndex<K, I>* data, KeyIndex<K, I>* scratch, int64_t n) {
  constexpr int kDigits = int(sizeof(K));
  int64_t counts[kDigits][256] = {};
  for (int64_t i = 0; i < n; ++i) {
    const K k = data[i].key;
    for (int d = 0; d < kDigits; ++d) ++counts[d][(k >> (8 * d)) & 0xFF];
  }
  KeyIndex<K, I>* src = data;
  KeyIndex<K, I>* dst = scratch;
  for (int d = 0; d < kDigits; ++d) {
    int64_t* c = counts[d];
    if (c[(src[0].key >> (8 * d)) & 0xFF] == n) continue;
    int64_t pos = 0;
    for (int b = 0; b < 256; ++b) {
      const int64_t cnt = c[b];
      c[b] = pos;
      pos += cnt;
    }
    for (int64_t i = 0; i < n; ++i) dst[c[(src[i].key >> (8 * d)) & 0xFF]++] = src[i];
    std::swap(src, dst);
  }
  if (src != data) std::memcpy(static_cast<void*>(data), src, size_t(n) * sizeof(*data));
}

// Sorts by (key, index). Short arrays use a comparison sort, where radix passes cost more
// than they save.
template <class K, class I>
void sort_by_key(KeyIndex<K, I>* data, KeyIndex<K, I>* scratch, int64_t n) {
  if (n < 256) {
    std::sort(data, data + n, [](const KeyIndex<K, I>& a, const KeyIndex<K, I>& b) {
      return a.key < b.key || (a.key == b.key && a.index < b.index);
    });
  } else {
    radix_sort(data, scratch, n);
  }
}

// Order-preserving bijections from T to unsigned keys, so sorted keys decode back to the exact
// values (NaN payloads and the sign of zero included) without revisiting the input. For floats
// the usual sign-flip mapping is rotated so that every NaN, whatever its sign, sits above
// +inf, which is PyTorch's order. -0.0 and 0.0 get adjacent keys; the sort treats them as equal
// by merging that block by position afterwards.
template <class T> struct SortKeyOf;
template <> struct SortKeyOf<float> { using type = uint32_t; };
template <> struct SortKeyOf<double> { using type = uint64_t; };
template <> struct SortKeyOf<int32_t> { using type = uint32_t; };
template <> struct SortKeyOf<int64_t> { using type = uint64_t; };
template <> struct SortKeyOf<bool> { using type = uint8_t; };

namespace sort_detail {
template <class T> using Key = typename SortKeyOf<T>::type;
template <class T> constexpr Key<T> kSign = Key<T>(Key<T>(1) << (8 * sizeof(Key<T>) - 1));
// Count of NaN bit patterns with the sign set: in the plain mapping they are the lowest keys,
// and -inf comes right after them.
template <class T>
constexpr Key<T> kNegativeNaNs = Key<T>((Key<T>(1) << (std::numeric_limits<T>::digits - 1)) - 1);
}  // namespace sort_detail

template <class T>
inline typename SortKeyOf<T>::type sort_key(T v) {
  using namespace sort_detail;
  using K = Key<T>;
  if constexpr (std::is_floating_point_v<T>) {
    K bits;
    std::memcpy(&bits, &v, sizeof(K));
    const K plain = (bits & kSign<T>) ? K(~bits) : K(bits | kSign<T>);
    return K(plain - kNegativeNaNs<T>);
  } else if constexpr (std::is_same_v<T, bool>) {
    return K(v ? 1 : 0);
  } else {
    return K(K(v) ^ kSign<T>);
  }
}

template <class T>
inline T sort_value(typename SortKeyOf<T>::type key) {
  using namespace sort_detail;
  using K = Key<T>;
  if constexpr (std::is_floating_point_v<T>) {
    const K plain = K(key + kNegativeNaNs<T>);
    const K bits = (plain & kSign<T>) ? K(plain & K(~kSign<T>)) : K(~plain);
    T v;
    std::memcpy(&v, &bits, sizeof(K));
    return v;
  } else if constexpr (std::is_same_v<T, bool>) {
    return key != 0;
  } else {
    return T(K(key ^ kSign<T>));
  }
}

}  // namespace kiln::cpu
