// SPDX-License-Identifier: MIT
// The GEMM kernels behind cuda::matmul (matmul.cu) and the host-side plan that picks one.
//
// One batched, strided problem: c[b] = alpha * a[b] @ b[b] + beta * c[b] with a [M, K],
// b [K, N], c [M, N] read through any strides (batch strides may be 0). Each block computes
// one tile of c, streaming K slices of a and b through multi-buffered shared memory; the tile
// loaders read an operand along whichever of its two dims is contiguous (16-byte accesses
// when aligned), so transposed and sliced inputs need no copy. Out-of-range rows, columns and
// k are loaded as zeros, so edge tiles run the same inner loop; only the stores are masked.
//
//  - gemm_simt: CUDA-core kernel for every dtype; each thread owns a TM x TN block of c in
//    registers, fed by 4-wide shared-memory reads; slices are staged through registers into
//    two buffers.
//  - gemm_tf32: float32 on tensor cores (wmma m16n16k8 TF32 fragments, fp32 accumulation),
//    only when TF32 is allowed; slices arrive by cp.async, two or three ahead.
//
// Kept free of the runtime (no streams, no errors): launch_gemm() hands each kernel to a
// caller-supplied launcher, so this file is plain CUDA C++ over raw pointers.
#pragma once
#include <cuda_pipeline.h>
#include <mma.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace kiln::cuda::gemm {

// Integer products wrap around like the CPU's (and PyTorch's): unsigned arithmetic makes that
// well defined. Floating types accumulate in their own type, as the CPU does.
template <class T, bool = std::is_integral_v<T>> struct AccOf { using type = T; };
template <class T> struct AccOf<T, true> { using type = std::make_unsigned_t<T>; };
template <class T> using AccT = typename AccOf<T>::type;

// One launch's problem. Dims fit in int (launch_gemm() splits larger problems, and the batch
// into runs of at most 65535, the grid's z limit), so in-kernel index math stays 32-bit;
// offsets into memory are 64-bit.
template <class T>
struct GemmArgs {
  const T* a;
  const T* b;
  T* c;
  int M, N, K, batch;
  // Element strides: batch, row, column.
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs, c_cs;
  int tiles_m, tiles_n;
  // Loader steps, precomputed so they stay kernel parameters: between a run's elements
  // (along the walk) and from one K slice to the next (BK times the k stride).
  int64_t a_step, a_kadv, b_step, b_kadv;
  AccT<T> alpha, beta;
  bool has_beta;  // false: c is write-only, its old contents (possibly NaN) are never read
  // Whether a tile loader walks the operand along k (a's columns, b's rows) rather than along
  // m / n, and whether it may use 16-byte loads (see plan_layout()). c_vec: 16-byte stores.
  bool a_kmajor, a_vec, b_kmajor, b_vec, c_vec;
};

// ---- small device helpers ---------------------------------------------------------------

// 16-byte vector types for 4-byte and 8-byte elements.
template <class T> struct Vec16;
template <> struct Vec16<float> { using type = float4; };
template <> struct Vec16<int32_t> { using type = int4; };
template <> struct Vec16<double> { using type = double2; };
template <> struct Vec16<int64_t> { using type = longlong2; };

// Four consecutive elements from global memory (16-byte aligned) through the read-only path.
template <class T>
__device__ __forceinline__ void load4_global(const T* p, T* v) {
  using V = typename Vec16<T>::type;
  if constexpr (sizeof(T) == 4) {
    const V t = __ldg(reinterpret_cast<const V*>(p));
    v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
  } else {
    const V t0 = __ldg(reinterpret_cast<const V*>(p));
    const V t1 = __ldg(reinterpret_cast<const V*>(p) + 1);
    v[0] = t0.x, v[1] = t0.y, v[2] = t1.x, v[3] = t1.y;
  }
}

// Four consecutive elements from memory this kernel also writes (c), or from shared memory.
template <class T>
__device__ __forceinline__ void load4(const T* p, T* v) {
  using V = typename Vec16<T>::type;
  if constexpr (sizeof(T) == 4) {
    const V t = *reinterpret_cast<const V*>(p);
    v[0] = t.x, v[1] = t.y, v[2] = t.z, v[3] = t.w;
  } else {
    const V t0 = reinterpret_cast<const V*>(p)[0];
    const V t1 = reinterpret_cast<const V*>(p)[1];
    v[0] = t0.x, v[1] = t0.y, v[2] = t1.x, v[3] = t1.y;
  }
}

