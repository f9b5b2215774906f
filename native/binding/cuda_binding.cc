// SPDX-License-Identifier: MIT
// The N-API surface of the CUDA runtime: device queries, CUDA storages (allocation, release,
// GC finalization), byte transfers between any two storages, synchronization, memory
// statistics and settings. In a build without CUDA the same functions exist: cudaInfo says
// why CUDA is unavailable and the others throw Error(NotCompiledWithCuda), so JS needs no
// second code path.
#include <napi.h>

#include <cstring>
#include <string>

#include "../core/error.h"
#include "../core/tensor_view.h"
#include "args.h"
#include "storage_memory.h"

#ifdef KILN_WITH_CUDA
#include "../../cuda/runtime.h"
#endif

namespace kiln::binding {

std::string device_name(int device) {
  return device < 0 ? std::string("cpu") : "cuda:" + std::to_string(device);
}

namespace {

// One CUDA allocation owned by a JS storage. `data` is null once released.
struct CudaBlock {
  char* data;
  size_t bytes;
  int device;
};

// Marks Externals made by cudaAlloc, so decode never trusts an arbitrary External.
constexpr napi_type_tag kCudaBlockTag = {0x6b696c6e63756461ULL, 0x73746f7261676531ULL};

CudaBlock* block_of(const Napi::Value& v) {
  if (!v.IsExternal()) return nullptr;
  auto ext = v.As<Napi::External<CudaBlock>>();
  if (!ext.CheckTypeTag(&kCudaBlockTag)) return nullptr;
  return ext.Data();
}

#ifdef KILN_WITH_CUDA

// Gives a block back to the caching allocator and tells V8 the memory is gone.
void release_block(Napi::Env env, CudaBlock* b) {
  if (b->data == nullptr) return;
  cuda::release(b->device, b->data);
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(b->bytes));
  b->data = nullptr;
}

int device_arg(const Napi::CallbackInfo& info, size_t i, const char* op) {
  int device = integer(info, i, op);
  cuda::check_device(device, op);
  return device;
}

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  const cuda::Availability& a = cuda::availability();
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("compiled", true);
  r.Set("deviceCount", a.device_count);
  if (!a.error.empty()) r.Set("error", a.error);
  return r;
}

// cudaAlloc(device, nbytes) -> storage. Contents are unspecified (callers fill what they read).
Napi::Value CudaAlloc(const Napi::CallbackInfo& info) {
  const int device = device_arg(info, 0, "cudaAlloc");
  const double n = num(info, 1, "cudaAlloc");
  KILN_CHECK(n >= 0 && n <= 4503599627370496.0 && n == static_cast<double>(static_cast<size_t>(n)),
             InvalidArgument, "cudaAlloc: byte count must be a non-negative integer, got ", n);
  const size_t bytes = static_cast<size_t>(n);
  auto* block = new CudaBlock{nullptr, bytes, device};
  try {
    block->data = static_cast<char*>(cuda::allocate(device, bytes));
  } catch (...) {
    delete block;
    throw;
  }
  Napi::Env env = info.Env();
  // Reported to V8 so that garbage collection runs sooner when GPU memory grows.
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  auto ext = Napi::External<CudaBlock>::New(env, block, [](Napi::Env e, CudaBlock* b) {
    release_block(e, b);
    delete b;
  });
  ext.TypeTag(&kCudaBlockTag);
  return ext;
}

// cudaFree(storage): returns the block to the cache now; idempotent.
Napi::Value CudaFree(const Napi::CallbackInfo& info) {
  CudaBlock* b = block_of(info[0]);
  KILN_CHECK(b != nullptr, InvalidArgument, "cudaFree: expected a CUDA storage");
  release_block(info.Env(), b);
  return info.Env().Undefined();
}

Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) {
  const int device = integer(info, 0, "synchronize");
  if (device >= 0) cuda::check_device(device, "synchronize");
  cuda::synchronize(device);
  return info.Env().Undefined();
}

Napi::Value CudaMemoryStats(const Napi::CallbackInfo& info) {
  const cuda::MemoryStats s = cuda::memory_stats(device_arg(info, 0, "memoryStats"));
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("allocated", static_cast<double>(s.allocated));
  r.Set("reserved", static_cast<double>(s.reserved));
  r.Set("maxAllocated", static_cast<double>(s.max_allocated));
  r.Set("maxReserved", static_cast<double>(s.max_reserved));
  r.Set("cudaMallocs", static_cast<double>(s.cuda_mallocs));
  return r;
}

Napi::Value CudaResetPeakMemoryStats(const Napi::CallbackInfo& info) {
  cuda::reset_peak_memory_stats(device_arg(info, 0, "resetPeakMemoryStats"));
  return info.Env().Undefined();
}

Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) {
  cuda::empty_cache();
  return info.Env().Undefined();
}

