// SPDX-License-Identifier: MIT
// Batched matrix multiply, out = alpha * a @ b + beta * out, over arbitrary strides.
//
// float32/float64 problems of useful size run a GotoBLAS/BLIS-style GEMM: operands are copied
// ("packed") block by block into contiguous buffers, in exactly the order a register-blocked
// micro-kernel reads them, with block sizes chosen so each packed block stays in the cache
// level that serves its reuse. Packing reads any strides, so transposed or sliced inputs cost
// nothing extra. The micro-kernel is chosen for the running CPU at first use (AVX-512,
// AVX2+FMA, or portable C++). Small problems, vector shapes and integer dtypes run direct
// loops that skip packing.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "../core/error.h"
#include "kernels.h"
#include "matmul_kernels.h"
#include "cpu_isa.h"
#include "thread_pool.h"

namespace kiln::cpu {
namespace {

using gemm::MicroKernel;

// Multiply-adds a thread should get at least, in the direct loops (~10 us of their work) and
// in the packed GEMM (~10 us at full speed), for a parallel region to pay off.
constexpr double kDirectGrainFlops = 65536;
constexpr double kPackedFlopsPerThread = 1 << 19;
// Below about 16^3 multiply-adds, or with fewer than 6 rows or 4 columns, packing and
// padding the tiles costs more than the vector kernel saves, so the direct loops run
// instead (empirical crossover points).
constexpr double kPackedMinFlops = 16.0 * 16 * 16;
constexpr int64_t kPackedMinRows = 6, kPackedMinCols = 4;
// Up to these sizes of the other dimension a row-major operand is read in place rather than
// packed; b also needs rows closer than a page (see gemm_packed). Empirical crossovers.
constexpr int64_t kInPlaceMaxCols = 256, kInPlaceMaxRows = 64, kInPlaceMaxRowBytes = 4096;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// A strided matrix: element (i, j) at p[i * rs + j * cs].
template <class T> struct Mat {
  T* p;
  int64_t rs, cs;
};

// One GEMM of the batch: c (m x n) = alpha * a (m x k) @ b (k x n) + beta * c.
template <class T> struct Gemm {
  int64_t m, n, k;
  Mat<const T> a, b;
  Mat<T> c;
  T alpha, beta;
};

// Integer products wrap around like PyTorch's; unsigned arithmetic makes that well defined.
template <class T, bool = std::is_integral_v<T>> struct AccType { using type = T; };
template <class T> struct AccType<T, true> { using type = std::make_unsigned_t<T>; };
template <class T> using Acc = typename AccType<T>::type;

template <class T> T combine(Acc<T> v, Acc<T> alpha, Acc<T> beta, T old, bool has_beta) {
  return has_beta ? T(alpha * v + beta * Acc<T>(old)) : T(alpha * v);
}

// Runs fn over [0, n) in chunks of at least `grain` on the pool, or all on the caller when
// threads <= 1.
template <class F> void run(int64_t n, int64_t grain, int threads, const F& fn) {
  if (n <= 0) return;
  if (threads <= 1) {
    fn(int64_t(0), n);
    return;
  }
  parallel_for(n, std::max<int64_t>(1, grain), fn);
}

// ---- packing buffers --------------------------------------------------------------------

// Packed blocks are kept per thread and only grow, so repeated GEMMs pay for neither the
// allocation nor the page faults. The largest is the B panel (kc x nc, 4-6 MB) of a thread
// that has run a GEMM; each thread's A block is at most mc x kc (~150 KB).
class PackBuffer {
 public:
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { release(); }

  template <class T> T* get(int64_t n) {
    const size_t bytes = size_t(n) * sizeof(T);
    if (bytes > cap_) {
      release();
      data_ = ::operator new(bytes, std::align_val_t(kAlign));
      cap_ = bytes;
    }
    return static_cast<T*>(data_);
  }

 private:
  static constexpr size_t kAlign = 64;  // a cache line, and one AVX-512 vector
  void release() {
    if (data_) ::operator delete(data_, std::align_val_t(kAlign));
    data_ = nullptr;
    cap_ = 0;
  }
  void* data_ = nullptr;
  size_t cap_ = 0;
};

thread_local PackBuffer t_pack_a, t_pack_b;

// ---- micro-kernel selection -------------------------------------------------------------

// Portable micro-kernel: fixed-size loops the compiler unrolls into registers and vectorizes
// for whatever the baseline target offers (SSE2 on x86-64, NEON on arm64).
template <class T, int MR, int NR>
void ukr_generic(int64_t kc, const T* a, int64_t rs_a, int64_t cs_a, const T* b, int64_t rs_b,
                 T* c, int64_t ldc, T alpha, T beta) {
  T acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p, a += cs_a, b += rs_b)
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i * rs_a];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      T& o = c[i * ldc + j];
      o = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * o;
    }
}

