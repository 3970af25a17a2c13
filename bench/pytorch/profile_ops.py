#!/usr/bin/env python3
"""Sums Chrome traces of training steps per operator, so that simforge (libtorch's profiler through DJL,
`simforge bench train --profile DIR`) and PyTorch (`train_throughput.py --profile DIR`) compare op by op.

  python3 bench/pytorch/profile_ops.py --steps 30 simforge/resnet18-ms.json pytorch/resnet18-ms.json

Per trace and op: calls per step and self time per step (ms; an op's time minus the ops it calls, per thread), the
ops sorted by the largest self time in any trace; then the self time summed by phase (forward ops, backward ops:
autograd nodes and what they call; optimiser; see self_times). Plain Python, no dependencies.
"""
import argparse
import collections
import json


FORWARD_START = ("aten::conv2d", "aten::convolution", "aten::_convolution", "aten::mkldnn_convolution", "aten::linear")


def is_backward(name):
    return "Backward" in name or "AccumulateGrad" in name or name.startswith("autograd::")


def self_times(path):
    """op name -> [calls, self microseconds]; and self microseconds per phase.

    Phases, from the order of the top-level ops on each thread: forward and loss from a step's first convolution
    (or linear layer) to its first autograd node; backward: the autograd nodes and everything under them; after the
    backward until the next forward: the optimiser (the peer's `Optimizer.step` annotation marks its own window,
    so its next batch's input preparation is counted apart)."""
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    windows = sorted((float(e["ts"]), float(e["ts"]) + float(e["dur"])) for e in events
                     if e.get("ph") == "X" and str(e.get("name", "")).startswith("Optimizer.step"))
    ops = [e for e in events if e.get("ph") == "X" and "dur" in e and e.get("cat", "cpu_op") == "cpu_op"]
    by_thread = collections.defaultdict(list)
    for e in ops:
        by_thread[e.get("tid")].append(e)
    table = collections.defaultdict(lambda: [0, 0.0])
    phase = collections.Counter()
    for events in by_thread.values():
        events.sort(key=lambda e: (float(e["ts"]), -float(e["dur"])))
        stack = []  # [end, event, child time, phase]
        state = "forward and loss"

        def close(until):
            while stack and stack[-1][0] <= until:
                end, e, child, ph = stack.pop()
                own = float(e["dur"]) - child
                table[e["name"]][0] += 1
                table[e["name"]][1] += own
                phase[ph] += own
                if stack:
                    stack[-1][2] += float(e["dur"])

        for e in events:
            start, name = float(e["ts"]), e["name"]
            close(start)
            if stack:
                ph = stack[-1][3]
            elif is_backward(name):
                ph = state = "backward"
            elif name in FORWARD_START and state != "forward and loss":
                ph = state = "forward and loss"
            elif any(a <= start < b for a, b in windows):
                ph = "optimiser"
            elif state == "backward" and windows:
                ph = "input of the next batch"
            elif state == "backward":
                ph = "optimiser"
            else:
                ph = state
            stack.append([start + float(e["dur"]), e, 0.0, ph])
        close(float("inf"))
    return table, phase


def main():
    p = argparse.ArgumentParser()
    p.add_argument("traces", nargs="+")
    p.add_argument("--steps", type=int, default=30, help="timed steps in each trace")
    p.add_argument("--top", type=int, default=30)
    a = p.parse_args()
    results = [self_times(t) for t in a.traces]
    names = sorted({n for t, _ in results for n in t}, key=lambda n: -max(t[n][1] if n in t else 0 for t, _ in results))
    print("| op | " + " | ".join(f"{t}: calls, self ms per step" for t in a.traces) + " |")
    print("|---|" + "---|" * len(a.traces))
    for n in names[:a.top]:
        cells = []
        for t, _ in results:
            r = t.get(n)
            cells.append("—" if r is None else f"{r[0] / a.steps:.0f}, {r[1] / 1000 / a.steps:.2f}")
        print(f"| `{n}` | " + " | ".join(cells) + " |")
    print()
    for trace, (t, phase) in zip(a.traces, results):
        total = sum(r[1] for r in t.values()) / 1000 / a.steps
        print(f"{trace}: self time {total:.1f} ms per step; "
              + "; ".join(f"{k} {v / 1000 / a.steps:.1f}" for k, v in sorted(phase.items())))


if __name__ == "__main__":
    main()
