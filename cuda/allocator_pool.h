// SPDX-License-Identifier: MIT
// The caching allocator's algorithm, free of CUDA calls: size classes, best-fit pools with
// splitting and coalescing, the out-of-memory retry and the statistics. allocator.cu plugs in
// the CUDA calls through a small backend (see CachingAllocator); a test plugs in a fake one.
//
// The scheme follows PyTorch's CUDA caching allocator without its multi-stream events: every
// device has one stream, so a block given back by the host may be handed out again at once
// (whatever touches it next is queued after whatever touched it before).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../native/core/error.h"
#include "runtime.h"

namespace kiln::cuda::alloc {

constexpr size_t kMiB = size_t(1) << 20;
constexpr size_t kMinBlock = 512;              // every request is rounded up to this
constexpr size_t kSmallRequest = 1 * kMiB;     // requests up to this use the small pool
constexpr size_t kSmallSegment = 2 * kMiB;     // small-pool segments
constexpr size_t kLargeSegment = 20 * kMiB;    // segment for large requests below kMinLargeAlloc
constexpr size_t kMinLargeAlloc = 10 * kMiB;   // from here a request gets a segment of its own
constexpr size_t kLargeRounding = 2 * kMiB;    // ... rounded up to this
// Larger requests cannot be served by any device; refusing them early keeps the rounding
// arithmetic free of overflow.
constexpr size_t kMaxRequest = size_t(1) << 56;

inline size_t round_up(size_t n, size_t unit) { return (n + unit - 1) / unit * unit; }

// The size a request of `nbytes` (<= kMaxRequest) occupies in the pools.
inline size_t round_size(size_t nbytes) {
  return nbytes < kMinBlock ? kMinBlock : round_up(nbytes, kMinBlock);
}

inline bool is_small(size_t rounded) { return rounded <= kSmallRequest; }

// The size of a new segment for a rounded request that no cached block can serve.
inline size_t segment_size(size_t rounded) {
  if (is_small(rounded)) return kSmallSegment;
  if (rounded < kMinLargeAlloc) return kLargeSegment;
  return round_up(rounded, kLargeRounding);
}

// Whether a free block of `block` bytes serving `rounded` bytes keeps the rest as a block of
// its own. Large-pool remainders of 1 MiB or less stay inside the block: they would only
// serve small requests, which never come to the large pool.
inline bool should_split(size_t block, size_t rounded, bool small) {
  const size_t rest = block - rounded;
  return small ? rest >= kMinBlock : rest > kSmallRequest;
}

// A piece of a segment. The blocks of one segment form an address-ordered list, so a freed
// block can merge with free neighbours; a block with neither neighbour is a whole segment.
struct Block {
  uintptr_t addr = 0;
  size_t size = 0;
  bool small = false;  // which pool it belongs to
  bool allocated = false;
  Block* prev = nullptr;
  Block* next = nullptr;
};

// Free blocks ordered by (size, address): lower_bound finds the best fit, and among equal
// sizes the lowest address, which keeps the choice deterministic.
struct BlockLess {
  bool operator()(const Block* a, const Block* b) const {
    return a->size != b->size ? a->size < b->size : a->addr < b->addr;
  }
};

// One device's segments and blocks. Not thread-safe: CachingAllocator serializes calls.
class DevicePool {
 public:
  DevicePool() = default;
  DevicePool(const DevicePool&) = delete;
  DevicePool& operator=(const DevicePool&) = delete;
  ~DevicePool() {
    for (Block* b : small_free_) delete b;
    for (Block* b : large_free_) delete b;
    for (auto& kv : live_) delete kv.second;
  }

  // The best-fitting cached block for a rounded request, split when the rest is worth
  // keeping; nullptr when no free block of the request's pool is large enough.
  Block* take(size_t rounded) {
    auto& pool = pool_for(is_small(rounded));
    Block probe;
    probe.size = rounded;
    auto it = pool.lower_bound(&probe);
    if (it == pool.end()) return nullptr;
    Block* b = *it;
    pool.erase(it);
    return hand_out(b, rounded);
  }

  // Registers a new segment [base, base + size) and serves a rounded request from it.
  Block* add_segment(uintptr_t base, size_t size, size_t rounded) {
    Block* b = new Block;
    b->addr = base;
    b->size = size;
    b->small = is_small(rounded);
    stats_.reserved += size;
    if (stats_.reserved > stats_.max_reserved) stats_.max_reserved = stats_.reserved;
    return hand_out(b, rounded);
  }