template <class T>
__device__ __forceinline__ void store4(T* p, const T* v) {
  using V = typename Vec16<T>::type;
  if constexpr (sizeof(T) == 4) {
    V t;
    t.x = v[0], t.y = v[1], t.z = v[2], t.w = v[3];
    *reinterpret_cast<V*>(p) = t;
  } else {
    V t0, t1;
    t0.x = v[0], t0.y = v[1], t1.x = v[2], t1.y = v[3];
    reinterpret_cast<V*>(p)[0] = t0;
    reinterpret_cast<V*>(p)[1] = t1;
  }
}

template <class T>
__device__ __forceinline__ AccT<T> mul_add(T x, T y, AccT<T> acc) {
  if constexpr (std::is_integral_v<T>) {
    return acc + AccT<T>(x) * AccT<T>(y);
  } else if constexpr (std::is_same_v<T, float>) {
    return fmaf(x, y, acc);
  } else {
    return fma(x, y, acc);
  }
}

// The value stored to c: alpha * acc, plus beta * old only when beta != 0.
template <class T>
__device__ __forceinline__ T combine(AccT<T> acc, const GemmArgs<T>& p, T old) {
  using A = AccT<T>;
  if constexpr (std::is_integral_v<T>) {
    return p.has_beta ? T(p.alpha * acc + p.beta * A(old)) : T(p.alpha * acc);
  } else {
    return p.has_beta ? p.alpha * acc + p.beta * old : p.alpha * acc;
  }
}

// Stores 4 results of one row of c from `c` on (column stride cs), of which `cnt` exist.
template <class T>
__device__ __forceinline__ void store_run(T* c, int64_t cs, int cnt, const GemmArgs<T>& p,
                                          AccT<T> v0, AccT<T> v1, AccT<T> v2, AccT<T> v3) {
  const AccT<T> v[4] = {v0, v1, v2, v3};
  if (p.c_vec && cnt == 4) {
    T out[4];
    if (p.has_beta) {
      T old[4];
      load4(c, old);
#pragma unroll
      for (int j = 0; j < 4; ++j) out[j] = combine<T>(v[j], p, old[j]);
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) out[j] = combine<T>(v[j], p, T(0));
    }
    store4(c, out);
  } else {
#pragma unroll
    for (int j = 0; j < 4; ++j)
      if (j < cnt) c[j * cs] = combine<T>(v[j], p, p.has_beta ? c[j * cs] : T(0));
  }
}

// Tile coordinates of this block: groups of kGroupM tile rows are walked column by column,
// so the blocks running at one time share a few row panels of a and column panels of b in
// L2 instead of sweeping all of b.
__device__ __forceinline__ void tile_coords(int tiles_m, int tiles_n, int& tm, int& tn) {
  constexpr int kGroupM = 8;
  const int t = blockIdx.x;
  const int span = kGroupM * tiles_n;
  const int group = t / span;
  const int first = group * kGroupM;
  const int rows = tiles_m - first < kGroupM ? tiles_m - first : kGroupM;
  const int local = t - group * span;
  tm = first + local % rows;
  tn = local / rows;
}

// ---- tile loader ------------------------------------------------------------------------

// Moves the O x BK slice of one operand (O rows of "outer" index o: m for a, n for b) into
// shared memory once per K step, each thread kVecs runs of 4 elements.
//
// Two walks over the slice, so that neighbouring threads read neighbouring addresses:
//  - outer-major (a with unit row stride, i.e. transposed, or a row-major b): each run is
//    4 consecutive o at one k;
//  - k-major (a row-major a, or a transposed b): each run is 4 consecutive k at one o.
// A run moves as one 16-byte access (two for 8-byte types) when the operand allows it (`vec`)
// and all 4 elements exist, else element by element (missing elements become 0). kLayout
// fixes the walk at compile time (0 outer-major, 1 k-major) or leaves it to the runtime
// flag (-1).
//
// Two ways in: load() + store() stage through registers into rows of k ([BK][LD], o
// contiguous: what the SIMT kernel reads 4-wide along m / n), so a k-major run is stored as
// a column; copy_async() copies with cp.async into stagings where a run is contiguous (rows
// of o for a k-major walk, rows of k otherwise), which the tensor-core kernel reads.
template <class T, int O, int BK, int kThreads, int kLayout>
struct TileLoader {
  static constexpr int kVecs = O * BK / 4 / kThreads;
  static_assert(kVecs >= 1 && kVecs * 4 * kThreads == O * BK, "tile not divisible by threads");
  static_assert(O % 4 == 0 && BK % 4 == 0, "runs of 4 must tile the slice");

  // Only what changes per slice lives in registers: positions come back from the thread
  // index, and strides and flags are read from the kernel's parameters at each use.
  const T* ptr[kVecs];  // element (o, k) of the next slice, for each run
  int o_left[kVecs];    // elements that exist along o from the run's o, capped at 4
  T regs[kVecs][4];     // load() -> store()

