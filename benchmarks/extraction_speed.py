"""Update latency of the extractor on a long call: p50/p95/max of TicketTracker.add_segment, on one core.

    python benchmarks/extraction_speed.py [--calls CALLS.jsonl] [--minutes 10] [--json OUT.json]

A 10-minute call is assembled from the turns of the call file (default: the shared dev calls), in order, call after
call, until its speech (at a phone pace of 4.5 characters a second plus pauses) lasts the given minutes. Every turn is
fed as a final segment, exactly as the live server does. The first call also pays for building the process-wide
resources (catalogue index, gazetteer): that is reported apart, as are the tracker's creation and warm-up.
"""

from __future__ import annotations

import os

# One core, one thread: set before numpy is imported anywhere.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

CHARS_PER_SECOND = 4.5
PAUSE_S = 0.6


def long_call(calls, minutes: float):
    from assistant.extraction.ticket import TextSegment

    segments, t, i = [], 0.0, 0
    while t < minutes * 60:
        for call in calls:
            for turn in call.turns:
                duration = len(turn.text) / CHARS_PER_SECOND
                segments.append(TextSegment(segment_id=f"s{i}", speaker=turn.speaker, text=turn.text,
                                            start_s=round(t, 2), end_s=round(t + duration, 2)))
                t += duration + PAUSE_S
                i += 1
                if t >= minutes * 60:
                    return segments
    return segments


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=Path, help="call file to take turns from (default: the shared dev calls)")
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3, help="run the long call this many times (fresh trackers)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from assistant.config import get_settings
    from assistant.extraction.calls import read_calls
    from assistant.extraction.resources import default_resources
    from assistant.extraction.tracker import TicketTracker

    path = args.calls or (get_settings().data_dir / "calls" / "dev" / "calls.jsonl")
    segments = long_call(read_calls(path), args.minutes)

    t0 = time.perf_counter()
    resources = default_resources()
    build_s = time.perf_counter() - t0
    # Warm-up: lazy imports (jionlp) and first-call caches are paid once per process, not per update.
    warm = TicketTracker(resources)
    t0 = time.perf_counter()
    for seg in segments[:8]:
        warm.add_segment(seg)
    warmup_s = time.perf_counter() - t0

    latencies: list[float] = []
    create: list[float] = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        tracker = TicketTracker(resources)
        create.append(time.perf_counter() - t0)
        for seg in segments:
            t0 = time.perf_counter()
            tracker.add_segment(seg)
            latencies.append(time.perf_counter() - t0)
    ms = [x * 1000 for x in latencies]
    result = {
        "segments_per_call": len(segments),
        "call_minutes": args.minutes,
        "updates": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "tracker_create_ms": round(statistics.median(create) * 1000, 3),
        "resources_build_s": round(build_s, 2),
        "warmup_s": round(warmup_s, 2),
        "target_p95_ms": 50,
    }
    result["met"] = result["p95_ms"] < result["target_p95_ms"]
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