  // Returns a handed-out block to its pool, merged with free neighbours. Returns the block's
  // size, or 0 when `addr` is not the start of a block handed out by this pool.
  size_t give_back(uintptr_t addr) {
    auto it = live_.find(addr);
    if (it == live_.end()) return 0;
    Block* b = it->second;
    live_.erase(it);
    const size_t size = b->size;
    stats_.allocated -= size;
    b->allocated = false;
    auto& pool = pool_for(b->small);
    if (Block* p = b->prev; p && !p->allocated) {  // p absorbs b
      pool.erase(p);
      p->size += b->size;
      p->next = b->next;
      if (p->next) p->next->prev = p;
      delete b;
      b = p;
    }
    if (Block* n = b->next; n && !n->allocated) {  // b absorbs n
      pool.erase(n);
      b->size += n->size;
      b->next = n->next;
      if (b->next) b->next->prev = b;
      delete n;
    }
    pool.insert(b);
    return size;
  }

  // Removes every segment none of whose bytes is handed out, for the caller to free.
  std::vector<std::pair<uintptr_t, size_t>> take_unused_segments() {
    std::vector<std::pair<uintptr_t, size_t>> out;
    for (auto* pool : {&small_free_, &large_free_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev || b->next) {
          ++it;
          continue;
        }
        out.emplace_back(b->addr, b->size);
        stats_.reserved -= b->size;
        it = pool->erase(it);
        delete b;
      }
    }
    return out;
  }

  const MemoryStats& stats() const { return stats_; }
  MemoryStats& stats() { return stats_; }
  void reset_peaks() {
    stats_.max_allocated = stats_.allocated;
    stats_.max_reserved = stats_.reserved;
  }
  size_t free_block_count() const { return small_free_.size() + large_free_.size(); }
  size_t live_block_count() const { return live_.size(); }

 private:
  using FreeSet = std::set<Block*, BlockLess>;
  FreeSet& pool_for(bool small) { return small ? small_free_ : large_free_; }

  Block* hand_out(Block* b, size_t rounded) {
    if (should_split(b->size, rounded, b->small)) {
      Block* rest = new Block;
      rest->addr = b->addr + rounded;
      rest->size = b->size - rounded;
      rest->small = b->small;
      rest->prev = b;
      rest->next = b->next;
      if (rest->next) rest->next->prev = rest;
      b->next = rest;
      b->size = rounded;
      pool_for(rest->small).insert(rest);
    }
    b->allocated = true;
    live_.emplace(b->addr, b);
    stats_.allocated += b->size;
    if (stats_.allocated > stats_.max_allocated) stats_.max_allocated = stats_.allocated;
    return b;
  }

  FreeSet small_free_, large_free_;
  std::unordered_map<uintptr_t, Block*> live_;
  MemoryStats stats_;
};

