// SPDX-License-Identifier: MIT
// Byte copies between host memory and a device, and between devices, on the devices' streams.
// Large host copies go through a few reused pinned staging buffers: the host side then only
// waits for its own reads and writes of those buffers, never for the kernels queued before.
#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "common.cuh"
#include "runtime_internal.cuh"

namespace kiln::cuda {
namespace {

// Up to this size a pageable copy is handed to the driver as it is: it copies the bytes out of
// (host to device) or into (device to host, after the wait) host memory right away.
constexpr size_t kDirectMax = size_t(64) << 10;
constexpr size_t kChunk = size_t(4) << 20;
constexpr int kBuffers = 2;  // one filled by the host while the other is in flight

constexpr const char* kToDevice = "copy to device";
constexpr const char* kToHost = "copy to host";
constexpr const char* kBetweenDevices = "copy between devices";

// A device's staging buffers, each with the event recorded after the last copy that used it.
// The mutex is held for a whole copy, so the buffers' turns never interleave.
struct Staging {
  std::mutex mutex;
  bool tried = false;
  bool ready = false;
  char* buf[kBuffers] = {};
  cudaEvent_t done[kBuffers] = {};
};

// One per device, never destroyed (copies may run while the process exits).
Staging& staging(int device) {
  static Staging* const all = new Staging[size_t(availability().device_count)];
  return all[device];
}

// Creates the buffers on first use (the device is current). When pinned memory cannot be had,
// copies fall back to the driver's own staging.
bool ensure_staging(Staging& s) {
  if (s.tried) return s.ready;
  s.tried = true;
  int made = 0;
  for (; made < kBuffers; ++made) {
    void* p = nullptr;
    if (cudaHostAlloc(&p, kChunk, cudaHostAllocDefault) != cudaSuccess) break;
    if (cudaEventCreateWithFlags(&s.done[made], cudaEventDisableTiming) != cudaSuccess) {
      (void)cudaFreeHost(p);
      break;
    }
    s.buf[made] = static_cast<char*>(p);
  }
  if (made < kBuffers) {
    (void)cudaGetLastError();
    for (int i = 0; i < made; ++i) {
      (void)cudaEventDestroy(s.done[i]);
      (void)cudaFreeHost(s.buf[i]);
      s.buf[i] = nullptr;
    }
    return false;
  }
  s.ready = true;
  return true;
}

// Per-device events for ordering one device's stream after another's; guarded by `mutex`.
struct CrossDevice {
  std::mutex mutex;
  std::vector<cudaEvent_t> handoff;   // created on first use, on its device
  std::vector<char> peer_tried;       // [dst * count + src]
};

CrossDevice& cross_device() {
  static CrossDevice* const c = [] {
    auto* x = new CrossDevice;
    const size_t n = size_t(availability().device_count);
    x->handoff.assign(n, nullptr);
    x->peer_tried.assign(n * n, 0);
    return x;
  }();
  return *c;
}

cudaEvent_t handoff_event(CrossDevice& c, int device) {
  cudaEvent_t& e = c.handoff[size_t(device)];
  if (!e) {
    KILN_CUDA_CHECK(cudaSetDevice(device), kBetweenDevices);
    KILN_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), kBetweenDevices);
  }
  return e;
}

// Lets `dst_device` reach `src_device`'s memory directly when the hardware allows it, so the
// copy does not bounce through host memory. Best effort: failures only cost speed.
void enable_peer_access(CrossDevice& c, int dst_device, int src_device) {
  const size_t count = size_t(availability().device_count);
  char& tried = c.peer_tried[size_t(dst_device) * count + size_t(src_device)];
  if (tried) return;
  tried = 1;
  int can = 0;
  if (cudaDeviceCanAccessPeer(&can, dst_device, src_device) == cudaSuccess && can &&
      cudaSetDevice(dst_device) == cudaSuccess)
    (void)cudaDeviceEnablePeerAccess(src_device, 0);  // "already enabled" is fine too
  (void)cudaGetLastError();
}

}  // namespace

