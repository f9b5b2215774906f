// SPDX-License-Identifier: MIT
// Sorting by unsigned integer keys, as used by sort and randperm. Values are first mapped to
// keys whose unsigned order is the wanted order, so every record carries (key, position) and
// ties keep position order: the result is the stable sort, the same whatever the thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
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

// Unsigned keys whose order is the ascending order of T, with NaNs equal to each other and
// above everything (PyTorch's sort order), and -0.0 equal to 0.0.
template <class T> struct SortKeyOf;
template <> struct SortKeyOf<float> { using type = uint32_t; };
template <> struct SortKeyOf<double> { using type = uint64_t; };
template <> struct SortKeyOf<int32_t> { using type = uint32_t; };
template <> struct SortKeyOf<int64_t> { using type = uint64_t; };
template <> struct SortKeyOf<bool> { using type = uint8_t; };

template <class T>
inline typename SortKeyOf<T>::type sort_key(T v) {
  using K = typename SortKeyOf<T>::type;
  constexpr K kSign = K(1) << (8 * sizeof(K) - 1);
  if constexpr (std::is_floating_point_v<T>) {
    if (v != v) return ~K(0);
    if (v == T(0)) v = T(0);
    K bits;
    std::memcpy(&bits, &v, sizeof(K));
    // Negative floats order backwards by magnitude: flip all their bits; positives only
    // need to rise above the negatives.
    return (bits & kSign) ? K(~bits) : K(bits | kSign);
  } else if constexpr (std::is_same_v<T, bool>) {
    return K(v ? 1 : 0);
  } else {
    return K(K(v) ^ kSign);
  }
}

}  // namespace kiln::cpu