  __device__ __forceinline__ static bool walk_k(bool runtime_kmajor) {
    return kLayout < 0 ? runtime_kmajor : kLayout == 1;
  }
  // Position of run r of thread tid in the slice.
  __device__ __forceinline__ static int o_of(int tid, int r, bool km) {
    const int v = tid + r * kThreads;
    return km ? v / (BK / 4) : (v % (O / 4)) * 4;
  }
  __device__ __forceinline__ static int k_of(int tid, int r, bool km) {
    const int v = tid + r * kThreads;
    return km ? (v % (BK / 4)) * 4 : v / (O / 4);
  }

  // base: the operand's matrix for this batch; os / ks: strides along o and k; o0: first o of
  // the tile; o_total: O of the whole matrix.
  __device__ __forceinline__ void init(const T* base, int64_t os, int64_t ks, int o0,
                                       int o_total, bool kmajor, int tid) {
    const bool km = walk_k(kmajor);
#pragma unroll
    for (int r = 0; r < kVecs; ++r) {
      const int og = o0 + o_of(tid, r, km);
      const int left = o_total - og;
      o_left[r] = left < 4 ? left : 4;
      // Rows past the matrix keep a valid address; they are never read.
      ptr[r] = base + int64_t(left > 0 ? og : 0) * os + int64_t(k_of(tid, r, km)) * ks;
    }
  }

  // How many of run r's elements exist in the slice whose first k leaves k_left values of k.
  __device__ __forceinline__ int count(int r, int k_left, bool km, int tid) const {
    const int kr = k_left - k_of(tid, r, km);  // k values that exist from the run's k
    const int ol = o_left[r];
    if (ol <= 0 || kr <= 0) return 0;
    return km ? (kr < 4 ? kr : 4) : ol;
  }

  // Reads the next slice into registers. step: stride between a run's elements; kadv: BK
  // times the k stride (both precomputed on the host, so they stay kernel parameters).
  __device__ __forceinline__ void load(int k_left, int64_t step, int64_t kadv, bool kmajor,
                                       bool vec, int tid) {
    const bool km = walk_k(kmajor);
#pragma unroll
    for (int r = 0; r < kVecs; ++r) {
      const int cnt = count(r, k_left, km, tid);
      if (vec && cnt == 4) {
        load4_global(ptr[r], regs[r]);
      } else {
        const T* q = ptr[r];
#pragma unroll
        for (int i = 0; i < 4; ++i, q += step) regs[r][i] = i < cnt ? __ldg(q) : T(0);
      }
      ptr[r] += kadv;
    }
  }

  // Writes the registers into `s`, rows of k with leading dimension `ld`.
  __device__ __forceinline__ void store(T* s, int ld, bool kmajor, int tid) const {
    const bool km = walk_k(kmajor);
#pragma unroll
    for (int r = 0; r < kVecs; ++r) {
      const int o = o_of(tid, r, km), k = k_of(tid, r, km);
      if (km) {
#pragma unroll
        for (int i = 0; i < 4; ++i) s[(k + i) * ld + o] = regs[r][i];
      } else {
        store4(s + k * ld + o, regs[r]);
      }
    }
  }

  // Copies the next slice into `s` (leading dimension `ld`): rows of o for a k-major walk,
  // rows of k otherwise. Missing elements are zero-filled, with the always-valid address
  // `any` as their (unread) source.
  __device__ __forceinline__ void copy_async(T* s, int ld, int k_left, int64_t step,
                                             int64_t kadv, bool kmajor, bool vec, int tid,
                                             const T* any) {
    static_assert(sizeof(T) == 4, "4-byte elements");
    const bool km = walk_k(kmajor);
#pragma unroll
    for (int r = 0; r < kVecs; ++r) {
      const int cnt = count(r, k_left, km, tid);
      const int o = o_of(tid, r, km), k = k_of(tid, r, km);
      T* const dst = km ? s + o * ld + k : s + k * ld + o;
      if (vec && cnt == 4) {
        __pipeline_memcpy_async(dst, ptr[r], 16);
      } else {
        const T* q = ptr[r];
#pragma unroll
        for (int i = 0; i < 4; ++i, q += step)
          __pipeline_memcpy_async(dst + i, i < cnt ? q : any, 4, i < cnt ? 0 : 4);
      }
      ptr[r] += kadv;
    }
  }
};

// ---- CUDA-core kernel -------------------------------------------------------------------

