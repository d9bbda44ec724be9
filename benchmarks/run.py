"""Latency and capacity benchmark: drives the real service over WebSockets with N concurrent simulated calls.

    python benchmarks/run.py [--levels 1,2,3,4] [--calls-per-level N] [--speed 1.0] [--target 1.5] [--seed 7]
                             [--out benchmarks/results/latency] [--url ws://HOST:PORT]   (also: assistant bench)

Without --url it starts `assistant serve` as a subprocess on a free port, so the service's CPU and memory are
measured apart from the load generator. Each simulated call streams a dev call recording (stereo 16 kHz) at real-time
pace over the project's own protocol while a panel client subscribed to that call records when each event arrives.

Per stage, from the events' own timings: VAD endpoint delay (endpoint − speech end, audio time), ASR decode time,
extraction time, speech end → final transcript at the client, speech end → field update at the client (wall time,
against the moment that audio was sent), plus the RTF of decoding and the service's CPU% and RSS over time.
The largest N whose p95 speech-end → field-update latency stays under --target is the capacity ("knee").
Outputs: JSON with every sample, a markdown summary, PNG plots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

STAGES = ("vad_endpoint_s", "asr_decode_s", "extract_s", "final_latency_s", "field_latency_s")
STAGE_LABELS = {"vad_endpoint_s": "VAD endpoint delay", "asr_decode_s": "ASR decode", "extract_s": "extraction",
                "final_latency_s": "speech end → final at client", "field_latency_s": "speech end → field at client"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """`assistant serve` in a subprocess with its own SQLite file; sampled for CPU and memory."""

    def __init__(self, workdir: Path):
        import psutil

        self.port = free_port()
        for old in workdir.glob("assistant.db*"):  # each run starts from an empty store (call ids repeat by design)
            old.unlink()
        env = dict(os.environ, ASSISTANT_CACHE_DIR=str(workdir), ASSISTANT_SERVER__RECORD_AUDIO="false")
        env.setdefault("ASSISTANT_MODEL_PATH", os.pathsep.join(_model_path()))
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", str(self.port),
                                      "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(workdir / "service.log", "w"))
        self.ps = psutil.Process(self.proc.pid)
        self.samples: list[dict] = []
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 180) -> None:
        import httpx

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the service exited during start-up; see service.log")
            try:
                if httpx.get(f"http://{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the service did not become ready")

    def start_sampling(self, interval: float = 0.5) -> None:
        self.ps.cpu_percent(None)

        def loop() -> None:
            t0 = time.time()
            while not self._stop.wait(interval):
                try:
                    self.samples.append({"t": round(time.time() - t0, 2), "cpu_percent": self.ps.cpu_percent(None),
                                         "rss_mb": round(self.ps.memory_info().rss / 2**20, 1)})
                except Exception:
                    return
        threading.Thread(target=loop, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _model_path() -> list[str]:
    from assistant.config import get_settings

    return [str(p) for p in get_settings().model_path]


async def simulate_call(host: str, path: Path, call_id: str, speed: float) -> dict:
    """Stream one call with a panel client on it; returns raw samples per stage."""
    import websockets

    from assistant.stream_client import stream_file

    received: list[tuple[float, dict]] = []
    started = asyncio.Event()

    async def panel() -> None:
        for _ in range(200):
            try:
                async with websockets.connect(f"ws://{host}/ws/panel?call_id={call_id}") as ws:
                    async for msg in ws:
                        ev = json.loads(msg)
                        received.append((time.time(), ev))
                        if ev["type"] == "call_state" and ev["state"] != "live":
                            return
                        if ev["type"] == "error" and ev.get("code") == "unknown_call":
                            break
            except websockets.ConnectionClosed:
                pass
            await asyncio.sleep(0.05)

    def on_reply(obj: dict) -> None:
        if obj.get("type") == "started":
            started.set()

    stream = asyncio.create_task(stream_file(path, f"ws://{host}/ws/call", call_id=call_id, speed=speed,
                                             on_reply=on_reply))
    watcher = asyncio.create_task(panel())
    result = await stream
    try:
        await asyncio.wait_for(watcher, 60)
    except asyncio.TimeoutError:
        watcher.cancel()
    samples: dict[str, list[float]] = {k: [] for k in STAGES}
    decode_total = 0.0
    caller_text = "".join(ev["text"] for _, ev in received
                          if ev["type"] == "transcript_final" and ev.get("speaker") == "caller")
    seen_field_segments: set[float] = set()
    for wall, ev in received:
        if ev["type"] == "transcript_final":
            t = ev.get("timings") or {}
            samples["final_latency_s"].append(wall - result.wall_of(ev["end_s"]))
            if t.get("endpoint_s") is not None:
                samples["vad_endpoint_s"].append(t["endpoint_s"] - ev["end_s"])
            if t.get("asr_decode_s") is not None:
                samples["asr_decode_s"].append(t["asr_decode_s"])
                decode_total += t["asr_decode_s"]
        elif ev["type"] == "field_update" and ev.get("source") == "auto" and ev.get("speech_end_s") is not None:
            if ev["speech_end_s"] in seen_field_segments:
                continue  # one sample per segment: the first field update it caused
            seen_field_segments.add(ev["speech_end_s"])
            samples["field_latency_s"].append(wall - result.wall_of(ev["speech_end_s"]))
            t = ev.get("timings") or {}
            if t.get("extract_s") is not None:
                samples["extract_s"].append(t["extract_s"])
    from assistant.asr.audio import load_audio

    duration = load_audio(path).duration_s
    return {"call_id": call_id, "file": path.name, "audio_s": duration, "decode_s": decode_total,
            "caller_text": caller_text,
            "partials": sum(1 for _, ev in received if ev["type"] == "transcript_partial"),
            "samples": {k: [round(x, 4) for x in v] for k, v in samples.items()},
            "overloaded": sum(1 for r in result.replies if r.get("code") == "overloaded")}


async def run_level(host: str, files: list[Path], n: int, speed: float, rng: random.Random, tag: str) -> list[dict]:
    chosen = [files[i % len(files)] for i in rng.sample(range(max(n, len(files))), n)] if n else []
    tasks = []
    for i, f in enumerate(chosen):
        tasks.append(simulate_call(host, f, f"bench-{tag}-n{n}-{i}", speed))
        await asyncio.sleep(0)
    # stagger starts a little, as real calls do not begin on the same millisecond
    async def delayed(i, coro):
        await asyncio.sleep(0.37 * i)
        return await coro
    return await asyncio.gather(*(delayed(i, c) for i, c in enumerate(tasks)))


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def live_cer(calls: list[dict], references: dict[str, str]) -> float | None:
    """Character error rate of the caller's live final transcripts (what the extractor saw) against the reference."""
    from assistant.asr.scoring import char_errors

    errors = chars = 0
    for c in calls:
        ref = references.get(c["file"].split(".")[0])
        if ref is None:
            return None
        e, n = char_errors(ref, c["caller_text"])
        errors, chars = errors + e, chars + n
    return round(errors / chars, 4) if chars else None


