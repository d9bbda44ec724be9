"""`assistant replay`: a stored call's ticket timeline in the terminal, or a recording re-run through the pipeline.

    assistant replay CALL_ID [--url http://host:port]   # transcript + field changes + auto-vs-submitted diff
    assistant replay FILE.wav --speed 4                  # ASR + extraction in-process, paced, printed as it fills

Both modes print the timeline built by `assistant.qa.timeline`, the one the QA page shows.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Optional

import typer

SPEAKER_LABEL = {"agent": "话务员", "caller": "市民"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".mp3"}
META_KEYS = ("template_id", "title", "handling_unit")  # ticket-level values the store's history records


def replay(
    target: str = typer.Argument(..., help="a stored call id, or a call recording (stereo: agent + caller)"),
    speed: float = typer.Option(1.0, help="recording: 1 = real time, 4 = four times faster, 0 = unpaced"),
    url: Optional[str] = typer.Option(None, help="read the call from this service (http://host:port) instead of "
                                                 "the local store"),
    token: Optional[str] = typer.Option(None, help="API token for --url"),
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="recording: whisper or vosk"),
    transcript: bool = typer.Option(True, "--transcript/--no-transcript", help="show transcript lines too"),
    as_json: bool = typer.Option(False, "--json", help="stored call: the whole review (timeline, diff) as JSON"),
) -> None:
    """Print how a call's ticket filled: a stored call (by id) or a recording run through the pipeline."""
    path = Path(target)
    if path.is_file():
        if speed < 0:
            raise typer.BadParameter("speed must be 0 (unpaced) or more", param_hint="--speed")
        if backend not in (None, "whisper", "vosk"):
            raise typer.BadParameter("backend must be whisper or vosk", param_hint="--backend")
        _replay_file(path, speed, backend, transcript)
        return
    if path.suffix.lower() in AUDIO_SUFFIXES or "/" in target:
        _fail(f"文件不存在: {target}")
    review = _fetch_review(target, url, token) if url else _stored_review(target)
    if as_json:
        typer.echo(json.dumps(review, ensure_ascii=False, indent=1))
        return
    _print_review(review, transcript)


# ---------- stored calls ----------
def _fail(message: str) -> None:
    typer.echo(f"错误: {message}", err=True)
    raise typer.Exit(2)


def _stored_review(call_id: str) -> dict:
    from sqlalchemy.engine import make_url

    from assistant import qa
    from assistant.config import get_settings
    from assistant.server.storage import Store
    from assistant.templates.catalogue import load_catalogue

    db = get_settings().database_url
    parsed = make_url(db)
    if parsed.drivername.startswith("sqlite") and parsed.database and not Path(parsed.database).is_file():
        _fail(f"未找到通话 {call_id}（数据库 {parsed.database} 不存在；服务在别处运行时用 --url）")
    call = Store(db).get_call(call_id)
    if call is None:
        _fail(f"未找到通话 {call_id}")
    return qa.review(call, load_catalogue())


def _fetch_review(call_id: str, url: str, token: str | None) -> dict:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        r = httpx.get(f"{url.rstrip('/')}/api/qa/calls/{call_id}", headers=headers, timeout=30)
    except httpx.HTTPError as exc:
        _fail(f"无法连接 {url}: {exc}")
    if r.status_code == 404:
        _fail(f"未找到通话 {call_id}")
    if r.status_code == 401:
        _fail("令牌缺失或无效（--token）")
    if r.status_code != 200:
        _fail(f"{url} 返回 {r.status_code}: {r.text[:200]}")
    return r.json()


