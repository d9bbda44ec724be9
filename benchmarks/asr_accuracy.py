"""ASR accuracy and speed: CER and real-time factor over ../shared/data/asr_testset, plus the caller channel of the
dev calls. Writes JSON and a markdown table.

    python benchmarks/asr_accuracy.py [--backend whisper] [--threads 1] [--limit N] [--full-window]
                                      [--out benchmarks/results/asr]

CER ignores punctuation and spaces, compares in simplified script, and turns Chinese numerals into digits on both
sides (see assistant.asr.scoring). RTF = wall time of the whole pipeline (VAD + recogniser) / audio duration.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

from rich.progress import track


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="whisper", choices=["whisper", "vosk"])
    ap.add_argument("--threads", type=int, default=1, help="decoder CPU threads (target: one core)")
    ap.add_argument("--beam", type=int, default=None, help="beam size (default: settings)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N utterances / calls (0 = all)")
    ap.add_argument("--no-calls", action="store_true", help="skip the dev calls' caller channel")
    ap.add_argument("--full-window", action="store_true", help="whisper: always encode 30 s (no fitted windows)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/asr"))
    args = ap.parse_args()

    os.environ["ASSISTANT_WHISPER__THREADS"] = str(args.threads)
    if args.beam:
        os.environ["ASSISTANT_WHISPER__BEAM_SIZE"] = str(args.beam)
    if args.full_window:
        os.environ["ASSISTANT_WHISPER__FITTED_WINDOW"] = "false"
    from assistant.asr.call import final_segments, transcribe_audio
    from assistant.asr.audio import load_audio
    from assistant.asr.scoring import char_errors
    from assistant.config import get_settings
    from assistant.engines import get_engine, vad_options

    settings = get_settings()
    if settings.data_dir is None:
        sys.exit("no shared data folder found: set ASSISTANT_DATA_DIR")
    t_load = time.perf_counter()
    engine = get_engine(args.backend)
    load_s = time.perf_counter() - t_load

    segments = 0

    def run(path: Path, speaker: str | None = None) -> tuple[str, float, float]:
        nonlocal segments
        audio = load_audio(path)
        t0 = time.perf_counter()
        finals = final_segments(transcribe_audio(audio, engine, agent_channel=settings.agent_channel,
                                                 vad=vad_options(settings)))
        wall = time.perf_counter() - t0
        segments += len(finals)
        text = "".join(f.text for f in finals if speaker is None or f.speaker == speaker)
        return text, wall, audio.duration_s

    testset = settings.data_dir / "asr_testset"
    with open(testset / "testset.tsv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if args.limit:
        rows = rows[:args.limit]
    utts = []
    for row in track(rows, description="asr_testset"):
        hyp, wall, dur = run(testset / row["file"])
        err, n = char_errors(row["reference"], hyp)
        utts.append({"file": row["file"], "kind": row["kind"], "reference": row["reference"], "hypothesis": hyp,
                     "errors": err, "ref_chars": n, "cer": round(err / max(n, 1), 4), "wall_s": round(wall, 3),
                     "audio_s": round(dur, 3), "rtf": round(wall / dur, 4)})
    report = {
        "backend": args.backend, "threads": args.threads, "beam_size": settings.whisper.beam_size,
        "machine": f"{platform.machine()} {os.cpu_count()} cores", "model_load_s": round(load_s, 2),
        "testset": _summary(utts), "utterances": utts,
    }
    if not args.no_calls:
        calls_dir = settings.data_dir / "calls" / "dev" / "audio"
        timings = [json.loads(line) for line in open(calls_dir / "timings.jsonl", encoding="utf-8")]
        if args.limit:
            timings = timings[:args.limit]
        calls = []
        for t in track(timings, description="dev calls (caller channel)"):
            hyp, wall, dur = run(calls_dir / f"{t['id']}.stereo16k.wav", speaker="caller")
            ref = "".join(turn["text"] for turn in t["turns"] if turn["speaker"] == "caller")
            err, n = char_errors(ref, hyp)
            calls.append({"file": t["id"], "kind": "call-caller", "reference": ref, "hypothesis": hyp, "errors": err,
                          "ref_chars": n, "cer": round(err / max(n, 1), 4), "wall_s": round(wall, 3),
                          "audio_s": round(dur, 3), "rtf": round(wall / dur, 4)})
        report["dev_calls_caller"] = _summary(calls)
        report["calls"] = calls
    if args.backend == "whisper":
        report["fitted_window"] = settings.whisper.fitted_window
        report["final_segments"] = segments
        report["full_window_fallbacks"] = engine.window_fallbacks
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "asr_accuracy.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    md = _markdown(report)
    (args.out / "asr_accuracy.md").write_text(md)
    print(md)
    return 0


def _summary(items: list[dict]) -> dict:
    errors = sum(i["errors"] for i in items)
    chars = sum(i["ref_chars"] for i in items)
    wall = sum(i["wall_s"] for i in items)
    audio = sum(i["audio_s"] for i in items)
    return {"items": len(items), "cer": round(errors / max(chars, 1), 4), "rtf": round(wall / max(audio, 1e-9), 4),
            "audio_s": round(audio, 1), "wall_s": round(wall, 1)}


def _markdown(r: dict) -> str:
    lines = [f"# ASR accuracy ({r['backend']}, beam {r['beam_size']}, {r['threads']} thread(s), {r['machine']})", "",
             "| set | items | audio s | CER | RTF |", "|---|---:|---:|---:|---:|"]
    if "fitted_window" in r:
        window = (f"fitted windows, {r['full_window_fallbacks']} of {r['final_segments']} segments redone on the "
                  f"full window" if r["fitted_window"] else "full 30-s window")
        lines[2:2] = [f"Encoder input: {window}.", ""]
    for key, label in (("testset", "asr_testset"), ("dev_calls_caller", "dev calls, caller channel")):
        if key in r:
            s = r[key]
            lines.append(f"| {label} | {s['items']} | {s['audio_s']} | {s['cer']:.1%} | {s['rtf']:.3f} |")
    lines += ["", "| utterance | kind | s | CER | RTF |", "|---|---|---:|---:|---:|"]
    for u in r["utterances"] + r.get("calls", []):
        lines.append(f"| {u['file']} | {u['kind']} | {u['audio_s']} | {u['cer']:.1%} | {u['rtf']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