// BM x BN tile of c per block, BK-deep K slices, a TM x TN block per thread. The thread's
// rows are TM / 4 runs of 4 spaced BM / (TM / 4) apart (columns likewise), so each k step is
// TM / 4 + TN / 4 16-byte shared loads that a warp serves without bank conflicts (one or two
// distinct a addresses, broadcast; 8 consecutive b runs per quarter warp).
template <class T, int BM_, int BN_, int BK_, int TM_, int TN_, int kMinBlocks_>
struct SimtConfig {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int kMinBlocks = kMinBlocks_;
  static constexpr int TX = BN / TN, TY = BM / TM, kThreads = TX * TY;
  // Row padding: with LD = 4 (mod 8) the k-major loader's column stores (four k of one m per
  // thread) spread over the banks (conflict-free for BK = 8, two-way for BK = 16), and rows
  // stay 16-byte aligned for the 4-wide reads.
  static constexpr int LDA = BM + 4, LDB = BN + 4;
  static constexpr int kSmemBytes = 2 * BK * (LDA + LDB) * int(sizeof(T));
  static_assert(TM % 4 == 0 && TN % 4 == 0, "thread tiles are runs of 4");
  static_assert(kSmemBytes <= 48 * 1024, "static launch limit");
};

// Dynamic shared memory, shared by all the kernels here (one declaration, one type).
extern __shared__ __align__(128) unsigned char gemm_smem[];

template <class T, class C>
__global__ void __launch_bounds__(C::kThreads, C::kMinBlocks) gemm_simt(GemmArgs<T> p) {
  using A = AccT<T>;
  constexpr int BM = C::BM, BN = C::BN, BK = C::BK, TM = C::TM, TN = C::TN;
  constexpr int TX = C::TX, TY = C::TY, LDA = C::LDA, LDB = C::LDB;
  T* const As = reinterpret_cast<T*>(gemm_smem);  // [2][BK][LDA]: a slice, m contiguous
  T* const Bs = As + 2 * BK * LDA;                // [2][BK][LDB]: b slice, n contiguous
  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
  int tm, tn;
  tile_coords(p.tiles_m, p.tiles_n, tm, tn);
  const int m0 = tm * BM, n0 = tn * BN, bz = blockIdx.z;

  TileLoader<T, BM, BK, C::kThreads, -1> la;
  TileLoader<T, BN, BK, C::kThreads, -1> lb;
  la.init(p.a + bz * p.a_bs, p.a_rs, p.a_cs, m0, p.M, p.a_kmajor, tid);
  lb.init(p.b + bz * p.b_bs, p.b_cs, p.b_rs, n0, p.N, p.b_kmajor, tid);

  A acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = A(0);

  int k_left = p.K;
  la.load(k_left, p.a_step, p.a_kadv, p.a_kmajor, p.a_vec, tid);
  lb.load(k_left, p.b_step, p.b_kadv, p.b_kmajor, p.b_vec, tid);
  la.store(As, LDA, p.a_kmajor, tid);
  lb.store(Bs, LDB, p.b_kmajor, tid);
  __syncthreads();

  // One barrier per slice: the next slice goes into the other buffer, which every thread
  // finished reading before the previous barrier.
  const T* as = As + ty * 4;
  const T* bs = Bs + tx * 4;
  for (int cur = 0;; cur ^= 1) {
    k_left -= BK;
    const bool more = k_left > 0;
    if (more) {  // issued before the math so the global latency hides behind it
      la.load(k_left, p.a_step, p.a_kadv, p.a_kmajor, p.a_vec, tid);
      lb.load(k_left, p.b_step, p.b_kadv, p.b_kmajor, p.b_vec, tid);
    }
    const T* const a_cur = as + cur * BK * LDA;
    const T* const b_cur = bs + cur * BK * LDB;
#pragma unroll
    for (int k = 0; k < BK; ++k) {
      T af[TM], bf[TN];
#pragma unroll
      for (int g = 0; g < TM / 4; ++g) load4(a_cur + k * LDA + g * TY * 4, af + g * 4);
#pragma unroll
      for (int h = 0; h < TN / 4; ++h) load4(b_cur + k * LDB + h * TX * 4, bf + h * 4);
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = mul_add<T>(af[i], bf[j], acc[i][j]);
    }
    if (!more) break;
    la.store(As + (cur ^ 1) * BK * LDA, LDA, p.a_kmajor, tid);
    lb.store(Bs + (cur ^ 1) * BK * LDB, LDB, p.b_kmajor, tid);
    __syncthreads();
  }

  // Epilogue straight from registers: runs of 4 columns, 16-byte stores when c allows.
  T* const cb = p.c + bz * p.c_bs;
#pragma unroll
  for (int g = 0; g < TM / 4; ++g)
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int m = m0 + g * TY * 4 + ty * 4 + i;
      if (m >= p.M) continue;
      T* const crow = cb + m * p.c_rs;
#pragma unroll
      for (int h = 0; h < TN / 4; ++h) {
        const int n = n0 + h * TX * 4 + tx * 4;
        const int left = p.N - n;
        const A* v = acc[g * 4 + i] + h * 4;
        store_run<T>(crow + n * p.c_cs, p.c_cs, left < 4 ? left : 4, p, v[0], v[1], v[2], v[3]);
      }
    }
}