// "1.50 GiB" style sizes for error messages.
inline std::string format_bytes(uint64_t n) {
  static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  if (n < 1024) return make_string(n, " bytes");
  double v = double(n);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

// The allocator over a Backend that provides
//   int device_count();
//   bool malloc(int device, size_t bytes, void** out);  // false when out of memory; throws
//                                                        // Error(Cuda) on any other failure
//   void free(int device, void* ptr) noexcept;           // after the device's work; errors ignored
//   bool synchronize(int device);  // waits for the device's work; false when the device can no
//                                  // longer be used (its segments are then left alone); throws
//                                  // Error(Cuda) for a new failure
//   void mem_info(int device, size_t* free, size_t* total) noexcept;  // zeros when unknown
// With `caching` false, blocks go straight to malloc/free (the sanitizer mode).
template <class Backend>
class CachingAllocator {
 public:
  CachingAllocator(Backend backend, bool caching)
      : backend_(std::move(backend)), caching_(caching) {}

  // `device` must be valid (the caller has checked it).
  void* allocate(int device, size_t nbytes) {
    if (nbytes == 0) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    DeviceState& d = state(device);
    if (nbytes > kMaxRequest) throw_oom(device, d, nbytes);
    if (!caching_) {
      void* p = nullptr;
      if (!malloc_counted(device, d, nbytes, &p)) throw_oom(device, d, nbytes);
      d.direct.emplace(p, nbytes);
      add_stat(d.pool.stats().allocated, d.pool.stats().max_allocated, nbytes);
      add_stat(d.pool.stats().reserved, d.pool.stats().max_reserved, nbytes);
      return p;
    }
    const size_t rounded = round_size(nbytes);
    if (Block* b = d.pool.take(rounded)) return reinterpret_cast<void*>(b->addr);
    const size_t seg = segment_size(rounded);
    void* p = nullptr;
    if (!malloc_counted(device, d, seg, &p)) {
      // Give the cached segments back to the driver and try again: first the usual segment
      // size, then, when that is more than the request needs, the request alone.
      if (backend_.synchronize(device))
        for (const auto& s : d.pool.take_unused_segments())
          backend_.free(device, reinterpret_cast<void*>(s.first));
      if (!malloc_counted(device, d, seg, &p)) {
        if (seg == rounded || !malloc_counted(device, d, rounded, &p)) throw_oom(device, d, nbytes);
        return reinterpret_cast<void*>(d.pool.add_segment(uintptr_t(p), rounded, rounded)->addr);
      }
    }
    return reinterpret_cast<void*>(d.pool.add_segment(uintptr_t(p), seg, rounded)->addr);
  }

  // Never throws. Unknown pointers (and nullptr) are ignored.
  void release(int device, void* ptr) noexcept {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (device < 0 || size_t(device) >= devices_.size() || !devices_[size_t(device)]) return;
    DeviceState& d = *devices_[size_t(device)];
    if (!caching_) {
      auto it = d.direct.find(ptr);
      if (it == d.direct.end()) return;
      d.pool.stats().allocated -= it->second;
      d.pool.stats().reserved -= it->second;
      d.direct.erase(it);
      backend_.free(device, ptr);
      return;
    }
    d.pool.give_back(uintptr_t(ptr));
  }

  MemoryStats stats(int device) {
    std::lock_guard<std::mutex> lock(mutex_);
    return state(device).pool.stats();
  }

  void reset_peaks(int device) {
    std::lock_guard<std::mutex> lock(mutex_);
    state(device).pool.reset_peaks();
  }

  // Frees every unused segment of every device. A device that cannot be used any more, or
  // whose synchronization fails, keeps its segments; the first failure is rethrown after the
  // other devices were emptied.
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::exception_ptr first;
    for (size_t i = 0; i < devices_.size(); ++i) {
      if (!devices_[i]) continue;
      const int device = int(i);
      try {
        if (!backend_.synchronize(device)) continue;
      } catch (...) {
        if (!first) first = std::current_exception();
        continue;
      }
      for (const auto& s : devices_[i]->pool.take_unused_segments())
        backend_.free(device, reinterpret_cast<void*>(s.first));
    }
    if (first) std::rethrow_exception(first);
  }

  Backend& backend() { return backend_; }

 private:
  struct DeviceState {
    DevicePool pool;
    std::unordered_map<void*, size_t> direct;  // the non-caching mode's live blocks
  };

  static void add_stat(uint64_t& value, uint64_t& peak, uint64_t n) {
    value += n;
    if (value > peak) peak = value;
  }

  DeviceState& state(int device) {
    if (devices_.empty()) devices_.resize(size_t(std::max(backend_.device_count(), 0)));
    if (device < 0 || size_t(device) >= devices_.size())
      throw Error(ErrorCode::Device,
                  make_string("allocator: cuda:", device, " is not a CUDA device"));
    auto& d = devices_[size_t(device)];
    if (!d) d = std::make_unique<DeviceState>();
    return *d;
  }

  bool malloc_counted(int device, DeviceState& d, size_t bytes, void** out) {
    if (!backend_.malloc(device, bytes, out)) return false;
    ++d.pool.stats().cuda_mallocs;
    return true;
  }

  [[noreturn]] void throw_oom(int device, DeviceState& d, size_t nbytes) {
    size_t free_bytes = 0, total_bytes = 0;
    backend_.mem_info(device, &free_bytes, &total_bytes);
    const MemoryStats& s = d.pool.stats();
    throw Error(ErrorCode::OutOfMemory,
                make_string("CUDA out of memory: tried to allocate ", format_bytes(nbytes), " (",
                            nbytes, " bytes) on cuda:", device, "; ", format_bytes(s.allocated),
                            " allocated by kiln, ", format_bytes(s.reserved), " reserved by kiln (",
                            format_bytes(s.reserved - s.allocated), " cached, unused), ",
                            format_bytes(free_bytes), " free of ", format_bytes(total_bytes),
                            " total on the device"));
  }

  Backend backend_;
  const bool caching_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<DeviceState>> devices_;
};

}  // namespace kiln::cuda::alloc