using Isa = CpuIsa;

// The instruction set chosen once for the process (cpu_isa.h; KILN_CPU_ISA caps it).
Isa active_isa() { return cpu_isa(); }

// A micro-kernel with its tile (mr x nr) and the cache blocking that suits it.
//
// Blocking follows the BLIS analysis. The macro-kernel walks the B micro-panels (kc x nr) in
// its outer loop and the A micro-panels (mr x kc) in the inner one, so:
//  - kc: each C tile is loaded and stored once per kc multiply-adds per element, so kc
//    should be large, while the B micro-panel, reused by every A micro-panel of the block,
//    should stay in L1 (32 KB typical) or at worst stream from L2. 384 float / 256 double
//    gives a 24 KB / 16 KB micro-panel for the AVX2 tiles. The AVX-512 tiles do 12
//    multiply-adds per B value loaded, so their wider micro-panels can stream from L2.
//  - mc: the mc x kc A block is reused by every B micro-panel and should sit in L2
//    (512 KB - 1 MB per core) using well under half of it: ~147 KB in every variant.
//  - nc: the kc x nc B panel is shared by all threads and reused by every A block, so it
//    should fit in L3: 16 KB per k of the panel, 4-6 MB in all (nc a multiple of nr).
//
// `across` packs row-major A and column-major B blocks in vector registers (null: scalar).
template <class T> struct KernelInfo {
  MicroKernel<T> ukr;
  int mr, nr;
  int64_t mc, kc, nc;
  gemm::PackAcross<T> across = nullptr;
};

const KernelInfo<float>& kernel_info(float*) {
  static const KernelInfo<float> info = []() -> KernelInfo<float> {
    switch (active_isa()) {
#if KILN_GEMM_X86
      case Isa::Avx512:
        return {gemm::ukr_f32_12x32_avx512, 12, 32, 96, 384, 4064, gemm::pack_across_f32_avx512};
      case Isa::Avx2:
        return {gemm::ukr_f32_6x16_avx2, 6, 16, 96, 384, 4080, gemm::pack_across_f32_avx2};
#endif
      default: return {ukr_generic<float, 4, 8>, 4, 8, 96, 384, 4088};
    }
  }();
  return info;
}

const KernelInfo<double>& kernel_info(double*) {
  static const KernelInfo<double> info = []() -> KernelInfo<double> {
    switch (active_isa()) {
#if KILN_GEMM_X86
      case Isa::Avx512: return {gemm::ukr_f64_12x16_avx512, 12, 16, 72, 256, 2032};
      case Isa::Avx2: return {gemm::ukr_f64_6x8_avx2, 6, 8, 72, 256, 2040};
#endif
      default: return {ukr_generic<double, 4, 4>, 4, 4, 72, 256, 2044};
    }
  }();
  return info;
}

// ---- packing ----------------------------------------------------------------------------

// Packs the mc x kc block of a into micro-panels of MR rows: for each p the panel holds
// a(i, p) for its MR rows contiguously, the order in which the micro-kernel broadcasts them.
// Rows past mc are zero, so edge tiles run the same kernel.
template <class T, int MR>
void pack_a(int64_t mc, int64_t kc, Mat<const T> a, T* dst, gemm::PackAcross<T> across) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    const int64_t mr = std::min<int64_t>(MR, mc - i0);
    const T* src = a.p + i0 * a.rs;
    if (mr == MR && a.rs == 1) {  // column-major a: each panel column is contiguous
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < MR; ++i) dst[p * MR + i] = src[p * a.cs + i];
    } else if (a.cs == 1 && across) {  // row-major a: transpose blocks in registers
      across(kc, src, a.rs, int(mr), MR, dst);
    } else if (mr == MR) {
      for (int64_t p = 0; p < kc; ++p)
        for (int i = 0; i < MR; ++i) dst[p * MR + i] = src[i * a.rs + p * a.cs];
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        int i = 0;
        for (; i < mr; ++i) dst[p * MR + i] = src[i * a.rs + p * a.cs];
        for (; i < MR; ++i) dst[p * MR + i] = T(0);
      }
    }
  }
}

