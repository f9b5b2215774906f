// SPDX-License-Identifier: MIT
// Devices, streams and errors: the probe for usable devices, one stream per device, the checks
// after CUDA calls and kernel launches, the per-device slot through which kernels report bad
// indices, and synchronization, which turns what went wrong asynchronously into Error(Cuda).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "common.cuh"
#include "runtime_internal.cuh"

namespace kiln::cuda {
namespace {

struct DeviceState {
  std::once_flag stream_once;
  std::atomic<cudaStream_t> stream{nullptr};

  std::once_flag slot_once;
  std::atomic<KernelErrorSlot*> slot{nullptr};  // device memory
  KernelErrorSlot* host_slot = nullptr;         // where synchronization reads it back
  std::mutex slot_mutex;  // guards host_slot and the read-check-clear sequence

  // Set once a sticky error has lost the device's context; `reason` is written before.
  std::atomic<bool> broken{false};
  std::mutex reason_mutex;
  std::string reason;
};

struct Runtime {
  Availability availability;
  std::unique_ptr<DeviceState[]> devices;
};

// Built on first use and never destroyed: storages freed by finalizers during process exit
// may still reach the runtime after static destructors have run.
const Runtime& runtime() {
  static const Runtime* const r = [] {
    auto* rt = new Runtime;
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      // Any error means no CUDA: without a driver this is cudaErrorInsufficientDriver (35),
      // with CUDA_VISIBLE_DEVICES empty cudaErrorNoDevice (100).
      (void)cudaGetLastError();
      rt->availability.device_count = 0;
      rt->availability.error = make_string(cudaGetErrorString(status), " (",
                                           cudaGetErrorName(status), ", error ", int(status), ")");
    } else if (count <= 0) {
      rt->availability.error = "no CUDA device found";
    } else {
      rt->availability.device_count = count;
      rt->devices = std::make_unique<DeviceState[]>(size_t(count));
    }
    return rt;
  }();
  return *r;
}

DeviceState& state(int device) { return runtime().devices[size_t(device)]; }

bool valid_index(int device) { return device >= 0 && device < availability().device_count; }

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

bool launch_blocking() {
  static const bool on = env_flag("KILN_CUDA_LAUNCH_BLOCKING");
  return on;
}

// Errors after which the context is lost: every later CUDA call in the process fails the same
// way, so the device must not be used again.
bool is_sticky(cudaError_t e) {
  switch (e) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorTensorMemoryLeak:
    case cudaErrorECCUncorrectable:
    case cudaErrorNvlinkUncorrectable:
    case cudaErrorContained:
    case cudaErrorExternalDevice:
      return true;
    default:
      return false;
  }
}

void mark_broken(int device, const std::string& reason) {
  DeviceState& s = state(device);
  std::lock_guard<std::mutex> lock(s.reason_mutex);
  if (s.broken.load()) return;  // the first failure is the one worth reporting
  s.reason = reason;
  s.broken.store(true);
}

[[noreturn]] void throw_broken(int device, const char* op) {
  DeviceState& s = state(device);
  std::string reason;
  {
    std::lock_guard<std::mutex> lock(s.reason_mutex);
    reason = s.reason;
  }
  throw Error(ErrorCode::Cuda,
              make_string(op ? op : "", op ? ": " : "", "cuda:", device,
                          " is unusable after an earlier CUDA error (", reason,
                          "); its context is lost, restart the process to use it again"));
}

const char* kernel_op_name(int op) {
  switch (static_cast<KernelOp>(op)) {
    case KernelOp::Gather: return "gather";
    case KernelOp::Scatter: return "scatter";
    case KernelOp::IndexSelect: return "indexSelect";
    case KernelOp::IndexAdd: return "indexAdd";
    case KernelOp::Randperm: return "randperm";
    case KernelOp::None:
    case KernelOp::Other: break;
  }
  return "CUDA kernel";
}

std::atomic<bool> g_allow_tf32{false};

}  // namespace

// ---- devices -------------------------------------------------------------------------------

const Availability& availability() { return runtime().availability; }

void check_device(int device, const char* op) {
  const Availability& a = availability();
  if (a.device_count == 0)
    throw Error(ErrorCode::Device, make_string(op, ": CUDA is not available: ", a.error));
  if (!valid_index(device)) {
    const std::string present = a.device_count == 1
                                    ? std::string("cuda:0")
                                    : make_string("cuda:0 to cuda:", a.device_count - 1);
    throw Error(ErrorCode::Device, make_string(op, ": device index ", device,
                                               " is not a CUDA device (present: ", present, ")"));
  }
  if (state(device).broken.load(std::memory_order_acquire)) throw_broken(device, op);
}

DeviceProperties properties(int device) {
  check_device(device, "properties");
  cudaDeviceProp p;
  KILN_CUDA_CHECK(cudaGetDeviceProperties(&p, device), "properties");
  DeviceProperties r;
  r.name = p.name;
  r.major = p.major;
  r.minor = p.minor;
  r.multiprocessors = p.multiProcessorCount;
  r.total_memory = uint64_t(p.totalGlobalMem);
  return r;
}

std::string version_string() {
  // Both calls work without a driver: the runtime's version is compiled in, and the driver's
  // is reported as 0 when none is installed.
  int rt = 0, drv = 0;
  if (cudaRuntimeGetVersion(&rt) != cudaSuccess) rt = 0;
  if (cudaDriverGetVersion(&drv) != cudaSuccess) drv = 0;
  (void)cudaGetLastError();
  auto fmt = [](int v) { return make_string(v / 1000, ".", (v % 1000) / 10); };
  return make_string("runtime ", fmt(rt), ", driver ", drv > 0 ? fmt(drv) : std::string("none"));
}

// ---- streams and errors --------------------------------------------------------------------