def summarise(level: int, calls: list[dict], cpu: list[dict], references: dict[str, str]) -> dict:
    merged = {k: [x for c in calls for x in c["samples"][k]] for k in STAGES}
    audio = sum(c["audio_s"] for c in calls)
    return {
        "caller_cer": live_cer(calls, references),
        # partials are shed first under load: how many reach the panel per minute of call shows it
        "partials_per_min": round(60 * sum(c["partials"] for c in calls) / max(audio, 1e-9), 1),
        "concurrent_calls": level,
        "stages": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95), "max": round(max(v), 3) if v else None}
                   for k, v in merged.items()},
        "rtf": round(sum(c["decode_s"] for c in calls) / max(audio, 1e-9), 4),
        "cpu_percent_mean": round(float(np.mean([s["cpu_percent"] for s in cpu])), 1) if cpu else None,
        "rss_mb_max": max((s["rss_mb"] for s in cpu), default=None),
        "overloaded_frames": sum(c["overloaded"] for c in calls),
    }


def plots(report: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    levels = report["levels"]
    # 1. latency distribution per stage (single-call level, or the lowest level run)
    lvl = levels[0]
    fig, ax = plt.subplots(figsize=(8, 4))
    data = [lvl["raw"][k] or [0] for k in STAGES]
    ax.boxplot(data, vert=False, tick_labels=[STAGE_LABELS[k] for k in STAGES], whis=(5, 95))
    ax.set_xlabel("seconds")
    ax.set_title(f"Latency per stage ({lvl['concurrent_calls']} concurrent call(s))")
    fig.tight_layout()
    fig.savefig(out / "latency_per_stage.png", dpi=110)
    files.append("latency_per_stage.png")
    plt.close(fig)
    # 2. latency vs concurrent calls
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [l["concurrent_calls"] for l in levels]
    for k, style in (("field_latency_s", "o-"), ("final_latency_s", "s--")):
        ax.plot(xs, [l["stages"][k]["p95"] for l in levels], style, label=f"p95 {STAGE_LABELS[k]}")
        ax.plot(xs, [l["stages"][k]["p50"] for l in levels], style, alpha=.4, label=f"p50 {STAGE_LABELS[k]}")
    ax.axhline(report["target_s"], color="red", lw=1, ls=":", label=f"target {report['target_s']} s")
    ax.set_xlabel("concurrent calls")
    ax.set_ylabel("seconds")
    ax.legend(fontsize=7)
    ax.set_title("Latency vs concurrent calls")
    fig.tight_layout()
    fig.savefig(out / "latency_vs_calls.png", dpi=110)
    files.append("latency_vs_calls.png")
    plt.close(fig)
    # 3. CPU and memory over time
    fig, ax = plt.subplots(figsize=(8, 4))
    ax2 = ax.twinx()
    offset = 0.0
    for l in levels:
        ts = [s["t"] + offset for s in l["cpu"]]
        ax.plot(ts, [s["cpu_percent"] for s in l["cpu"]], color="tab:blue", lw=1)
        ax2.plot(ts, [s["rss_mb"] for s in l["cpu"]], color="tab:orange", lw=1)
        if ts:
            ax.axvline(offset, color="grey", lw=.5)
            ax.text(offset, ax.get_ylim()[1] * .95 if ax.get_ylim()[1] else 1, f"N={l['concurrent_calls']}",
                    fontsize=7)
            offset = ts[-1] + 1
    ax.set_xlabel("seconds")
    ax.set_ylabel("service CPU % (100 = one core)", color="tab:blue")
    ax2.set_ylabel("service RSS MB", color="tab:orange")
    ax.set_title("Service CPU and memory over the run")
    fig.tight_layout()
    fig.savefig(out / "cpu_memory.png", dpi=110)
    files.append("cpu_memory.png")
    plt.close(fig)
    return files


def markdown(report: dict) -> str:
    lines = [f"# Latency benchmark ({report['machine']}, {report['asr_backend']}, speed {report['speed']}×)", "",
             f"Target: p95 speech end → field update ≤ {report['target_s']} s. "
             f"Capacity (largest N meeting it): **{report['capacity']}**. "
             f"Per-call CPU cost: **{report['cpu_per_call_percent']} % of a core**.", "",
             "| N calls | p50 field | p95 field | p95 final | p95 VAD endpoint | p95 ASR decode | p95 extract | RTF | "
             "CPU % | RSS MB | overload | caller CER | partials/min |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for l in report["levels"]:
        s = l["stages"]
        lines.append(f"| {l['concurrent_calls']} | {s['field_latency_s']['p50']} | {s['field_latency_s']['p95']} | "
                     f"{s['final_latency_s']['p95']} | {s['vad_endpoint_s']['p95']} | {s['asr_decode_s']['p95']} | "
                     f"{s['extract_s']['p95']} | {l['rtf']} | {l['cpu_percent_mean']} | {l['rss_mb_max']} | "
                     f"{l['overloaded_frames']} | {_percent(l.get('caller_cer'))} | "
                     f"{l.get('partials_per_min', '–')} |")
    lines += ["", "Plots: " + ", ".join(f"`{p}`" for p in report["plots"])]
    return "\n".join(lines) + "\n"


def _percent(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--levels", default="1,2,3,4", help="concurrency levels to run, comma-separated")
    ap.add_argument("--calls-per-level", type=int, default=0, help="calls per level (default: N, one wave)")
    ap.add_argument("--speed", type=float, default=1.0, help="1.0 = real time")
    ap.add_argument("--target", type=float, default=1.5, help="p95 speech end → field update target, seconds")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-seconds", type=float, default=0, help="clip each call to this many seconds (0 = whole)")
    ap.add_argument("--url", default=None, help="an already running service (host:port); default: start one")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/latency"))
    args = ap.parse_args(argv)

    from rich.progress import Progress

    from assistant.config import get_settings

    settings = get_settings()
    audio_dir = settings.data_dir / "calls" / "dev" / "audio"
    files = sorted(audio_dir.glob("*.stereo16k.wav"))
    args.out.mkdir(parents=True, exist_ok=True)
    references: dict[str, str] = {}  # caller's words per call, for the live transcript's CER (whole calls only)
    if not args.max_seconds and (audio_dir / "timings.jsonl").is_file():
        for line in open(audio_dir / "timings.jsonl", encoding="utf-8"):
            t = json.loads(line)
            references[t["id"]] = "".join(turn["text"] for turn in t["turns"] if turn["speaker"] == "caller")
    if args.max_seconds:
        from assistant.asr.audio import load_audio
        import soundfile as sf

        clip_dir = args.out / "clips"
        clip_dir.mkdir(exist_ok=True)
        clipped = []
        for f in files:
            a = load_audio(f)
            dst = clip_dir / f.name
            sf.write(dst, a.samples[: int(args.max_seconds * a.rate)], a.rate, subtype="PCM_16")
            clipped.append(dst)
        files = clipped
    levels = [int(x) for x in args.levels.split(",") if x.strip()]
    rng = random.Random(args.seed)
    service = None
    if args.url:
        host = args.url.replace("ws://", "").rstrip("/")
    else:
        service = ServiceProcess(args.out)
        service.wait_ready()
        host = service.url
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "asr_backend": settings.asr_backend,
              "speed": args.speed, "target_s": args.target, "seed": args.seed, "levels": []}
    try:
        with Progress() as progress:
            task = progress.add_task("benchmark", total=len(levels))
            for n in levels:
                progress.update(task, description=f"{n} concurrent call(s)")
                if service:
                    service.samples = []
                    service.start_sampling()
                calls = []
                waves = max(1, (args.calls_per_level or n) // n)
                for w in range(waves):
                    calls += asyncio.run(run_level(host, files, n, args.speed, rng, f"{w}"))
                cpu = list(service.samples) if service else []
                if service:
                    service._stop.set()
                    service._stop = threading.Event()
                level = summarise(n, calls, cpu, references)
                level["raw"] = {k: [x for c in calls for x in c["samples"][k]] for k in STAGES}
                level["cpu"] = cpu
                level["calls"] = [{k: c[k] for k in ("call_id", "file", "audio_s", "decode_s", "overloaded")}
                                  for c in calls]
                report["levels"].append(level)
                progress.advance(task)
    finally:
        if service:
            service.stop()
    ok = [l for l in report["levels"] if (l["stages"]["field_latency_s"]["p95"] or 1e9) <= args.target]
    report["capacity"] = max((l["concurrent_calls"] for l in ok), default=0)
    per_call = [l["cpu_percent_mean"] / l["concurrent_calls"] for l in report["levels"] if l["cpu_percent_mean"]]
    report["cpu_per_call_percent"] = round(float(np.median(per_call)), 1) if per_call else None
    report["plots"] = plots(report, args.out)
    (args.out / "latency.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    md = markdown(report)
    (args.out / "latency.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