// Packs micro-panels [q0, q1) of the kc x nc panel of b: micro-panel q holds, for each p,
// b(p, q*NR + j) for its NR columns contiguously (one row of vector loads per k step).
// Columns past nc are zero.
template <class T, int NR>
void pack_b(int64_t kc, int64_t nc, Mat<const T> b, T* dst, int64_t q0, int64_t q1,
            gemm::PackAcross<T> across) {
  const int64_t q_full = std::min(q1, nc / NR);
  if (b.cs == 1 && q0 < q_full) {
    // Row-major b: walk each row across all the full micro-panels, so memory is read
    // sequentially rather than one short segment per row per micro-panel.
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = b.p + p * b.rs;
      for (int64_t q = q0; q < q_full; ++q)
        for (int j = 0; j < NR; ++j) dst[(q * kc + p) * NR + j] = src[q * NR + j];
    }
    q0 = q_full;
  }
  for (int64_t q = q0; q < q1; ++q) {
    const int64_t j0 = q * NR, nr = std::min<int64_t>(NR, nc - j0);
    const T* src = b.p + j0 * b.cs;
    T* d = dst + q * NR * kc;
    if (b.rs == 1 && across) {  // column-major b: transpose blocks in registers
      across(kc, src, b.cs, int(nr), NR, d);
    } else if (nr == NR && b.rs == 1) {  // column-major b: read each column contiguously
      for (int j = 0; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = src[j * b.cs + p];
    } else if (nr == NR) {
      for (int64_t p = 0; p < kc; ++p)
        for (int j = 0; j < NR; ++j) d[p * NR + j] = src[p * b.rs + j * b.cs];
    } else {
      for (int64_t p = 0; p < kc; ++p) {
        int j = 0;
        for (; j < nr; ++j) d[p * NR + j] = src[p * b.rs + j * b.cs];
        for (; j < NR; ++j) d[p * NR + j] = T(0);
      }
    }
  }
}

template <class T>
void pack_a_tile(const KernelInfo<T>& kr, int64_t mc, int64_t kc, Mat<const T> a, T* dst) {
  switch (kr.mr) {
    case 4: return pack_a<T, 4>(mc, kc, a, dst, kr.across);
    case 6: return pack_a<T, 6>(mc, kc, a, dst, kr.across);
    case 12: return pack_a<T, 12>(mc, kc, a, dst, kr.across);
  }
  throw Error(ErrorCode::Internal, make_string("matmul: no A packing for mr=", kr.mr));
}

template <class T>
void pack_b_tile(const KernelInfo<T>& kr, int64_t kc, int64_t nc, Mat<const T> b, T* dst,
                 int64_t q0, int64_t q1) {
  switch (kr.nr) {
    case 4: return pack_b<T, 4>(kc, nc, b, dst, q0, q1, kr.across);
    case 8: return pack_b<T, 8>(kc, nc, b, dst, q0, q1, kr.across);
    case 16: return pack_b<T, 16>(kc, nc, b, dst, q0, q1, kr.across);
    case 32: return pack_b<T, 32>(kc, nc, b, dst, q0, q1, kr.across);
  }
  throw Error(ErrorCode::Internal, make_string("matmul: no B packing for nr=", kr.nr));
}

// ---- packed GEMM ------------------------------------------------------------------------

// Where the micro-kernel finds the A micro-panel of rows [i0, i0 + MR): at p + i0 * step,
// read with strides (rs, cs). A packed block has step = kc, rs = 1, cs = MR. A row-major a
// read in place has step = rs = its row stride and cs = 1; its last, partial micro-panel is
// packed into `edge` (rs = 1, cs = MR) so the kernel never reads past the matrix.
template <class T> struct PanelsA {
  const T* p;
  int64_t step, rs, cs;
  const T* edge;
};

// The same for B micro-panels of columns [j0, j0 + NR): at p + j0 * step with row stride rs.
// Packed: step = kc, rs = NR. In place (unit column stride): step = 1, rs = b's row stride,
// with the partial last micro-panel packed into `edge` (rs = NR).
template <class T> struct PanelsB {
  const T* p;
  int64_t step, rs;
  const T* edge;
};