def _print_review(review: dict, transcript: bool) -> None:
    from assistant.qa import OUTCOME_LABELS

    call, templates = review["call"], review["templates"]
    state = {"live": "通话中", "ended": "已挂断", "dropped": "连接中断", "submitted": "已提交"}.get(call["state"],
                                                                                         call["state"])
    typer.echo(f"通话 {call['id']} · 坐席 {call.get('agent_id') or '—'} · {state} · 开始 {_local(call['started_at'])}"
               f" · 时长 {call.get('audio_s') or 0:.1f} s")
    typer.echo("\n# 时间线（转写与工单字段变化）" if transcript else "\n# 工单字段变化")
    lines: list[tuple[float, int, str]] = []
    if transcript:
        for s in call.get("segments", ()):
            lines.append((s["end_s"], 0, _segment_line(s)))
    for e in review["timeline"]:
        lines.append((e["t"] if e["t"] is not None else float("inf"), 1, format_entry(e, templates)))
    for _, _, line in sorted(lines, key=lambda x: (x[0], x[1])):  # stable: history order kept within a time
        typer.echo(line)
    if not review["timeline"]:
        typer.echo("（助手未填写任何字段）")
    diff = review["diff"]
    typer.echo("\n# 助手填写 vs 坐席提交")
    if diff is None:
        typer.echo("尚未提交工单，无法对比")
    else:
        for row in diff:
            if row["outcome"] == "empty" or row["derived"]:
                continue
            auto, final = (_value(row["key"], row[k], templates) for k in ("auto", "final"))
            what = final if row["outcome"] == "accepted" else f"{auto} → {final}"
            typer.echo(f"  {OUTCOME_LABELS[row['outcome']]}  {row['label']}：{what}")
        m = review["metrics"]
        template = {True: "采纳", False: "改选", None: "无推荐"}[m["template_accepted"]]
        submit = f"，开始后 {m['submit_s']:.1f} s 提交" if m["submit_s"] is not None else ""
        typer.echo(f"\n模板首选：{template}；字段：采纳 {m['fields_accepted']} · 修改 {m['fields_edited']} · "
                   f"清空 {m['fields_cleared']} · 补填 {m['fields_added']}；工单完成于通话 {_clock(m['complete_s'])}"
                   f"{submit}")


# ---------- shared formatting ----------
def _clock(t: float | None) -> str:
    if t is None:
        return "--:--.-"
    m, s = divmod(t, 60)
    return f"{int(m):02d}:{s:04.1f}"


def _local(iso: str | None) -> str:
    from assistant.qa import parse_time

    dt = parse_time(iso)
    return dt.astimezone().strftime("%Y-%m-%d %H:%M:%S") if dt else "—"


def _value(key: str, value: str | None, templates: dict[str, str]) -> str:
    if value is None:
        return "（空）"
    return templates.get(value, value) if key == "template_id" else value


def _segment_line(s: dict) -> str:
    return f"[{_clock(s['start_s'])}–{_clock(s['end_s'])}] {SPEAKER_LABEL.get(s['speaker'], s['speaker'])}：{s['text']}"


def format_entry(e: dict, templates: dict[str, str]) -> str:
    """One timeline entry: time, who (auto/agent), what changed, confidence and the words it came from."""
    from assistant.qa import SOURCE_LABELS

    old, new = _value(e["key"], e["old"], templates), _value(e["key"], e["new"], templates)
    what = {"set": f"{e['label']} = {new}", "change": f"{e['label']}：{old} → {new}",
            "clear": f"{e['label']}：清空（原为 {old}）", "confidence": f"{e['label']} = {new}（置信度更新）"}[e["kind"]]
    line = f"[{_clock(e['t'])}]   ↳ {SOURCE_LABELS.get(e['source'], e['source'])} {what}"
    if e["source"] == "auto" and e.get("confidence") is not None:
        line += f"  {e['confidence']:.0%}"
    quotes = [f"{SPEAKER_LABEL.get(ev.get('speaker'), '')}「{ev['text']}」" for ev in e.get("evidence", ())]
    if quotes:
        line += "  依据 " + " ".join(quotes)
    return line


