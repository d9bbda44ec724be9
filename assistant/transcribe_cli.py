"""`assistant transcribe FILE`: speaker-labelled, timestamped transcript of a recorded call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

SPEAKER_LABEL = {"agent": "话务员", "caller": "市民"}


def transcribe(
    file: Path = typer.Argument(..., help="call recording (WAV/FLAC/...; stereo = agent + caller)"),
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="whisper or vosk (default: settings)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per segment, for machines"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="progress bar on stderr"),
) -> None:
    """Transcribe a call recording into speaker-labelled, timestamped segments."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from assistant.asr.audio import AudioError, load_audio
    from assistant.models.registry import ModelNotFound
    from assistant.transcription import transcribe_file

    err = Console(stderr=True)
    if backend not in (None, "whisper", "vosk"):
        raise typer.BadParameter("backend must be whisper or vosk", param_hint="--backend")
    try:
        duration = load_audio(file).duration_s
        with Progress(TextColumn("转写 {task.description}"), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f} s"),
                      TimeRemainingColumn(), console=err, disable=not progress or as_json and not err.is_terminal,
                      transient=True) as bar:
            task = bar.add_task(file.name, total=duration)
            segments = transcribe_file(file, backend, on_progress=lambda t: bar.update(task, completed=t))
    except (AudioError, ModelNotFound) as exc:
        err.print(f"[red]错误:[/] {exc}")
        raise typer.Exit(2) from None
    out = sys.stdout
    for seg in segments:
        if as_json:
            out.write(json.dumps(seg.model_dump(), ensure_ascii=False) + "\n")
        else:
            out.write(f"[{_clock(seg.start_s)} – {_clock(seg.end_s)}] {SPEAKER_LABEL[seg.speaker]}: {seg.text}\n")


def _clock(t: float) -> str:
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:05.2f}"