// c (mc x nc) op= A panels (mc x kc) @ B panels (kc x nc). The B micro-panel is the outer
// loop so it stays in L1 while the A micro-panels stream past it. Full tiles of a row-major
// c go straight to the micro-kernel; edge tiles and other layouts go through a scratch tile,
// which keeps the kernel free of masks and strides.
template <class T>
void macro_kernel(const KernelInfo<T>& kr, int64_t mc, int64_t nc, int64_t kc,
                  const PanelsA<T>& pa, const PanelsB<T>& pb, Mat<T> c, T alpha, T beta) {
  alignas(64) T tmp[gemm::kMaxTileElems];
  const int64_t MR = kr.mr, NR = kr.nr;
  const bool has_beta = beta != T(0);
  for (int64_t j0 = 0; j0 < nc; j0 += NR) {
    const int64_t nr = std::min(NR, nc - j0);
    const bool b_edge = nr < NR && pb.edge;
    const T* bq = b_edge ? pb.edge : pb.p + j0 * pb.step;
    const int64_t rs_b = b_edge ? NR : pb.rs;
    for (int64_t i0 = 0; i0 < mc; i0 += MR) {
      const int64_t mr = std::min(MR, mc - i0);
      const bool a_edge = mr < MR && pa.edge;
      const T* ar = a_edge ? pa.edge : pa.p + i0 * pa.step;
      const int64_t rs_a = a_edge ? 1 : pa.rs, cs_a = a_edge ? MR : pa.cs;
      T* ct = c.p + i0 * c.rs + j0 * c.cs;
      if (mr == MR && nr == NR && c.cs == 1) {
        kr.ukr(kc, ar, rs_a, cs_a, bq, rs_b, ct, c.rs, alpha, beta);
        continue;
      }
      kr.ukr(kc, ar, rs_a, cs_a, bq, rs_b, tmp, NR, alpha, T(0));
      for (int64_t i = 0; i < mr; ++i)
        for (int64_t j = 0; j < nr; ++j) {
          T& o = ct[i * c.rs + j * c.cs];
          o = has_beta ? tmp[i * NR + j] + beta * o : tmp[i * NR + j];
        }
    }
  }
}

// How the threads share one (jc, pc) step: a tm x tn grid of tasks over M rows and the N
// micro-panels. Splitting M is preferred: those threads pack disjoint rows of A and all read
// the one shared B panel, while an N split makes each thread pack the same A rows again.
void choose_split(int threads, int64_t m_panels, int64_t n_panels, int* tm, int* tn) {
  int64_t best = -1;
  for (int d = 1; d <= threads; ++d) {
    if (threads % d != 0) continue;
    const int64_t cost = ceil_div(m_panels, d) * ceil_div(n_panels, threads / d);
    if (best < 0 || cost <= best) {
      best = cost;
      *tm = d;
      *tn = threads / d;
    }
  }
}

