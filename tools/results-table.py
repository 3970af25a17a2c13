#!/usr/bin/env python3
"""Summarises evaluated runs (<variant>-s<seed>/metrics.json, training.json) as a Markdown table: one row per variant
and per baseline, mean ± standard deviation over seeds. Usage: tools/results-table.py RUNS_FOLDER"""
import json
import pathlib
import re
import statistics
import sys

METRICS = ["recall@1", "recall@2", "recall@4", "recall@8", "map@r", "nmi"]


def cell(values):
    if not values:
        return ""
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def main(folder):
    rows = {}
    for metrics_file in sorted(pathlib.Path(folder).glob("*-s*/metrics.json")):
        m = re.fullmatch(r"(.+)-s(\d+)", metrics_file.parent.name)
        if not m:
            continue
        variant = m.group(1)
        metrics = json.loads(metrics_file.read_text())
        rows.setdefault(variant, {"seeds": [], "values": {}, "seconds": []})
        rows[variant]["seeds"].append(int(m.group(2)))
        for k in METRICS:
            rows[variant]["values"].setdefault(k, []).append(metrics["learned"][k])
        training = metrics_file.parent / "training.json"
        if training.exists():
            rows[variant]["seconds"].append(json.loads(training.read_text())["seconds"])
        for name, base in metrics.get("baselines", {}).items():
            r = rows.setdefault(name, {"seeds": [], "values": {}, "seconds": []})
            if name == "raw pixels" and r["seeds"]:
                continue  # the same for every run
            r["seeds"].append(int(m.group(2)))
            for k in METRICS:
                r["values"].setdefault(k, []).append(base[k])
    print("| Method | seeds | " + " | ".join(METRICS) + " | training time |")
    print("|---|---|" + "---|" * len(METRICS) + "---|")
    for name, r in rows.items():
        time = f"{statistics.mean(r['seconds']) / 60:.1f} min" if r["seconds"] else ""
        print(f"| {name} | {','.join(map(str, sorted(r['seeds'])))} | "
              + " | ".join(cell(r["values"].get(k, [])) for k in METRICS) + f" | {time} |")


if __name__ == "__main__":
    main(sys.argv[1])