// ---- TF32 tensor-core kernel ------------------------------------------------------------

// BM x BN tile per block of WARPS_M x WARPS_N warps, each warp a (BM / WARPS_M) x
// (BN / WARPS_N) block of 16 x 16 accumulator fragments. K slices of depth BK stream through
// kStages shared-memory buffers with cp.async, kStages - 1 slices ahead of the math, so no
// registers stage them. Operands are kept so that fragment loads read them in their natural
// order: an operand walked along k as rows of k-contiguous elements (LD = BK + 4), one walked
// along m / n as rows of k (LD = O + 8). Both paddings spread a fragment load's 32 lanes over
// distinct banks and keep every fragment pointer 32-byte aligned, as load_matrix_sync needs.
template <int BM_, int BN_, int BK_, int WARPS_M_, int WARPS_N_, int kStages_, bool A_KM_,
          bool B_KM_>
struct Tf32Config {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, kStages = kStages_;
  static constexpr int WARPS_M = WARPS_M_, WARPS_N = WARPS_N_;
  static constexpr int kThreads = 32 * WARPS_M * WARPS_N, kMinBlocks = 1;
  static constexpr bool A_KM = A_KM_, B_KM = B_KM_;
  static constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N, FM = WM / 16, FN = WN / 16;
  static constexpr int LDA = A_KM ? BK + 4 : BM + 8;
  static constexpr int LDB = B_KM ? BK + 4 : BN + 8;
  static constexpr int SA = A_KM ? BM * LDA : BK * LDA;  // floats per stage
  static constexpr int SB = B_KM ? BN * LDB : BK * LDB;
  static constexpr int kScratch = WARPS_M * WARPS_N * 256;  // a 16 x 16 tile per warp
  static constexpr int kSmemBytes = int(sizeof(float)) *
      (kStages * (SA + SB) > kScratch ? kStages * (SA + SB) : kScratch);
  static_assert(WM % 16 == 0 && WN % 16 == 0 && BK % 8 == 0, "whole fragments");
  static_assert((SA * 4) % 32 == 0 && (SB * 4) % 32 == 0, "stages keep fragment alignment");
  static_assert(kStages >= 2, "at least double buffering");
};