template <class T>
void gemm_packed(const Gemm<T>& g, int threads) {
  const KernelInfo<T>& kr = kernel_info(static_cast<T*>(nullptr));
  const double flops = double(g.m) * double(g.n) * double(g.k);
  threads = int(std::max(1.0, std::min(double(threads), flops / kPackedFlopsPerThread)));
  const int64_t MR = kr.mr, NR = kr.nr;
  // Equal blocks rather than full blocks plus a sliver (K = 400 runs as 200 + 200, not
  // 384 + 16), so no step is too thin to amortise its packing.
  const int64_t kc_max = ceil_div(g.k, ceil_div(g.k, kr.kc));
  const int64_t nc_max = round_up(ceil_div(g.n, ceil_div(g.n, kr.nc)), NR);
  const int64_t m_panels = ceil_div(g.m, MR);
  // Packing pays off through reuse: an A block is read once per B micro-panel and a B panel
  // once per A micro-panel. When the other dimension is small, a row-major operand is
  // cheaper to read in place (BLIS's "sup" case). The kernel then reads a B micro-panel as
  // kc rows a whole row stride apart: once that stride reaches a page, the rows crowd into
  // a few L1 sets and TLB entries and the micro-panel no longer stays cached.
  const bool a_in_place = g.a.cs == 1 && g.n <= kInPlaceMaxCols;
  const bool b_in_place = g.b.cs == 1 && g.m <= kInPlaceMaxRows &&
                          g.b.rs * int64_t(sizeof(T)) < kInPlaceMaxRowBytes;
  T* bbuf = t_pack_b.get<T>(b_in_place ? kc_max * NR : kc_max * nc_max);

  for (int64_t jc = 0; jc < g.n; jc += nc_max) {
    const int64_t nc = std::min(nc_max, g.n - jc);
    const int64_t n_panels = ceil_div(nc, NR);
    int tm = 1, tn = 1;
    if (threads > 1) choose_split(threads, m_panels, n_panels, &tm, &tn);

    for (int64_t pc = 0; pc < g.k; pc += kc_max) {
      const int64_t kc = std::min(kc_max, g.k - pc);
      const Mat<const T> bblk{g.b.p + pc * g.b.rs + jc * g.b.cs, g.b.rs, g.b.cs};
      PanelsB<T> pb{bbuf, kc, NR, nullptr};
      if (b_in_place) {
        pb = {bblk.p, 1, bblk.rs, nullptr};
        if (const int64_t full = nc / NR * NR; full < nc) {
          pack_b_tile<T>(kr, kc, nc - full, {bblk.p + full, bblk.rs, 1}, bbuf, 0, 1);
          pb.edge = bbuf;
        }
      } else {
        // Packing is shared out in chunks of at least ~16K elements.
        run(n_panels, ceil_div(16384, kc * NR), threads, [&](int64_t q0, int64_t q1) {
          pack_b_tile<T>(kr, kc, nc, bblk, bbuf, q0, q1);
        });
      }
      // beta applies once; later k steps accumulate onto the partial result.
      const T beta = pc == 0 ? g.beta : T(1);
      run(int64_t(tm) * tn, 1, threads, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t im = t / tn, in = t % tn;
          const int64_t r0 = m_panels * im / tm * MR;
          const int64_t r1 = std::min(g.m, m_panels * (im + 1) / tm * MR);
          const int64_t c0 = n_panels * in / tn * NR;
          const int64_t c1 = std::min(nc, n_panels * (in + 1) / tn * NR);
          if (r0 >= r1 || c0 >= c1) continue;
          T* abuf = t_pack_a.get<T>(a_in_place ? MR * kc : kr.mc * kc);
          const PanelsB<T> pbt{pb.p + c0 * pb.step, pb.step, pb.rs, pb.edge};
          const int64_t mc_step = round_up(ceil_div(r1 - r0, ceil_div(r1 - r0, kr.mc)), MR);
          for (int64_t ic = r0; ic < r1; ic += mc_step) {
            const int64_t mc = std::min(mc_step, r1 - ic);
            const Mat<const T> ablk{g.a.p + ic * g.a.rs + pc * g.a.cs, g.a.rs, g.a.cs};
            PanelsA<T> pa{abuf, kc, 1, MR, nullptr};
            if (a_in_place) {
              pa = {ablk.p, ablk.rs, ablk.rs, 1, nullptr};
              if (const int64_t full = mc / MR * MR; full < mc) {
                pack_a_tile<T>(kr, mc - full, kc,
                               {ablk.p + full * ablk.rs, ablk.rs, ablk.cs}, abuf);
                pa.edge = abuf;
              }
            } else {
              pack_a_tile<T>(kr, mc, kc, ablk, abuf);
            }
            macro_kernel(kr, mc, c1 - c0, kc, pa, pbt,
                         Mat<T>{g.c.p + ic * g.c.rs + (jc + c0) * g.c.cs, g.c.rs, g.c.cs},
                         g.alpha, beta);
          }
        }
      });
    }
  }
}

// ---- direct loops -----------------------------------------------------------------------

