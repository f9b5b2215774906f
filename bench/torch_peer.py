# SPDX-License-Identifier: MIT
"""The same workloads as kiln's CPU suite (bench/suite.ts), in PyTorch.

`npm run bench -- --compare torch` starts `torch_peer.py --serve THREADS` once, when a Python
with torch is installed. It then asks for one workload at a time, by the key kiln's suite uses
for it, alternating with kiln's own run of that workload, and reads one JSON line back per
request (result name -> value; {} for a workload PyTorch has no peer for). Keys come one per
line on stdin; an empty line or end of input ends the process.

`torch_peer.py --matmul N` prints only the 1-thread matmul of size N; the served process asks
a child process for it (see blas_env).
"""
import json
import os
import subprocess
import sys
import time

import torch

N24 = 2 ** 24


# Debian's torch 1.13 runs matmul in OpenBLAS, whose thread pool torch.set_num_threads does not
# reach: on a 2-core machine its "1 thread" matmul ran at 183 GFLOP/s, as fast as on 2 threads,
# and at 96 with OPENBLAS_NUM_THREADS=1. BLAS libraries size their pools from the environment
# once, when they load, so a thread count needs a process started with it: the served process
# re-executes itself with the environment of its thread count, and takes the 1-thread matmul
# from a child process started with one thread.
def blas_env(threads):
    return {name: str(threads) for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def has_blas_env(threads):
    return all(os.environ.get(name) == value for name, value in blas_env(threads).items())


WARMUP_SECONDS = 0.1  # as bench/timing.ts


def time_it(fn, warmup=2, samples=7, inner=1):
    """Median seconds per call of fn, each sample timing `inner` calls (as bench/timing.ts)."""
    warm_start = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - warm_start < WARMUP_SECONDS:
        fn()
        done += 1
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    return times[len(times) // 2]


def matmul(n, threads):
    """{name: GFLOP/s} of an n x n matmul on `threads` threads (the process's BLAS must match)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    s = time_it(lambda: torch.mm(a, b), warmup=200 if n <= 128 else 1, samples=3 if n >= 2048 else 7, inner=50 if n <= 128 else 1)
    return {f"matmul float32 N={n}, {threads} thread(s)": 2 * n ** 3 / s / 1e9}


def single_thread_matmul(n):
    """The 1-thread matmul of size n, measured by a child process whose BLAS has one thread."""
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--matmul", str(n)],
                           env={**os.environ, **blas_env(1)}, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(child.stdout)


def gbs(nbytes, fn, **kw):
    return nbytes / time_it(fn, **kw) / 1e9


def copy():
    src, dst = torch.rand(N24), torch.empty(N24)
    return {"copy 2^24 float32 (plain copy, read+write)": gbs(2 * 4 * N24, lambda: dst.copy_(src), samples=15)}


def add_in_place():
    a, b = torch.rand(N24), torch.rand(N24)
    return {"add 2^24 float32 into existing output (a.add_(b))": gbs(3 * 4 * N24, lambda: a.add_(b), samples=15)}


def add_fresh():
    a, b = torch.rand(N24), torch.rand(N24)
    return {"add 2^24 float32, fresh output (a.add(b))": gbs(3 * 4 * N24, lambda: a.add(b), samples=15)}


def other_fresh():
    x, y = torch.randn(N24), torch.randn(N24)
    return {
        "mul 2^24 float32, fresh output (a.mul(b))": gbs(3 * 4 * N24, lambda: x.mul(y), samples=15),
        "exp 2^24 float32, fresh output (a.exp())": gbs(2 * 4 * N24, lambda: x.exp(), samples=15),
        "relu 2^24 float32, fresh output (a.relu())": gbs(2 * 4 * N24, lambda: x.relu(), samples=15),
    }


def total():
    a = torch.rand(N24)
    return {"sum 2^24 float32": gbs(4 * N24, lambda: a.sum(), samples=15)}


def softmax():
    x = torch.randn(4096, 1024)
    return {"softmax [4096, 1024] float32, dim 1": time_it(lambda: torch.softmax(x, 1), samples=15) * 1e3}


def log_softmax():
    x = torch.randn(4096, 1024)
    return {"logSoftmax [4096, 1024] float32, dim 1": time_it(lambda: torch.log_softmax(x, 1), samples=15) * 1e3}


def reductions():
    v, m = torch.rand(N24), torch.rand(4096, 4096)
    return {
        "mean 2^24 float32": gbs(4 * N24, lambda: v.mean(), samples=15),
        "amax 2^24 float32": gbs(4 * N24, lambda: v.amax(), samples=15),
        "sum dim 0 of [4096, 4096]": gbs(4 * N24, lambda: m.sum(0), samples=15),
        "sum dim 1 of [4096, 4096]": gbs(4 * N24, lambda: m.sum(1), samples=15),
    }


def batched_matmul():
    a, b = torch.randn(64, 128, 128), torch.randn(64, 128, 128)
    return {"bmm [64,128,128] x [64,128,128]": 2 * 64 * 128 ** 3 / time_it(lambda: torch.bmm(a, b), samples=15) / 1e9}


def transposed_matmul():
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    return {"matmul a.T @ b.T N=1024": 2 * 1024 ** 3 / time_it(lambda: a.t() @ b.t()) / 1e9}


def per_op_overhead():
    s4, t4 = torch.rand(4), torch.rand(4)
    return {"per-op overhead: a.add(b) on shape [4]": time_it(lambda: s4.add(t4), warmup=3, samples=9, inner=20000) * 1e6}


def per_op_overhead_with_grad():
    g, h = torch.rand(4, requires_grad=True), torch.rand(4)
    return {"per-op overhead with grad: a.add(b), a requires grad":
            time_it(lambda: g.add(h), warmup=3, samples=9, inner=20000) * 1e6}


def mlp_train_step():
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xb, yb = torch.randn(128, 784), torch.randint(0, 10, (128,))

    def train_step():
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()

    return {"MLP 784-512-256-10 train step, Adam, batch 128": 1 / time_it(train_step, warmup=3, samples=15)}


def optimizer_step():
    layers = [torch.nn.Linear(64, 64) for _ in range(50)]
    params = [p for layer in layers for p in layer.parameters()]
    for p in params:
        p.grad = torch.randn_like(p)
    adam = torch.optim.Adam(params, lr=1e-3)
    return {"Adam step over 100 params (50-layer MLP, width 64)": time_it(adam.step, warmup=3, samples=15, inner=10) * 1e6}


def data_loader_epoch():
    from torch.utils.data import DataLoader, TensorDataset
    x, y = torch.randn(60000, 784), torch.randint(0, 10, (60000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))

    def epoch():
        for _ in loader:
            pass

    return {"DataLoader epoch: 60000x784 float32, batch 64, shuffled": time_it(epoch, warmup=1, samples=5) * 1e3}


def safetensors_round_trip():
    """The save + load round trip, where the safetensors package imports ({} otherwise)."""
    try:
        import tempfile
        from safetensors.torch import load_file, save_file
    except ImportError:
        return {}
    tensors = {f"layer{i}.weight": torch.randn(1024, 1024) for i in range(16)}
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "model.safetensors")

        def round_trip():
            save_file(tensors, f)
            load_file(f)

        return {"safetensors save + load, 64 MiB float32": 2 * 64 * 2 ** 20 / time_it(round_trip, warmup=1, samples=5) / 1e9}


def workloads(threads):
    """Each workload by the key bench/suite.ts gives it."""
    table = {f"matmul {n}": (lambda n=n: matmul(n, threads)) for n in (128, 512, 1024, 2048)}
    table["matmul 2048, 1 thread"] = lambda: single_thread_matmul(2048) if threads != 1 else matmul(2048, 1)
    table.update({
        "copy": copy, "add in place": add_in_place, "add fresh": add_fresh, "other fresh": other_fresh,
        "sum": total, "softmax": softmax, "logSoftmax": log_softmax, "reductions": reductions,
        "bmm": batched_matmul, "transposed matmul": transposed_matmul, "per-op overhead": per_op_overhead,
        "per-op overhead with grad": per_op_overhead_with_grad, "MLP train step": mlp_train_step,
        "optimizer step": optimizer_step, "DataLoader epoch": data_loader_epoch,
        "safetensors round trip": safetensors_round_trip,
    })
    return table


def serve(threads):
    table = workloads(threads)
    for line in sys.stdin:
        key = line.strip()
        if not key:
            break
        torch.manual_seed(0)
        torch.set_num_threads(threads)
        run = table.get(key)
        print(json.dumps(run() if run else {}), flush=True)


def main():
    if sys.argv[1:2] == ["--matmul"]:
        print(json.dumps(matmul(int(sys.argv[2]), 1)))
        return
    if sys.argv[1:2] != ["--serve"] or len(sys.argv) != 3:
        sys.exit("usage: torch_peer.py --serve THREADS | --matmul N")
    threads = int(sys.argv[2])
    if not has_blas_env(threads):
        os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), "--serve", str(threads)],
                  {**os.environ, **blas_env(threads)})
    serve(threads)


if __name__ == "__main__":
    main()
