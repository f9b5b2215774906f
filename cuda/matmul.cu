// SPDX-License-Identifier: MIT
// cuda::matmul: batched strided GEMM, out = alpha * a @ b + beta * out, with the contract of
// the CPU kernel (native/cpu/matmul.cc): float32, float64, int32 and int64, all three views
// the same dtype; beta == 0 never reads out; K == 0 or alpha == 0 only scales out; integer
// products wrap around. The kernels and the choice among them are in matmul_gemm.cuh.
#include <atomic>

#include "../native/core/functors.h"
#include "common.cuh"
#include "kernels.h"
#include "matmul_gemm.cuh"

namespace kiln::cuda {
namespace {

using gemm::AccT;

// out = beta * out (0 when beta == 0, whatever out held): a product with no terms, as in
// BLAS, where alpha == 0 does not read a or b either.
template <class T>
__global__ void scale_out(T* out, OffsetCalc<1> oc, int64_t n, AccT<T> beta, bool zero) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[1];
    oc.get(i, off);
    T& o = out[off[0]];
    o = zero ? T(0) : T(beta * AccT<T>(o));
  }
}

// Multiprocessor count and opt-in shared memory per block of `device`, read once per device.
gemm::DeviceLimits device_limits(int device) {
  constexpr int kMaxDevices = 64;
  static std::atomic<int> sms[kMaxDevices] = {}, smem[kMaxDevices] = {};
  const bool cached = device < kMaxDevices;
  if (cached) {
    const int n = sms[device].load(std::memory_order_relaxed);
    if (n > 0) return {n, smem[device].load(std::memory_order_relaxed)};
  }
  gemm::DeviceLimits limits{};
  check(cudaDeviceGetAttribute(&limits.sms, cudaDevAttrMultiProcessorCount, device), "matmul");
  check(cudaDeviceGetAttribute(&limits.max_smem, cudaDevAttrMaxSharedMemoryPerBlockOptin, device),
        "matmul");
  if (limits.sms < 1) limits.sms = 1;
  if (cached) {
    smem[device].store(limits.max_smem, std::memory_order_relaxed);
    sms[device].store(limits.sms, std::memory_order_relaxed);
  }
  return limits;
}

template <class T>
void matmul_typed(const TensorView& out, const TensorView& a, const TensorView& b,
                  double alpha_d, double beta_d) {
  const int64_t batch = out.shape[0], m = out.shape[1], n = out.shape[2], k = a.shape[2];
  if (batch == 0 || m == 0 || n == 0) return;
  const T alpha = fn::param_cast<T>(alpha_d), beta = fn::param_cast<T>(beta_d);
  const int device = out.device;
  cudaStream_t stream = stream_for(device);

  if (k == 0 || alpha == T(0)) {
    const TensorView* views[1] = {&out};
    const OffsetCalc<1> oc = make_offset_calc<1>(views);
    const int64_t total = out.numel();
    scale_out<T><<<grid_for(total), kBlockSize, 0, stream>>>(out.ptr<T>(), oc, total,
                                                             AccT<T>(beta), beta == T(0));
    after_launch(device, "matmul");
    return;
  }

  gemm::GemmProblem<T> p{};
  p.a = a.ptr<const T>();
  p.b = b.ptr<const T>();
  p.c = out.ptr<T>();
  p.M = m, p.N = n, p.K = k, p.batch = batch;
  p.a_bs = a.strides[0], p.a_rs = a.strides[1], p.a_cs = a.strides[2];
  p.b_bs = b.strides[0], p.b_rs = b.strides[1], p.b_cs = b.strides[2];
  p.c_bs = out.strides[0], p.c_rs = out.strides[1], p.c_cs = out.strides[2];
  p.alpha = AccT<T>(alpha);
  p.beta = AccT<T>(beta);
  p.has_beta = beta != T(0);
  gemm::normalize(p);
  gemm::launch_gemm(p, device_limits(device), allow_tf32(),
                    [&](auto kernel, dim3 grid, dim3 block, int smem, const auto& args) {
                      constexpr int kDefaultSmem = 48 * 1024;
                      if (smem > kDefaultSmem)
                        check(cudaFuncSetAttribute(kernel,
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                   smem),
                              "matmul");
                      kernel<<<grid, block, smem, stream>>>(args);
                    });
  after_launch(device, "matmul");
}

}  // namespace

void matmul(const TensorView& out, const TensorView& a, const TensorView& b, double alpha,
            double beta) {
  KILN_DISPATCH_NUMERIC(out.dtype, "matmul",
                        [&] { matmul_typed<scalar_t>(out, a, b, alpha, beta); });
}

}  // namespace kiln::cuda
