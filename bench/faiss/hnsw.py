"""The peer side of `simforge bench hnsw`: faiss-cpu's IndexHNSWFlat on the same data.

  python bench/faiss/hnsw.py make DIR --n 1000000 --dim 128 --centres 4096   # data + exact top-10 (IndexFlatIP)
  python bench/faiss/hnsw.py run DIR --m 16 --ef-construction 100 --ef 10,20,40,80,160 --threads 2

`make` writes gallery.npy (n x d unit vectors from a Gaussian mixture), queries.npy (drawn from the same mixture,
not in the gallery) and truth.npy (each query's exact top 10 by inner product, as float32 row numbers).
`run` builds IndexHNSWFlat with the inner product, then searches every query at each efSearch; it prints one
Markdown row per efSearch: build seconds, memory, queries/s and recall@10 against truth.npy.
Needs a venv with faiss-cpu 1.15.1 and numpy (pip install faiss-cpu==1.15.1 numpy).
"""
import argparse
import os
import time

import faiss
import numpy as np


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def mixture(rng, n, dim, centres, spread, chunk=100_000):
    c = rng.standard_normal((centres, dim), dtype=np.float32)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        k = rng.integers(0, centres, e - s)
        x = (c[k] + spread * rng.standard_normal((e - s, dim), dtype=np.float32)) / np.sqrt(dim)
        out[s:e] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out, c


def make(a):
    rng = np.random.default_rng(a.seed)
    gallery, _ = mixture(rng, a.n + a.queries, a.dim, a.centres, a.spread)
    queries = gallery[a.n:].copy()
    gallery = gallery[:a.n]
    faiss.omp_set_num_threads(a.threads)
    flat = faiss.IndexFlatIP(a.dim)
    flat.add(gallery)
    _, truth = flat.search(queries, 10)
    os.makedirs(a.dir, exist_ok=True)
    np.save(os.path.join(a.dir, "gallery.npy"), gallery)
    np.save(os.path.join(a.dir, "queries.npy"), queries)
    np.save(os.path.join(a.dir, "truth.npy"), truth.astype(np.float32))
    print(f"wrote {a.dir}: {a.n} x {a.dim} gallery, {a.queries} queries, exact top 10")


def run(a):
    gallery = np.load(os.path.join(a.dir, "gallery.npy"))
    queries = np.load(os.path.join(a.dir, "queries.npy"))
    truth = np.load(os.path.join(a.dir, "truth.npy")).astype(np.int64)
    faiss.omp_set_num_threads(a.threads)
    n, dim = gallery.shape
    before = rss_mb()
    index = faiss.IndexHNSWFlat(dim, a.m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = a.ef_construction
    t0 = time.perf_counter()
    index.add(gallery)
    build = time.perf_counter() - t0
    grown = rss_mb() - before
    size = faiss.serialize_index(index).nbytes / 2**20
    print(f"faiss {faiss.__version__} IndexHNSWFlat: {n} x {dim}, M {a.m}, efConstruction {a.ef_construction}, "
          f"{a.threads} threads: build {build:.1f} s, index {size:.0f} MB serialised, RSS +{grown:.0f} MB")
    print("| efSearch | queries/s | recall@10 |")
    print("|---|---|---|")
    index.hnsw.efSearch = 64
    index.search(queries, 10)  # warm-up, as the Java side does
    for ef in [int(x) for x in a.ef.split(",")]:
        index.hnsw.efSearch = ef
        dt = float("inf")
        for _ in range(2):  # the better of two runs, as the Java side
            t0 = time.perf_counter()
            _, found = index.search(queries, 10)
            dt = min(dt, time.perf_counter() - t0)
        recall = np.mean([len(set(found[i]) & set(truth[i])) / 10 for i in range(len(queries))])
        print(f"| {ef} | {len(queries) / dt:.0f} | {recall:.4f} |", flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    m.add_argument("--n", type=int, default=1_000_000)
    m.add_argument("--dim", type=int, default=128)
    m.add_argument("--centres", type=int, default=4096)
    m.add_argument("--spread", type=float, default=0.6)
    m.add_argument("--queries", type=int, default=10_000)
    m.add_argument("--seed", type=int, default=42)
    m.add_argument("--threads", type=int, default=2)
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--m", type=int, default=16)
    r.add_argument("--ef-construction", type=int, default=100)
    r.add_argument("--ef", default="10,20,40,80,160,320")
    r.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    make(a) if a.cmd == "make" else run(a)


if __name__ == "__main__":
    main()