void copy_host_to_device(int device, void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  check_device(device, kToDevice);
  cudaStream_t st = stream_for(device);
  if (nbytes <= kDirectMax) {
    KILN_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, st), kToDevice);
    return;
  }
  Staging& s = staging(device);
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!ensure_staging(s)) {
    // No pinned memory: the driver stages the copy, and the wait makes sure `src` was read.
    KILN_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, st), kToDevice);
    detail::synchronize_stream(device, kToDevice);
    return;
  }
  const char* from = static_cast<const char*>(src);
  char* to = static_cast<char*>(dst);
  size_t k = 0;
  for (size_t off = 0; off < nbytes; off += kChunk, ++k) {
    const size_t len = std::min(kChunk, nbytes - off);
    const int i = int(k % kBuffers);
    // The copy that last read this buffer (an earlier chunk or copy) must be over.
    KILN_CUDA_CHECK(cudaEventSynchronize(s.done[i]), kToDevice);
    std::memcpy(s.buf[i], from + off, len);
    KILN_CUDA_CHECK(cudaMemcpyAsync(to + off, s.buf[i], len, cudaMemcpyHostToDevice, st),
                    kToDevice);
    KILN_CUDA_CHECK(cudaEventRecord(s.done[i], st), kToDevice);
  }
  // The last chunks may still be in flight: they read only the staging buffers.
}

void copy_device_to_host(int device, void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  check_device(device, kToHost);
  cudaStream_t st = stream_for(device);
  Staging& s = staging(device);
  std::unique_lock<std::mutex> lock(s.mutex, std::defer_lock);
  if (nbytes > kDirectMax) lock.lock();
  if (nbytes <= kDirectMax || !ensure_staging(s)) {
    KILN_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, st), kToHost);
    detail::synchronize_stream(device, kToHost);
    return;
  }
  const char* from = static_cast<const char*>(src);
  char* to = static_cast<char*>(dst);
  const size_t chunks = (nbytes + kChunk - 1) / kChunk;
  auto chunk_len = [&](size_t k) { return std::min(kChunk, nbytes - k * kChunk); };
  // Chunk k is queued into buffer k % 2 while the host copies chunk k - 1 out of the other;
  // buffer k % 2 was emptied at step k - 1, before chunk k is queued into it.
  for (size_t k = 0; k <= chunks; ++k) {
    if (k < chunks) {
      const int i = int(k % kBuffers);
      KILN_CUDA_CHECK(cudaMemcpyAsync(s.buf[i], from + k * kChunk, chunk_len(k),
                                      cudaMemcpyDeviceToHost, st),
                      kToHost);
      KILN_CUDA_CHECK(cudaEventRecord(s.done[i], st), kToHost);
    }
    if (k > 0) {
      const size_t prev = k - 1;
      const int j = int(prev % kBuffers);
      KILN_CUDA_CHECK(cudaEventSynchronize(s.done[j]), kToHost);
      std::memcpy(to + prev * kChunk, s.buf[j], chunk_len(prev));
    }
  }
  lock.unlock();
  // Everything before the copy is done; this reports a kernel's index error like synchronize().
  detail::synchronize_stream(device, kToHost);
}

void copy_device_to_device(int dst_device, void* dst, int src_device, const void* src,
                           size_t nbytes) {
  if (nbytes == 0) return;
  check_device(dst_device, kBetweenDevices);
  check_device(src_device, kBetweenDevices);
  if (dst_device == src_device) {
    cudaStream_t st = stream_for(dst_device);
    KILN_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, st),
                    kBetweenDevices);
    return;
  }
  cudaStream_t src_stream = stream_for(src_device);
  cudaStream_t dst_stream = stream_for(dst_device);
  CrossDevice& c = cross_device();
  std::lock_guard<std::mutex> lock(c.mutex);
  enable_peer_access(c, dst_device, src_device);
  cudaEvent_t src_ready = handoff_event(c, src_device);
  cudaEvent_t dst_done = handoff_event(c, dst_device);
  // The copy runs on the destination's stream, after the work queued so far on both devices
  // (the source's writers, the destination's earlier users of `dst`); the source's stream then
  // waits for the copy, so a later writer of `src` (its block freed and handed out again)
  // cannot overtake the read. No host wait: both waits are on the devices.
  KILN_CUDA_CHECK(cudaSetDevice(src_device), kBetweenDevices);
  KILN_CUDA_CHECK(cudaEventRecord(src_ready, src_stream), kBetweenDevices);
  KILN_CUDA_CHECK(cudaSetDevice(dst_device), kBetweenDevices);
  KILN_CUDA_CHECK(cudaStreamWaitEvent(dst_stream, src_ready, 0), kBetweenDevices);
  KILN_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, nbytes, dst_stream),
                  kBetweenDevices);
  KILN_CUDA_CHECK(cudaEventRecord(dst_done, dst_stream), kBetweenDevices);
  KILN_CUDA_CHECK(cudaSetDevice(src_device), kBetweenDevices);
  KILN_CUDA_CHECK(cudaStreamWaitEvent(src_stream, dst_done, 0), kBetweenDevices);
  // Leave the destination current, as stream_for(dst_device) would.
  KILN_CUDA_CHECK(cudaSetDevice(dst_device), kBetweenDevices);
}

}  // namespace kiln::cuda