cudaStream_t stream_for(int device) {
  if (!valid_index(device)) check_device(device, "stream");  // throws with the reason
  DeviceState& s = state(device);
  if (s.broken.load(std::memory_order_acquire)) throw_broken(device, nullptr);
  // Per thread and cheap; every launch sets it, so worker threads need no setup of their own.
  KILN_CUDA_CHECK(cudaSetDevice(device), "cudaSetDevice");
  std::call_once(s.stream_once, [&] {
    cudaStream_t st = nullptr;
    // Non-blocking: the legacy default stream (which other libraries in the process may
    // use) does not serialize with kiln's work.
    KILN_CUDA_CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking), "cudaStreamCreate");
    s.stream.store(st, std::memory_order_release);
  });
  return s.stream.load(std::memory_order_acquire);
}

void check(cudaError_t status, const char* op) {
  if (status == cudaSuccess) return;
  // A non-sticky error also stays recorded as the thread's last error, where the next
  // after_launch() would take it for its own: clear it.
  (void)cudaGetLastError();
  std::string msg =
      make_string(op, ": ", cudaGetErrorString(status), " (", cudaGetErrorName(status), ")");
  if (is_sticky(status)) {
    // Kernels run asynchronously: the failing one may have been queued by an earlier op.
    int device = -1;
    if (cudaGetDevice(&device) == cudaSuccess && valid_index(device)) {
      mark_broken(device, msg);
      msg += make_string("; cuda:", device, " can no longer be used in this process");
    }
    msg += "; the failing kernel may belong to an earlier op (run with"
           " KILN_CUDA_LAUNCH_BLOCKING=1 to find it)";
  }
  throw Error(status == cudaErrorMemoryAllocation ? ErrorCode::OutOfMemory : ErrorCode::Cuda, msg);
}

void after_launch(int device, const char* op) {
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) check(status, op);
  if (launch_blocking()) detail::synchronize_stream(device, op);
}

KernelErrorSlot* kernel_error_slot(int device) {
  if (!valid_index(device)) check_device(device, "kernel_error_slot");
  DeviceState& s = state(device);
  if (KernelErrorSlot* p = s.slot.load(std::memory_order_acquire)) return p;
  std::call_once(s.slot_once, [&] {
    cudaStream_t st = stream_for(device);
    if (!s.host_slot) {
      // Pinned, so that the read-back at synchronization is an asynchronous copy covered by
      // the same stream wait; pageable memory works too, only less cheaply.
      void* h = nullptr;
      if (cudaHostAlloc(&h, sizeof(KernelErrorSlot), cudaHostAllocDefault) != cudaSuccess) {
        (void)cudaGetLastError();
        h = new KernelErrorSlot;
      }
      s.host_slot = static_cast<KernelErrorSlot*>(h);
      std::memset(s.host_slot, 0, sizeof(KernelErrorSlot));
    }
    // Outside the caching allocator: it lives as long as the process, and keeps the
    // allocator's statistics about tensors only.
    void* d = nullptr;
    KILN_CUDA_CHECK(cudaMalloc(&d, sizeof(KernelErrorSlot)), "kernel error slot");
    const cudaError_t status = cudaMemsetAsync(d, 0, sizeof(KernelErrorSlot), st);
    if (status != cudaSuccess) {
      (void)cudaFree(d);
      check(status, "kernel error slot");
    }
    // Queued on the device's stream, so it is zero before any kernel that reports into it.
    s.slot.store(static_cast<KernelErrorSlot*>(d), std::memory_order_release);
  });
  return s.slot.load(std::memory_order_acquire);
}

// ---- synchronization -----------------------------------------------------------------------

namespace detail {

bool device_lost(int device) {
  return valid_index(device) && state(device).broken.load(std::memory_order_acquire);
}

void synchronize_stream(int device, const char* op) {
  DeviceState& s = state(device);
  if (s.broken.load(std::memory_order_acquire)) throw_broken(device, op);
  cudaStream_t st = s.stream.load(std::memory_order_acquire);
  if (!st) return;  // nothing was ever queued on this device
  KILN_CUDA_CHECK(cudaSetDevice(device), op);
  KernelErrorSlot* slot = s.slot.load(std::memory_order_acquire);
  if (!slot) {
    KILN_CUDA_CHECK(cudaStreamSynchronize(st), op);
    return;
  }
  std::lock_guard<std::mutex> lock(s.slot_mutex);
  // The read-back is queued behind all earlier work, so one wait covers both.
  KILN_CUDA_CHECK(cudaMemcpyAsync(s.host_slot, slot, sizeof(KernelErrorSlot),
                                  cudaMemcpyDeviceToHost, st),
                  op);
  KILN_CUDA_CHECK(cudaStreamSynchronize(st), op);
  const KernelErrorSlot found = *s.host_slot;
  if (!found.flag) return;
  // Clear it for the next report; queued, so kernels launched later see it cleared.
  s.host_slot->flag = 0;
  KILN_CUDA_CHECK(cudaMemsetAsync(slot, 0, sizeof(KernelErrorSlot), st), op);
  throw Error(ErrorCode::Cuda, make_string(kernel_op_name(found.op), ": index ", found.value,
                                           " is out of bounds for dimension of size ", found.bound,
                                           " (found by a CUDA kernel)"));
}

}  // namespace detail

void synchronize(int device) {
  if (device != -1) {
    check_device(device, "synchronize");
    detail::synchronize_stream(device, "synchronize");
    return;
  }
  // Every device is waited for even when one fails; the first failure is then reported.
  std::exception_ptr first;
  for (int d = 0; d < availability().device_count; ++d) {
    try {
      detail::synchronize_stream(d, "synchronize");
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

}  // namespace kiln::cuda