// Dot product of x (unit stride) and y (stride sy) with eight independent partial sums,
// which keeps the adds from serialising on their latency and lets the compiler vectorize.
template <class T>
Acc<T> dot(const T* x, const T* y, int64_t n, int64_t sy) {
  using A = Acc<T>;
  A s[8] = {};
  int64_t p = 0;
  if (sy == 1) {
    for (; p + 8 <= n; p += 8)
      for (int u = 0; u < 8; ++u) s[u] += A(x[p + u]) * A(y[p + u]);
  } else {
    for (; p + 8 <= n; p += 8)
      for (int u = 0; u < 8; ++u) s[u] += A(x[p + u]) * A(y[(p + u) * sy]);
  }
  for (; p < n; ++p) s[0] += A(x[p]) * A(y[p * sy]);
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

// Unpacked GEMM for small problems, vector shapes and integers. When a's rows and b's columns
// are both contiguous (a @ b.T, or matrix @ vector) every output is one dot product.
// Otherwise rows of out accumulate row-by-row of b (i-k-j), in strips of a few rows held in
// a small buffer, so each row of b read serves several rows of a.
template <class T>
void gemm_direct(const Gemm<T>& g, int threads) {
  using A = Acc<T>;
  const A alpha = A(g.alpha), beta = A(g.beta);
  const bool has_beta = g.beta != T(0);
  const auto& a = g.a;
  const auto& b = g.b;
  const auto& c = g.c;

  if (a.cs == 1 && (b.rs == 1 || g.n < 4)) {
    const int64_t grain = int64_t(kDirectGrainFlops / double(g.n * g.k)) + 1;
    run(g.m, grain, threads, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i)
        for (int64_t j = 0; j < g.n; ++j) {
          T& o = c.p[i * c.rs + j * c.cs];
          o = combine<T>(dot(a.p + i * a.rs, b.p + j * b.cs, g.k, b.rs), alpha, beta, o,
                         has_beta);
        }
    });
    return;
  }

  // Narrow strips keep a k x strip block of b in L2 for the next row groups; with a single
  // row group there is no reuse to keep, and longer runs of each row of b are read instead.
  constexpr int64_t kStripRows = 4, kMaxStripCols = 1024;
  const int64_t row_groups = ceil_div(g.m, kStripRows);
  const int64_t strip_cols =
      row_groups > 1 ? std::min<int64_t>(g.n, 256)
                     : std::min<int64_t>(round_up(ceil_div(g.n, threads), 64), kMaxStripCols);
  const int64_t col_groups = ceil_div(g.n, strip_cols);
  const int64_t grain =
      int64_t(kDirectGrainFlops / double(kStripRows * strip_cols * g.k)) + 1;
  // Tasks are ordered column-strip first, so consecutive tasks on a thread reuse the same
  // strip of b from cache.
  run(row_groups * col_groups, grain, threads, [&](int64_t t0, int64_t t1) {
    A acc[kStripRows][kMaxStripCols];
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i0 = t % row_groups * kStripRows, j0 = t / row_groups * strip_cols;
      const int64_t rows = std::min(kStripRows, g.m - i0), cols = std::min(strip_cols, g.n - j0);
      for (int64_t r = 0; r < rows; ++r) std::fill(acc[r], acc[r] + cols, A(0));
      // Four rows of b per pass, so the accumulators are loaded and stored a quarter as often.
      int64_t p = 0;
      for (; p + 4 <= g.k; p += 4) {
        const T* b0 = b.p + p * b.rs + j0 * b.cs;
        const T *b1 = b0 + b.rs, *b2 = b1 + b.rs, *b3 = b2 + b.rs;
        for (int64_t r = 0; r < rows; ++r) {
          const T* ar = a.p + (i0 + r) * a.rs + p * a.cs;
          const A s0 = A(ar[0]), s1 = A(ar[a.cs]), s2 = A(ar[2 * a.cs]), s3 = A(ar[3 * a.cs]);
          A* out = acc[r];
          if (b.cs == 1) {
            for (int64_t j = 0; j < cols; ++j)
              out[j] += s0 * A(b0[j]) + s1 * A(b1[j]) + s2 * A(b2[j]) + s3 * A(b3[j]);
          } else {
            for (int64_t j = 0, o = 0; j < cols; ++j, o += b.cs)
              out[j] += s0 * A(b0[o]) + s1 * A(b1[o]) + s2 * A(b2[o]) + s3 * A(b3[o]);
          }
        }
      }
      for (; p < g.k; ++p) {
        const T* bp = b.p + p * b.rs + j0 * b.cs;
        for (int64_t r = 0; r < rows; ++r) {
          const A s = A(a.p[(i0 + r) * a.rs + p * a.cs]);
          A* out = acc[r];
          for (int64_t j = 0; j < cols; ++j) out[j] += s * A(bp[j * b.cs]);
        }
      }
      for (int64_t r = 0; r < rows; ++r) {
        T* o = c.p + (i0 + r) * c.rs + j0 * c.cs;
        for (int64_t j = 0; j < cols; ++j)
          o[j * c.cs] = combine<T>(acc[r][j], alpha, beta, o[j * c.cs], has_beta);
      }
    }
  });
}

