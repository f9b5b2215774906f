// SPDX-License-Identifier: MIT
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::cpu {
namespace {

thread_local bool t_inside_pool = false;

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

  // Runs task(i) for i in [0, ntasks) across the pool; the caller takes part.
  void run(int ntasks, const std::function<void(int)>& task) {
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    {
      std::lock_guard<std::mutex> lk(mutex_);
      // Order matters for workers still leaving the previous region: they may only see the
      // new counter after the new task and bound are in place.
      task_ = &task;
      ntasks_ = ntasks;
      next_.store(0);
      pending_ = ntasks;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    work();
    std::unique_lock<std::mutex> lk(mutex_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  explicit Pool(int n) : size_(std::max(1, n)) { start_workers(); }

  void start_workers() {
    stopping_ = false;
    for (int i = 0; i < size_ - 1; ++i) workers_.emplace_back([this] { worker_loop(); });
  }
  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  void worker_loop() {
    t_inside_pool = true;
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mutex_);
        cv_.wait(lk, [&] { return stopping_ || (generation_ != seen && task_ != nullptr); });
        if (stopping_) return;
        seen = generation_;
      }
      work();
    }
  }

  void work() {
    bool was_inside = t_inside_pool;
    t_inside_pool = true;
    for (;;) {
      int i = next_.fetch_add(1);
      if (i >= ntasks_) break;
      try {
        (*task_.load())(i);
      } catch (...) {
        std::lock_guard<std::mutex> lk(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      std::lock_guard<std::mutex> lk(mutex_);
      if (--pending_ == 0) done_cv_.notify_all();
    }
    t_inside_pool = was_inside;
  }

  int size_;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one parallel region at a time (kernels are called from JS threads)
  std::mutex mutex_;
  std::condition_variable cv_, done_cv_;
  std::atomic<const std::function<void(int)>*> task_{nullptr};
  std::atomic<int> ntasks_{0};
  std::atomic<int> next_{0};
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace

int num_threads() { return Pool::get().size(); }
void set_num_threads(int n) { Pool::get().resize(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  int threads = t_inside_pool ? 1 : Pool::get().size();
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

}  // namespace kiln::cpu
