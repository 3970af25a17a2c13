#!/usr/bin/env python3
"""Peer benchmark for `simforge bench eval`: pytorch-metric-learning's AccuracyCalculator on the very same embeddings
and labels (`simforge bench eval --save DIR` writes them as embeddings.npy and labels.npy).

Runs with the peers' virtual environment (bench/setup.sh: torch 2.13 CPU, pytorch-metric-learning 2.9.0, faiss-cpu
1.15.1, which PML uses for its k-NN and for its k-means, 20 iterations):
  /work/venv/bin/python bench/pml/eval.py DIR --threads 2
Prints the time of the whole get_accuracy call and Recall@1/10/100/1000, MAP@R, R-Precision and NMI, leave-one-out
(the reference set is the query set).
"""
import argparse
import resource
import time

import faiss
import numpy as np
import torch
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

KS = (1, 10, 100, 1000)


class WithRecall(AccuracyCalculator):
    """Recall@K as the metric-learning papers define it: a query hits when any of its K nearest has its label."""

    def _recall(self, knn_labels, query_labels, k):
        hits = (knn_labels[:, :k] == query_labels[:, None]).any(dim=1)
        return hits.float().mean().item()

    def requires_knn(self):
        return super().requires_knn() + [f"recall_at_{k}" for k in KS]


for _k in KS:
    setattr(WithRecall, f"calculate_recall_at_{_k}",
            lambda self, knn_labels, query_labels, _k=_k, **kwargs: self._recall(knn_labels, query_labels, _k))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir", help="folder from `simforge bench eval --save`")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    faiss.omp_set_num_threads(a.threads)
    x = np.load(f"{a.dir}/embeddings.npy")
    y = np.load(f"{a.dir}/labels.npy")
    print(f"torch {torch.__version__}, faiss {faiss.__version__}, {a.threads} threads; {x.shape[0]} x {x.shape[1]}, "
          f"{len(np.unique(y))} classes")
    calc = WithRecall(include=("mean_average_precision_at_r", "r_precision", "NMI")
                      + tuple(f"recall_at_{k}" for k in KS), k=min(max(KS), len(y) - 1), device=torch.device("cpu"))
    t = time.perf_counter()
    acc = calc.get_accuracy(x, y)
    seconds = time.perf_counter() - t
    print(f"PML AccuracyCalculator: whole evaluation {seconds:.1f} s, peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} kB")
    print(", ".join(f"{name} {value:.4f}" for name, value in acc.items()))
    try:  # which BLAS each library ran (faiss-cpu bundles its own OpenBLAS; torch uses its own)
        from threadpoolctl import threadpool_info
        print("; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, {i.get('num_threads')} "
                        f"threads, {i.get('filepath', '').split('/')[-1]})" for i in threadpool_info()))
    except ImportError:
        pass


if __name__ == "__main__":
    main()
