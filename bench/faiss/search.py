#!/usr/bin/env python3
"""Peer benchmark for `simforge bench search`: exact top-k with faiss on random unit vectors, measured the same way.

Runs with the peers' virtual environment (bench/setup.sh: faiss-cpu 1.15.1) or with Debian's python3-faiss:
  /work/venv/bin/python bench/faiss/search.py --gallery 100000,1000000 --queries 1000 --dim 512 -k 10 --threads 2
For each gallery size it prints the build time (`add`), every timed batch run (queries/s, GFLOP/s and, with
--peak-gflops from `simforge bench search`, the share of the FMA peak), batches of 1 and 10 queries (p50/p99 per
call), the peak RSS and which BLAS library ran. --sq8 also times IndexScalarQuantizer (QT_8bit): its codes' size,
batch runs, recall@k against the exact lists and batches of 1 and 10. With --check DIR (written by `simforge bench search --save DIR`), it searches the same
gallery and queries and reports how many top-k lists agree with simforge's.
"""
import argparse
import resource
import time

import faiss
import numpy as np

try:
    from threadpoolctl import threadpool_info
except ImportError:  # Debian's python3 may lack it; numpy's config names the BLAS then
    threadpool_info = None


def unit_rows(n, dim, rng):
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def blas():
    if threadpool_info is None:
        return "threadpoolctl missing"
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '')} "
                     f"({i.get('filepath', '').rsplit('/', 1)[-1]}, {i.get('num_threads')} threads)"
                     for i in threadpool_info())


def timed_runs(name, index, q, k, runs, flop, peak):
    ids = None
    for r in range(runs):
        t = time.perf_counter()
        _, ids = index.search(q, k)
        s = time.perf_counter() - t
        share = f" ({100 * flop / s / 1e9 / peak:.0f}% of peak)" if peak else ""
        print(f"{name}: run {r + 1}: {s:.3f} s = {len(q) / s:.0f} queries/s, {flop / s / 1e9:.1f} GFLOP/s{share}")
    return ids


def small_batches(name, index, q, k, n):
    for batch in (1, 10):
        m = min(n, len(q)) // batch * batch
        if m == 0:
            continue
        lat = []
        t0 = time.perf_counter()
        for b in range(m // batch):
            t = time.perf_counter()
            index.search(q[b * batch:(b + 1) * batch], k)
            lat.append((time.perf_counter() - t) * 1e3)
        total = time.perf_counter() - t0
        lat.sort()
        p = lambda f: lat[min(len(lat) - 1, int(np.ceil(f * len(lat))) - 1)]
        print(f"{name}: {m} queries in batches of {batch}: {m / total:.0f} queries/s, per batch "
              f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gallery", default="100000,1000000")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--small-batches", type=int, default=200)
    p.add_argument("--peak-gflops", type=float, default=0, help="the FMA peak `simforge bench search` printed")
    p.add_argument("--sq8", action="store_true", help="also IndexScalarQuantizer QT_8bit, with recall@k")
    p.add_argument("--check", help="folder from `simforge bench search --save`")
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    print(f"faiss {faiss.__version__} ({faiss.get_compile_options().strip()}), numpy {np.__version__}, "
          f"{a.threads} threads; BLAS: {blas()}")
    if a.check:
        g = np.load(f"{a.check}/gallery.npy")
        q = np.load(f"{a.check}/queries.npy")
        ours = np.load(f"{a.check}/simforge-top{a.k}.npy").reshape(len(q), a.k)
        index = faiss.IndexFlatIP(g.shape[1])
        index.add(g)
        _, ids = index.search(q, a.k)
        same_lists = int((ids == ours).all(axis=1).sum())
        same_sets = sum(len(set(x) & set(y)) for x, y in zip(ids, ours)) / ours.size
        print(f"check: {same_lists}/{len(q)} top-{a.k} lists identical, {same_sets:.4%} of neighbours shared")
    rng = np.random.default_rng(1)
    for n in [int(s) for s in a.gallery.split(",")]:
        g = unit_rows(n, a.dim, rng)
        q = unit_rows(a.queries, a.dim, rng)
        flop = 2.0 * a.queries * n * a.dim
        t = time.perf_counter()
        index = faiss.IndexFlatIP(a.dim)
        index.add(g)
        build = time.perf_counter() - t
        name = f"faiss IndexFlatIP ({a.queries} queries x {n} gallery x {a.dim} dims, top-{a.k})"
        print(f"{name}: built (add) in {build:.2f} s")
        exact = timed_runs(name, index, q, a.k, a.runs, flop, a.peak_gflops)
        small_batches(name, index, q, a.k, a.small_batches)
        if a.sq8:
            t = time.perf_counter()
            sq = faiss.IndexScalarQuantizer(a.dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
            sq.train(g)
            sq.add(g)
            sq_name = f"faiss IndexScalarQuantizer QT_8bit ({a.queries} x {n})"
            print(f"{sq_name}: trained and built in {time.perf_counter() - t:.2f} s")
            print(f"{sq_name}: codes {sq.sa_code_size() * sq.ntotal / 2**20:.0f} MiB "
                  f"({sq.sa_code_size()} bytes per vector)")
            ids = timed_runs(sq_name, sq, q, a.k, a.runs, flop, a.peak_gflops)
            recall = sum(len(set(x) & set(y)) for x, y in zip(ids, exact)) / exact.size
            print(f"{sq_name}: recall@{a.k} against IndexFlatIP {recall:.4f}")
            small_batches(sq_name, sq, q, a.k, a.small_batches)
            del sq
        print(f"{name}: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB")
        del g, index


if __name__ == "__main__":
    main()
