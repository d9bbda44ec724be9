"""`assistant extract`: calls in (FORMAT.md JSONL) → predicted tickets out, one JSON line per call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def extract(
    calls: Annotated[Path, typer.Option("--calls", help="calls JSONL (../shared/data/calls/FORMAT.md)")],
    out: Annotated[Path, typer.Option("--out", help="where to write the predictions (JSONL)")],
    audio: Annotated[Path | None, typer.Option("--audio", help="run DIR/ID.stereo16k.wav through ASR instead of "
                                                              "the turn texts")] = None,
) -> None:
    """Fill a ticket for every call: each turn (or, with --audio, each recognised segment) is fed in order through
    the live tracker. Output lines: {"id": …, "ticket": {gold keys…, template_id, handling_unit}}."""
    from assistant.extraction.calls import CallFormatError, read_calls, run_audio, run_text
    from assistant.extraction.resources import default_resources

    if audio is not None and not audio.is_dir():
        raise typer.BadParameter(f"not a folder: {audio}", param_hint="--audio")
    try:
        items = read_calls(calls)
    except (FileNotFoundError, CallFormatError) as e:
        raise typer.BadParameter(str(e), param_hint="--calls") from None
    if audio is not None:
        missing = [c.id for c in items if not (audio / f"{c.id}.stereo16k.wav").is_file()]
        if missing:  # dev sets record only some calls: those are left out of the predictions, and said so
            typer.echo(f"no audio for {len(missing)} of {len(items)} calls, skipped: {', '.join(missing)}", err=True)
            items = [c for c in items if c.id not in set(missing)]
    resources = default_resources()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for call in items:
            ticket = run_audio(call, audio, resources) if audio is not None else run_text(call, resources)
            f.write(json.dumps({"id": call.id, "ticket": ticket.flat()}, ensure_ascii=False) + "\n")
    typer.echo(f"{len(items)} calls → {out}", err=True)
