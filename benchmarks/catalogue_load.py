"""Catalogue load time, memory and search latency (targets: warm load < 0.3 s, memory-light, query < 20 ms).

    python benchmarks/catalogue_load.py [--out benchmarks/results/catalogue]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

QUERIES = ["楼下烧烤店天天吵到半夜", "老板拖了三个月工资不发", "想问一下公积金怎么提取", "小区电梯坏了两个星期没人修",
           "健身房关门了卡里还有钱退不了", "我要举报有人在河边偷倒垃圾", "表扬一下那个公交司机", "孩子上学的学位怎么申请"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/catalogue"))
    args = ap.parse_args()
    cold = subprocess.run([sys.executable, "-c", "import time; t=time.perf_counter(); "
                           "from assistant.templates.catalogue import load_catalogue; load_catalogue(); "
                           "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
    from assistant.templates.catalogue import _load, load_catalogue
    from assistant.templates.search import TemplateSearch

    load_catalogue()
    warm = []
    for _ in range(5):
        t = time.perf_counter()
        _load("<packaged>")
        warm.append(time.perf_counter() - t)
    tracemalloc.start()
    cat = _load("<packaged>")
    mem, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t = time.perf_counter()
    search = TemplateSearch(cat)
    index_s = time.perf_counter() - t
    lat = []
    for _ in range(20):
        for q in QUERIES:
            t = time.perf_counter()
            search.search(q, k=3)
            lat.append(time.perf_counter() - t)
    report = {"templates": len(cat), "cold_load_s_with_imports": round(float(cold.stdout.strip()), 3),
              "warm_load_s": {"best": round(min(warm), 3), "median": round(statistics.median(warm), 3)},
              "catalogue_mb": round(mem / 2**20, 1), "search_index_build_s": round(index_s, 3),
              "search_ms": {"p50": round(statistics.median(lat) * 1000, 2),
                            "p95": round(sorted(lat)[int(len(lat) * .95)] * 1000, 2)}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "catalogue.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