// ---- driver -----------------------------------------------------------------------------

template <class T>
void gemm_one(Gemm<T> g, int threads) {
  // A size-1 dimension's stride is never used to step; calling it 1 lets the layout tests
  // below see, for instance, a [K, 1] column of a wider matrix as contiguous.
  if (g.m == 1) g.a.rs = g.c.rs = 1;
  if (g.n == 1) g.b.cs = g.c.cs = 1;
  if (g.k == 1) g.a.cs = g.b.rs = 1;
  // Column-major out: compute out^T = b^T @ a^T instead, so the kernel stores whole rows.
  if (g.c.cs != 1 && g.c.rs == 1) {
    std::swap(g.m, g.n);
    std::swap(g.a, g.b);
    std::swap(g.a.rs, g.a.cs);
    std::swap(g.b.rs, g.b.cs);
    std::swap(g.c.rs, g.c.cs);
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (g.m >= kPackedMinRows && g.n >= kPackedMinCols &&
        double(g.m) * double(g.n) * double(g.k) > kPackedMinFlops) {
      gemm_packed(g, threads);
      return;
    }
  }
  gemm_direct(g, threads);
}

template <class T>
void matmul_typed(const TensorView& out, const TensorView& av, const TensorView& bv,
                  double alpha_d, double beta_d) {
  int64_t batch = out.shape[0], m = out.shape[1];
  const int64_t n = out.shape[2], k = av.shape[2];
  if (batch == 0 || m == 0 || n == 0) return;
  const T alpha = fn::param_cast<T>(alpha_d), beta = fn::param_cast<T>(beta_d);
  Mat<const T> a{av.ptr<const T>(), av.strides[1], av.strides[2]};
  Mat<const T> b{bv.ptr<const T>(), bv.strides[1], bv.strides[2]};
  Mat<T> c{out.ptr<T>(), out.strides[1], out.strides[2]};
  const int64_t sa = av.strides[0], sb = bv.strides[0], sc = out.strides[0];

  // With no products to add (as in BLAS, alpha == 0 does not read a or b), out = beta * out.
  if (k == 0 || alpha == T(0)) {
    using A = Acc<T>;
    for (int64_t bi = 0; bi < batch; ++bi)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          T& o = c.p[bi * sc + i * c.rs + j * c.cs];
          o = beta == T(0) ? T(0) : T(A(beta) * A(o));
        }
    return;
  }

  // One b shared by the whole batch (a linear layer on [batch, rows, features]): when the
  // batches of a and out are evenly spaced rows, the batch is one GEMM with batch * m rows,
  // so b is packed once and the threads split one large problem.
  if (batch > 1 && sb == 0) {
    const int64_t a_rs = m == 1 ? sa : a.rs, c_rs = m == 1 ? sc : c.rs;
    if ((m == 1 || (sa == m * a.rs && sc == m * c.rs)) && c_rs != 0) {
      m *= batch;
      batch = 1;
      a.rs = a_rs;
      c.rs = c_rs;
    }
  }

  const int threads = num_threads();
  const double flops = double(m) * double(n) * double(k);
  auto one = [&](int64_t bi, int th) {
    gemm_one<T>({m, n, k, {a.p + bi * sa, a.rs, a.cs}, {b.p + bi * sb, b.rs, b.cs},
                 {c.p + bi * sc, c.rs, c.cs}, alpha, beta},
                th);
  };
  // Many matrices: give each thread whole GEMMs (no synchronisation inside them), unless the
  // batch divides unevenly and each GEMM is big enough to split well by itself.
  const bool by_batch = threads > 1 && batch > 1 &&
                        (flops < 128.0 * 128 * 128 || batch % threads == 0 || batch >= 4 * threads);
  if (by_batch) {
    const int64_t grain = int64_t(kDirectGrainFlops / flops) + 1;
    parallel_for(batch, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t bi = b0; bi < b1; ++bi) one(bi, 1);
    });
  } else {
    for (int64_t bi = 0; bi < batch; ++bi) one(bi, threads);
  }
}

}  // namespace

void matmul(const TensorView& out, const TensorView& a, const TensorView& b, double alpha,
            double beta) {
  KILN_DISPATCH_NUMERIC(out.dtype, "matmul",
                        [&] { matmul_typed<scalar_t>(out, a, b, alpha, beta); });
}

}  // namespace kiln::cpu
