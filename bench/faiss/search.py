#!/usr/bin/env python3
"""Peer benchmark for `simforge bench search`: exact top-k with faiss IndexFlatIP on random unit vectors.

Needs Debian's python3-faiss (apt-get install python3-faiss) and runs with /usr/bin/python3.
  /usr/bin/python3 bench/faiss/search.py --gallery 100000,1000000 --queries 1000 --dim 512 -k 10 --threads 2
With --check DIR (written by `simforge bench search --save DIR`), it searches the same gallery and queries
and reports how many top-k lists agree with simforge's.
"""
import argparse
import time

import faiss
import numpy as np


def unit_rows(n, dim, rng):
    x = rng.standard_normal((n, dim), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def timed_search(index, q, k, runs):
    best = float("inf")
    ids = None
    for _ in range(runs):
        t = time.perf_counter()
        _, ids = index.search(q, k)
        best = min(best, time.perf_counter() - t)
    return best, ids


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gallery", default="100000,1000000")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--dim", type=int, default=512)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--check", help="folder from `simforge bench search --save`")
    a = p.parse_args()
    faiss.omp_set_num_threads(a.threads)
    print(f"faiss {faiss.__version__}, numpy {np.__version__}, {a.threads} threads")
    if a.check:
        g = np.load(f"{a.check}/gallery.npy")
        q = np.load(f"{a.check}/queries.npy")
        ours = np.load(f"{a.check}/simforge-top{a.k}.npy").reshape(len(q), a.k)
        index = faiss.IndexFlatIP(g.shape[1])
        index.add(g)
        best, ids = timed_search(index, q, a.k, a.runs)
        same_lists = int((ids == ours).all(axis=1).sum())
        same_sets = sum(len(set(x) & set(y)) for x, y in zip(ids, ours)) / ours.size
        print(f"check: {same_lists}/{len(q)} top-{a.k} lists identical, {same_sets:.4%} of neighbours shared "
              f"({best:.3f} s, {len(q) / best:.0f} queries/s)")
    rng = np.random.default_rng(1)
    for n in [int(s) for s in a.gallery.split(",")]:
        g = unit_rows(n, a.dim, rng)
        q = unit_rows(a.queries, a.dim, rng)
        t = time.perf_counter()
        index = faiss.IndexFlatIP(a.dim)
        index.add(g)
        build = time.perf_counter() - t
        best, _ = timed_search(index, q, a.k, a.runs)
        print(f"faiss IndexFlatIP: {a.queries} queries x {n} gallery x {a.dim} dims, top-{a.k}: best of {a.runs} "
              f"{best:.3f} s = {a.queries / best:.0f} queries/s (index built in {build:.1f} s)")
        del g, index


if __name__ == "__main__":
    main()