# ---------- a recording through the pipeline ----------
def _replay_file(path: Path, speed: float, backend: str | None, transcript: bool) -> None:
    """ASR + extraction in-process, a chunk fed once it would have arrived at `speed`; the timeline is built from
    the same change records the live service stores, so it reads as `replay CALL_ID` does."""
    from assistant import qa
    from assistant.asr.audio import AudioError, load_audio
    from assistant.asr.call import transcribe_audio
    from assistant.asr.events import FinalTranscript, RecognizerFailed
    from assistant.config import get_settings
    from assistant.engines import get_engine, vad_options
    from assistant.extraction.ticket import TextSegment
    from assistant.extraction.tracker import TicketTracker
    from assistant.models.registry import ModelNotFound

    settings = get_settings()
    chunk_s = 0.5
    try:
        audio = load_audio(path)
        typer.echo(f"加载模型…（{backend or settings.asr_backend}）", err=True)
        engine = get_engine(backend, settings)
    except (AudioError, ModelNotFound, ValueError) as exc:
        _fail(str(exc))
    tracker = TicketTracker()
    catalogue = tracker.resources.catalogue
    call: dict[str, Any] = {"segments": [], "field_history": []}
    shown = 0
    pace = f"{speed:g}× 实时" if speed > 0 else "不限速"
    typer.echo(f"# 回放 {path.name}（{audio.duration_s:.1f} s，{pace}）")

    t0 = time.monotonic()

    def wait_for_audio(position_s: float) -> None:
        if speed > 0:  # the next chunk is fed once it would have arrived
            due = t0 + min(audio.duration_s, position_s + chunk_s) / speed
            if (delay := due - time.monotonic()) > 0:
                time.sleep(delay)

    try:
        events = transcribe_audio(audio, engine, agent_channel=settings.agent_channel, vad=vad_options(settings),
                                  chunk_s=chunk_s, on_progress=wait_for_audio)
        for ev in events:
            if isinstance(ev, RecognizerFailed):
                typer.echo(f"[识别出错] {SPEAKER_LABEL[ev.speaker]}：{ev.message}", err=True)
                continue
            if not isinstance(ev, FinalTranscript):
                continue
            seg = {"segment_id": ev.segment_id, "speaker": ev.speaker, "start_s": ev.start_s, "end_s": ev.end_s,
                   "text": ev.text}
            call["segments"].append(seg)
            if transcript:
                typer.echo(_segment_line(seg))
            update = tracker.add_segment(TextSegment(segment_id=ev.segment_id, speaker=ev.speaker, text=ev.text,
                                                     start_s=ev.start_s, end_s=ev.end_s))
            # stamped like the live service: the audio time at which the segment's end was detected
            call["field_history"].extend(_changes(update, ev.endpoint_s or ev.end_s))
            labels = qa.field_labels(qa.call_template_ids(call), catalogue)
            entries = qa.timeline(call, labels)
            templates = qa.template_names(qa.call_template_ids(call), catalogue)
            for e in entries[shown:]:
                typer.echo(format_entry(e, templates))
            shown = len(entries)
    except AudioError as exc:
        _fail(str(exc))
    wall = time.monotonic() - t0
    typer.echo("\n# 工单")
    ticket = tracker.ticket.flat()
    names = qa.template_names([ticket.get("template_id")], catalogue)
    labels = qa.field_labels([ticket.get("template_id")], catalogue)
    for key, value in ticket.items():
        if value is not None:
            typer.echo(f"  {labels.get(key, key)}：{_value(key, value, names)}")
    achieved = audio.duration_s / max(wall, 1e-9)
    behind = "；识别跟不上所设速度" if speed > 0 and achieved < 0.9 * speed else ""
    typer.echo(f"\n音频 {audio.duration_s:.1f} s，用时 {wall:.1f} s（{achieved:.1f}× 实时{behind}）")


def _changes(update, call_time_s: float) -> list[dict]:
    """A tracker update as the store's field-change records (what the live service writes for it)."""
    out = [{"key": fu.key, "old": fu.old, "new": fu.new, "source": fu.source, "confidence": fu.confidence,
            "evidence": [e.model_dump() for e in fu.evidence], "call_time_s": round(call_time_s, 3)}
           for fu in update.field_updates]
    out += [{"key": k, "old": None, "new": getattr(update, k), "source": "auto", "confidence": None, "evidence": [],
             "call_time_s": round(call_time_s, 3)} for k in update.changed if k in META_KEYS]
    return out