Napi::Value CudaSetAllowTf32(const Napi::CallbackInfo& info) {
  cuda::set_allow_tf32(info[0].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value CudaProperties(const Napi::CallbackInfo& info) {
  const cuda::DeviceProperties p = cuda::properties(device_arg(info, 0, "getDeviceProperties"));
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("name", p.name);
  r.Set("major", p.major);
  r.Set("minor", p.minor);
  r.Set("multiProcessorCount", p.multiprocessors);
  r.Set("totalMemory", static_cast<double>(p.total_memory));
  r.Set("versions", cuda::version_string());
  return r;
}

#else  // CPU-only build

[[noreturn]] void not_compiled(const char* op) {
  throw Error(ErrorCode::NotCompiledWithCuda,
              make_string(op, ": kiln was built without CUDA (run `npm run build:cuda` on a "
                              "machine with nvcc)"));
}

Napi::Value CudaInfo(const Napi::CallbackInfo& info) {
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("compiled", false);
  r.Set("deviceCount", 0);
  r.Set("error", "kiln was built without CUDA (run `npm run build:cuda` on a machine with nvcc)");
  return r;
}
Napi::Value CudaAlloc(const Napi::CallbackInfo&) { not_compiled("cudaAlloc"); }
Napi::Value CudaFree(const Napi::CallbackInfo&) { not_compiled("cudaFree"); }
Napi::Value CudaSynchronize(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
Napi::Value CudaMemoryStats(const Napi::CallbackInfo&) { not_compiled("memoryStats"); }
Napi::Value CudaResetPeakMemoryStats(const Napi::CallbackInfo&) { not_compiled("resetPeakMemoryStats"); }
Napi::Value CudaEmptyCache(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
Napi::Value CudaSetAllowTf32(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }
Napi::Value CudaProperties(const Napi::CallbackInfo&) { not_compiled("getDeviceProperties"); }

#endif

// A byte range of a storage, checked to lie inside it.
StorageMemory byte_range(const Napi::CallbackInfo& info, size_t arg, size_t offset_arg,
                         size_t nbytes, const char* what) {
  StorageMemory m = storage_memory(info[arg], "transfer", what);
  const double off = num(info, offset_arg, "transfer");
  KILN_CHECK(off >= 0 && off == static_cast<double>(static_cast<size_t>(off)) &&
                 static_cast<size_t>(off) <= m.bytes && nbytes <= m.bytes - static_cast<size_t>(off),
             InvalidArgument, "transfer: ", nbytes, " bytes at offset ", off, " do not fit the ",
             what, " storage of ", m.bytes, " bytes");
  m.data += static_cast<size_t>(off);
  return m;
}

// transfer(dst, dstByteOffset, src, srcByteOffset, nbytes): copies bytes between storages on
// any devices (host<->device copies synchronize as runtime.h describes).
Napi::Value Transfer(const Napi::CallbackInfo& info) {
  const double n = num(info, 4, "transfer");
  KILN_CHECK(n >= 0 && n == static_cast<double>(static_cast<size_t>(n)), InvalidArgument,
             "transfer: byte count must be a non-negative integer, got ", n);
  const size_t nbytes = static_cast<size_t>(n);
  const StorageMemory dst = byte_range(info, 0, 1, nbytes, "destination");
  const StorageMemory src = byte_range(info, 2, 3, nbytes, "source");
  if (nbytes == 0) return info.Env().Undefined();
  if (dst.device < 0 && src.device < 0) {
    std::memmove(dst.data, src.data, nbytes);
    return info.Env().Undefined();
  }
#ifdef KILN_WITH_CUDA
  if (src.device < 0) cuda::copy_host_to_device(dst.device, dst.data, src.data, nbytes);
  else if (dst.device < 0) cuda::copy_device_to_host(src.device, dst.data, src.data, nbytes);
  else cuda::copy_device_to_device(dst.device, dst.data, src.device, src.data, nbytes);
#endif
  return info.Env().Undefined();
}

}  // namespace

StorageMemory device_storage_memory(const Napi::Value& storage, const char* op, const char* what) {
  if (CudaBlock* b = block_of(storage)) {
    KILN_CHECK(b->data != nullptr || b->bytes == 0, InvalidArgument, op, ": ", what,
               " is a freed CUDA storage (disposed tensor)");
    return {b->data, b->data == nullptr ? 0 : b->bytes, b->device};
  }
  throw Error(ErrorCode::InvalidArgument,
              make_string(op, ": ", what, " is not a tensor storage"));
}

void register_cuda(Napi::Env env, Napi::Object exports) {
  export_functions(env, exports,
                   {
                       {"cudaInfo", guarded<CudaInfo>},
                       {"cudaAlloc", guarded<CudaAlloc>},
                       {"cudaFree", guarded<CudaFree>},
                       {"cudaSynchronize", guarded<CudaSynchronize>},
                       {"cudaMemoryStats", guarded<CudaMemoryStats>},
                       {"cudaResetPeakMemoryStats", guarded<CudaResetPeakMemoryStats>},
                       {"cudaEmptyCache", guarded<CudaEmptyCache>},
                       {"cudaSetAllowTf32", guarded<CudaSetAllowTf32>},
                       {"cudaProperties", guarded<CudaProperties>},
                       {"transfer", guarded<Transfer>},
                   });
}

}  // namespace kiln::binding
