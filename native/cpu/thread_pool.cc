// SPDX-License-Identifier: MIT
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::cpu {
namespace {

thread_local bool t_inside_pool = false;

using TaskFn = FunctionRef<void(int)>;

// How long an idle thread polls before it sleeps. Waking a sleeping thread takes from a few
// microseconds to a scheduler tick, which is more than many parallel regions last; kernels
// called back to back find the workers still polling.
constexpr auto kSpinTime = std::chrono::microseconds(100);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Polls `ready` for up to kSpinTime; returns whether it became true.
template <class Ready>
bool spin_until(Ready ready) {
  const auto until = std::chrono::steady_clock::now() + kSpinTime;
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    cpu_relax();
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) return false;
  }
}

int default_threads() {
  if (const char* env = std::getenv("KILN_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

class Pool {
 public:
  static Pool& get() {
    // Leaked on purpose: joining threads during static destruction at process exit can
    // deadlock when the addon is unloaded from a worker thread.
    static Pool* pool = new Pool(default_threads());
    return *pool;
  }

  int size() const { return size_; }

  void resize(int n) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop_workers();
    size_ = std::max(1, n);
    start_workers();
  }

  // Runs task(i) for i in [0, ntasks), ntasks <= size(), across the pool. The caller starts
  // with task 0 and worker w (numbered from 1) with task w: a kernel called again on the same
  // data gives each thread the part it had before, still in that core's caches. A thread
  // that finds its own task taken, or has finished it, takes any task not started yet.
  void run(int ntasks, TaskFn task) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    if (ntasks > size_) return run_here(ntasks, task);
    // Workers still leaving the previous region may claim the new tasks as soon as the flags
    // are cleared, so the task, count and error slot are in place before.
    task_.store(&task);
    ntasks_.store(ntasks);
    pending_.store(ntasks);
    error_ = nullptr;
    for (int i = 0; i < ntasks; ++i) claimed_[size_t(i)].flag.store(false);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      generation_.fetch_add(1);
      if (sleepers_ > 0) cv_.notify_all();
    }
    work(0);
    if (!spin_until([&] { return pending_.load() == 0; })) {
      std::unique_lock<std::mutex> lk(mutex_);
      done_cv_.wait(lk, [&] { return pending_.load() == 0; });
    }
    task_.store(nullptr);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // One cache line per flag, so that claiming one task does not evict the others' lines.
  struct alignas(64) Claim {
    std::atomic<bool> flag{true};
  };

  explicit Pool(int n) : size_(std::max(1, n)) { start_workers(); }

  // The claim flags are sized for this many threads: new workers wait for the next region
  // rather than look at the last one, which may have had more tasks.
  void start_workers() {
    stopping_ = false;
    claimed_ = std::make_unique<Claim[]>(size_t(size_));
    const uint64_t now = generation_.load();
    for (int i = 1; i < size_; ++i) workers_.emplace_back([this, i, now] { worker_loop(i, now); });
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      stopping_ = true;
      cv_.notify_all();
    }
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  bool woken(uint64_t seen) const { return stopping_.load() || generation_.load() != seen; }

  // Polls for the next region, then sleeps until one starts (or the pool stops).
  void wait_for_region(uint64_t seen) {
    if (spin_until([&] { return woken(seen); })) return;
    std::unique_lock<std::mutex> lk(mutex_);
    ++sleepers_;
    cv_.wait(lk, [&] { return woken(seen); });
    --sleepers_;
  }

  void worker_loop(int self, uint64_t seen) {
    t_inside_pool = true;
    for (;;) {
      wait_for_region(seen);
      if (stopping_.load()) return;
      seen = generation_.load();
      work(self);
    }
  }

  // A region sized for more threads than the pool has now (it shrank in between): the
  // caller runs every task, as a thread of the pool.
  void run_here(int ntasks, TaskFn task) {
    const bool was_inside = t_inside_pool;
    t_inside_pool = true;
    try {
      for (int i = 0; i < ntasks; ++i) task(i);
    } catch (...) {
      t_inside_pool = was_inside;
      throw;
    }
    t_inside_pool = was_inside;
  }

  // Runs this thread's own task, then any other not yet claimed.
  void work(int self) {
    bool was_inside = t_inside_pool;
    t_inside_pool = true;
    const int n = ntasks_.load();
    for (int k = 0; k < n; ++k) {
      const int i = (self + k) % n;
      if (claimed_[size_t(i)].flag.exchange(true)) continue;
      try {
        (*task_.load())(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lk(mutex_);  // orders the wake-up after the caller's check
        done_cv_.notify_all();
      }
    }
    t_inside_pool = was_inside;
  }

  int size_;
  std::vector<std::thread> workers_;
  std::unique_ptr<Claim[]> claimed_;
  std::mutex run_mutex_;  // one parallel region at a time (kernels are called from JS threads)
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  int sleepers_ = 0;  // workers waiting on cv_, under mutex_
  std::exception_ptr error_;
  // Polled by idle workers: written once per region.
  alignas(64) std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<const TaskFn*> task_{nullptr};
  std::atomic<int> ntasks_{0};
  // Written by every thread that finishes a task: a line of its own.
  alignas(64) std::atomic<int> pending_{0};
};

// A thread's share of the blocks of parallel_for_balanced: a range of block numbers that its
// owner takes from the front and other threads, once done with their own, from the back.
class alignas(64) Share {
 public:
  void init(uint32_t begin, uint32_t end) { range_.store(pack(begin, end)); }
  bool take_front(uint32_t& block) { return take(block, true); }
  bool take_back(uint32_t& block) { return take(block, false); }

 private:
  static uint64_t pack(uint32_t b, uint32_t e) { return uint64_t(b) << 32 | e; }
  static uint32_t front(uint64_t r) { return uint32_t(r >> 32); }
  static uint32_t back(uint64_t r) { return uint32_t(r); }

  bool take(uint32_t& block, bool from_front) {
    uint64_t r = range_.load();
    while (front(r) < back(r)) {
      const uint64_t rest = from_front ? pack(front(r) + 1, back(r)) : pack(front(r), back(r) - 1);
      if (range_.compare_exchange_weak(r, rest)) {
        block = from_front ? front(r) : back(r) - 1;
        return true;
      }
    }
    return false;
  }

  std::atomic<uint64_t> range_{0};
};

int threads_here() { return t_inside_pool ? 1 : Pool::get().size(); }

}  // namespace

int num_threads() { return Pool::get().size(); }
void set_num_threads(int n) { Pool::get().resize(n); }

namespace detail {

void parallel_for(int64_t n, int64_t grain, RangeFn fn) {
  if (n <= 0) return;
  int threads = threads_here();
  int64_t max_chunks = grain > 0 ? std::max<int64_t>(1, n / grain) : n;
  int chunks = static_cast<int>(std::min<int64_t>(threads, max_chunks));
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  int64_t per = (n + chunks - 1) / chunks;
  Pool::get().run(chunks, [&](int i) {
    int64_t b = i * per, e = std::min(n, b + per);
    if (b < e) fn(b, e);
  });
}

void parallel_for_balanced(int64_t n, int64_t grain, RangeFn fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  const int shares = static_cast<int>(std::min<int64_t>(threads_here(), n / grain));
  if (shares <= 1) {
    fn(0, n);
    return;
  }
  // Block numbers must fit the 32-bit halves of a Share.
  const int64_t block = std::max<int64_t>(grain, n / 0x7FFFFFFF + 1);
  const int64_t nblocks = (n + block - 1) / block;
  std::vector<Share> share(static_cast<size_t>(shares));
  for (int s = 0; s < shares; ++s)
    share[size_t(s)].init(uint32_t(nblocks * s / shares), uint32_t(nblocks * (s + 1) / shares));
  auto run_block = [&](uint32_t b) {
    fn(int64_t(b) * block, std::min<int64_t>(n, (int64_t(b) + 1) * block));
  };
  Pool::get().run(shares, [&](int i) {
    uint32_t b;
    while (share[size_t(i)].take_front(b)) run_block(b);
    for (int k = 1; k < shares; ++k)
      while (share[size_t((i + k) % shares)].take_back(b)) run_block(b);
  });
}

}  // namespace detail
}  // namespace kiln::cpu