template <class C>
__global__ void __launch_bounds__(C::kThreads, C::kMinBlocks) gemm_tf32(GemmArgs<float> p) {
  namespace wmma = nvcuda::wmma;
  constexpr int BM = C::BM, BN = C::BN, BK = C::BK, FM = C::FM, FN = C::FN, S = C::kStages;
  constexpr int LDA = C::LDA, LDB = C::LDB, SA = C::SA, SB = C::SB;
  using LayoutA = std::conditional_t<C::A_KM, wmma::row_major, wmma::col_major>;
  using LayoutB = std::conditional_t<C::B_KM, wmma::col_major, wmma::row_major>;
  using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, LayoutA>;
  using FragB = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, LayoutB>;
  using FragC = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

  float* const As = reinterpret_cast<float*>(gemm_smem);  // [S][SA]
  float* const Bs = As + S * SA;                          // [S][SB]
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
  const int wm = warp / C::WARPS_N, wn = warp % C::WARPS_N;
  int tm, tn;
  tile_coords(p.tiles_m, p.tiles_n, tm, tn);
  const int m0 = tm * BM, n0 = tn * BN, bz = blockIdx.z;

  TileLoader<float, BM, BK, C::kThreads, C::A_KM ? 1 : 0> la;
  TileLoader<float, BN, BK, C::kThreads, C::B_KM ? 1 : 0> lb;
  la.init(p.a + bz * p.a_bs, p.a_rs, p.a_cs, m0, p.M, C::A_KM, tid);
  lb.init(p.b + bz * p.b_bs, p.b_cs, p.b_rs, n0, p.N, C::B_KM, tid);

  // Queues the copies of the slice whose first k leaves k_left values into stage `st`, and
  // closes a cp.async group, empty past the last slice, so that group g is always slice g.
  const auto issue = [&](int st, int k_left) {
    if (k_left > 0) {
      la.copy_async(As + st * SA, LDA, k_left, p.a_step, p.a_kadv, C::A_KM, p.a_vec, tid, p.a);
      lb.copy_async(Bs + st * SB, LDB, k_left, p.b_step, p.b_kadv, C::B_KM, p.b_vec, tid, p.b);
    }
    __pipeline_commit();
  };
#pragma unroll
  for (int st = 0; st < S - 1; ++st) issue(st, p.K - st * BK);

  FragC acc[FM][FN];
#pragma unroll
  for (int i = 0; i < FM; ++i)
#pragma unroll
    for (int j = 0; j < FN; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

  // Fragment origins of this warp in a stage, and the steps to the next fragment along m / n
  // (i, j) and along k.
  const float* const a_warp = As + (C::A_KM ? wm * C::WM * LDA : wm * C::WM);
  const float* const b_warp = Bs + (C::B_KM ? wn * C::WN * LDB : wn * C::WN);
  constexpr int kStepA = C::A_KM ? 16 * LDA : 16, kStepB = C::B_KM ? 16 * LDB : 16;
  constexpr int kKA = C::A_KM ? 1 : LDA, kKB = C::B_KM ? 1 : LDB;
  // Slice s sits in stage s % S. One barrier per slice: once it is passed, slice s (each
  // thread waited for its own copies) is visible to all, and every warp is done with slice
  // s - 1, whose stage then receives slice s + S - 1 while slice s is multiplied.
  int st = 0;  // stage of slice s
  for (int k_left = p.K;; k_left -= BK) {
    __pipeline_wait_prior(S - 2);
    __syncthreads();
    issue(st == 0 ? S - 1 : st - 1, k_left - (S - 1) * BK);
    const float* const a_st = a_warp + st * SA;
    const float* const b_st = b_warp + st * SB;
#pragma unroll
    for (int kk = 0; kk < BK; kk += 8) {
      FragA af[FM];
      FragB bf[FN];
#pragma unroll
      for (int i = 0; i < FM; ++i) {
        wmma::load_matrix_sync(af[i], a_st + i * kStepA + kk * kKA, LDA);
#pragma unroll
        for (int t = 0; t < af[i].num_elements; ++t) af[i].x[t] = wmma::__float_to_tf32(af[i].x[t]);
      }
#pragma unroll
      for (int j = 0; j < FN; ++j) {
        wmma::load_matrix_sync(bf[j], b_st + j * kStepB + kk * kKB, LDB);
#pragma unroll
        for (int t = 0; t < bf[j].num_elements; ++t) bf[j].x[t] = wmma::__float_to_tf32(bf[j].x[t]);
      }
#pragma unroll
      for (int i = 0; i < FM; ++i)
#pragma unroll
        for (int j = 0; j < FN; ++j) wmma::mma_sync(acc[i][j], af[i], bf[j], acc[i][j]);
    }
    if (k_left <= BK) break;
    st = st == S - 1 ? 0 : st + 1;
  }
  __syncthreads();  // every warp is done with the stages, which become scratch

  // Epilogue: each warp passes its fragments one at a time through its own 16 x 16 scratch
  // tile, since a fragment's element positions are opaque and alpha / beta / bounds need
  // them. Lane l handles column l % 16 of rows l / 16 + 2e.
  float* const scratch = As + warp * 256;
  const int col = lane % 16, row = lane / 16;
#pragma unroll
  for (int i = 0; i < FM; ++i)
#pragma unroll
    for (int j = 0; j < FN; ++j) {
      wmma::store_matrix_sync(scratch, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
      const int m = m0 + wm * C::WM + i * 16 + row, n = n0 + wn * C::WN + j * 16 + col;
      if (n < p.N) {
        float* o = p.c + bz * p.c_bs + m * p.c_rs + n * p.c_cs;
#pragma unroll
        for (int e = 0; e < 8; ++e, o += 2 * p.c_rs)
          if (m + 2 * e < p.M)
            *o = combine<float>(scratch[(row + 2 * e) * 16 + col], p, p.has_beta ? *o : 0.0f);
      }
      __syncwarp();
    }
}

// ---- host-side plan ---------------------------------------------------------------------

// The whole problem as the caller gives it (64-bit dims), before it is cut into launches.
template <class T>
struct GemmProblem {
  const T* a;
  const T* b;
  T* c;
  int64_t M, N, K, batch;
  int64_t a_bs, a_rs, a_cs;
  int64_t b_bs, b_rs, b_cs;
  int64_t c_bs, c_rs, c_cs;
  AccT<T> alpha, beta;
  bool has_beta;
};

// Normalizes a problem the way the CPU driver does, so both see the same layouts:
//  - one b shared by the whole batch, with a's and c's matrices evenly spaced rows: the batch
//    is one GEMM with batch * M rows (a linear layer on [batch, rows, features]);
//  - strides of size-1 dims are never stepped along: they become 0;
//  - a column-major c (unit row stride) is computed as c^T = b^T @ a^T, so stores run along
//    c's contiguous dim.
template <class T>
inline void normalize(GemmProblem<T>& p) {
  if (p.batch > 1 && p.b_bs == 0) {
    const int64_t a_rs = p.M == 1 ? p.a_bs : p.a_rs, c_rs = p.M == 1 ? p.c_bs : p.c_rs;
    if ((p.M == 1 || (p.a_bs == p.M * p.a_rs && p.c_bs == p.M * p.c_rs)) && c_rs != 0) {
      p.M *= p.batch;
      p.batch = 1;
      p.a_rs = a_rs;
      p.c_rs = c_rs;
    }
  }
  if (p.batch == 1) p.a_bs = p.b_bs = p.c_bs = 0;
  if (p.M == 1) p.a_rs = p.c_rs = 0;
  if (p.N == 1) p.b_cs = p.c_cs = 0;
  if (p.K == 1) p.a_cs = p.b_rs = 0;
  if (p.c_cs != 1 && p.c_rs == 1) {
    // New a = b^T: rows along old n, columns along k; new b = a^T: rows along k, columns
    // along old m.
    const GemmProblem<T> q = p;
    p.M = q.N, p.N = q.M;
    p.a = q.b, p.a_bs = q.b_bs, p.a_rs = q.b_cs, p.a_cs = q.b_rs;
    p.b = q.a, p.b_bs = q.a_bs, p.b_rs = q.a_cs, p.b_cs = q.a_rs;
    p.c_rs = q.c_cs, p.c_cs = q.c_rs;
  }
}

// Fills the walk and vector flags of `args` from the strides of `p`. An operand is walked along
// its unit-stride dim; with neither unit (or both), along the smaller stride. 16-byte accesses
// need that walk's stride to be 1, every other stride a multiple of 4 elements and the base
// 16-byte aligned, so every run of 4 the kernels touch is aligned (a size-1 dim's stride is
// 0 by now and never blocks them). Launches cut from `p` keep these properties: they start at
// multiples of 4 along each dim.
template <class T>
inline void plan_layout(const GemmProblem<T>& p, GemmArgs<T>& args) {
  const auto aligned = [](const void* ptr) { return reinterpret_cast<uintptr_t>(ptr) % 16 == 0; };
  const auto walk = [&](const T* base, int64_t bs, int64_t os, int64_t ks, bool& kmajor,
                        bool& vec) {
    kmajor = ks == 1 ? true : os == 1 ? false : ks <= os;
    const int64_t unit = kmajor ? ks : os, other = kmajor ? os : ks;
    vec = unit == 1 && other % 4 == 0 && bs % 4 == 0 && aligned(base);
  };
  walk(p.a, p.a_bs, p.a_rs, p.a_cs, args.a_kmajor, args.a_vec);
  walk(p.b, p.b_bs, p.b_cs, p.b_rs, args.b_kmajor, args.b_vec);
  args.c_vec = p.c_cs == 1 && p.c_rs % 4 == 0 && p.c_bs % 4 == 0 && aligned(p.c);
}

inline int64_t ceil_div(int64_t x, int64_t y) { return (x + y - 1) / y; }

// Kernel configurations. float32 gets a 128 x 128 tile with 8 x 8 per thread for large
// problems; the 64 x 64 and 32 x 32 tiles give smaller problems enough blocks to spread over
// the GPU. float64 and the integers use only the smaller two (their 8-byte accumulators would
// spill at 8 x 8).
template <class T> using SimtLarge = SimtConfig<T, 128, 128, 8, 8, 8, 2>;
template <class T> using SimtMedium = SimtConfig<T, 64, 64, 16, 4, 4, 1>;
template <class T> using SimtSmall = SimtConfig<T, 32, 32, 16, 4, 4, 1>;
template <bool AK, bool BK> using Tf32Large = Tf32Config<128, 128, 32, 2, 4, 3, AK, BK>;
template <bool AK, bool BK> using Tf32Medium = Tf32Config<64, 64, 16, 2, 2, 2, AK, BK>;

// Largest dims (M, N, K) of one launch, and largest batch (the grid's z limit).
constexpr int64_t kMaxLaunchDim = int64_t(1) << 30;
constexpr int64_t kMaxLaunchBatch = 65535;

// What launch_gemm needs to know of the device.
struct DeviceLimits {
  int sms;        // multiprocessors
  int max_smem;   // dynamic shared memory a block may opt in to, in bytes
};

// Calls launch(kernel, grid, block, smem_bytes, args) for each launch of the kernel that suits
// the problem (normalized, with K > 0 and alpha != 0): one, unless a dim exceeds
// kMaxLaunchDim or the batch kMaxLaunchBatch. The tile is the largest that still gives about
// one block per multiprocessor. A kernel may need more than 48 KB of shared memory (never more
// than dev.max_smem); the launcher opts in for it.
template <class T, class Launch>
void launch_gemm(const GemmProblem<T>& p, const DeviceLimits& dev, bool allow_tf32,
                 Launch&& launch) {
  GemmArgs<T> args{};
  plan_layout(p, args);
  args.alpha = p.alpha;
  args.beta = p.beta;
  args.c_bs = p.c_bs, args.c_rs = p.c_rs, args.c_cs = p.c_cs;
  args.a_bs = p.a_bs, args.a_rs = p.a_rs, args.a_cs = p.a_cs;
  args.b_bs = p.b_bs, args.b_rs = p.b_rs, args.b_cs = p.b_cs;

  // Runs `kernel` (a bm x bn tile per block) over the problem, in pieces of at most
  // kMaxLaunchDim along m, n and k and kMaxLaunchBatch matrices. Pieces after the first
  // along k add onto what the earlier ones stored.
  const auto run = [&](auto kernel, int bm, int bn, int bk, int threads, int smem) {
    args.a_step = args.a_kmajor ? p.a_cs : p.a_rs;
    args.b_step = args.b_kmajor ? p.b_rs : p.b_cs;
    args.a_kadv = bk * p.a_cs;
    args.b_kadv = bk * p.b_rs;
    for (int64_t b0 = 0; b0 < p.batch; b0 += kMaxLaunchBatch)
      for (int64_t m0 = 0; m0 < p.M; m0 += kMaxLaunchDim)
        for (int64_t n0 = 0; n0 < p.N; n0 += kMaxLaunchDim)
          for (int64_t k0 = 0; k0 < p.K; k0 += kMaxLaunchDim) {
            GemmArgs<T> q = args;
            q.a = p.a + b0 * p.a_bs + m0 * p.a_rs + k0 * p.a_cs;
            q.b = p.b + b0 * p.b_bs + k0 * p.b_rs + n0 * p.b_cs;
            q.c = p.c + b0 * p.c_bs + m0 * p.c_rs + n0 * p.c_cs;
            q.batch = int(std::min(p.batch - b0, kMaxLaunchBatch));
            q.M = int(std::min(p.M - m0, kMaxLaunchDim));
            q.N = int(std::min(p.N - n0, kMaxLaunchDim));
            q.K = int(std::min(p.K - k0, kMaxLaunchDim));
            q.has_beta = k0 > 0 || p.has_beta;
            if (k0 > 0) q.beta = AccT<T>(1);
            q.tiles_m = int(ceil_div(q.M, bm));
            q.tiles_n = int(ceil_div(q.N, bn));
            launch(kernel, dim3(unsigned(q.tiles_m) * unsigned(q.tiles_n), 1, unsigned(q.batch)),
                   dim3(unsigned(threads), 1, 1), smem, q);
          }
  };
  const auto simt = [&](auto cfg) {
    using C = decltype(cfg);
    run(gemm_simt<T, C>, C::BM, C::BN, C::BK, C::kThreads, C::kSmemBytes);
  };
  // An operand walked along k is staged k-contiguous; the staging is part of the kernel.
  const auto tf32 = [&](auto tt, auto tf, auto ft, auto ff) {
    const auto one = [&](auto cfg) {
      using C = decltype(cfg);
      run(gemm_tf32<C>, C::BM, C::BN, C::BK, C::kThreads, C::kSmemBytes);
    };
    if (args.a_kmajor && args.b_kmajor) one(tt);
    else if (args.a_kmajor) one(tf);
    else if (args.b_kmajor) one(ft);
    else one(ff);
  };
  const auto tiles = [&](int bm, int bn) {
    return p.batch * ceil_div(p.M, bm) * ceil_div(p.N, bn);
  };
  const int64_t sms = dev.sms;
  if constexpr (std::is_same_v<T, float>) {
    // (Both operands walked along k is the Tf32Large staging with the most shared memory.)
    if (allow_tf32 && tiles(128, 128) >= sms && Tf32Large<true, true>::kSmemBytes <= dev.max_smem)
      return tf32(Tf32Large<true, true>{}, Tf32Large<true, false>{}, Tf32Large<false, true>{},
                  Tf32Large<false, false>{});
    if (allow_tf32 && tiles(64, 64) >= sms)
      return tf32(Tf32Medium<true, true>{}, Tf32Medium<true, false>{},
                  Tf32Medium<false, true>{}, Tf32Medium<false, false>{});
    if (tiles(128, 128) >= sms) return simt(SimtLarge<T>{});
  }
  if (tiles(64, 64) >= sms) return simt(SimtMedium<T>{});
  simt(SimtSmall<T>{});
}

}  // namespace kiln::cuda::gemm
