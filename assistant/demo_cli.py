"""`assistant demo`: the main job on embedded defaults — start the live service (SQLite, in-process), play a dev
call into it in real time, show the transcript and the ticket filling as an agent's panel would see them."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Optional

import typer

SPEAKER_LABEL = {"agent": "话务员", "caller": "市民"}


def demo(call: Optional[str] = typer.Option(None, "--call", help="dev call id (default: the first with audio)"),
         speed: float = typer.Option(1.0, help="1.0 = real time"),
         port: Optional[int] = typer.Option(None, help="port (default: settings, 8345)"),
         once: bool = typer.Option(False, "--once", help="stop the service after the call instead of serving on"),
         ) -> None:
    """Start the service, stream a dev call into it and print the panel URL, transcript and ticket."""
    import uvicorn

    from assistant.config import get_settings
    from assistant.server.app import create_app

    settings = get_settings()
    path = _pick_call(settings.data_dir, call)
    host, port = settings.server.host, port or settings.server.port
    agent = "demo"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host=host, port=port, log_level="warning",
                                           ws_max_size=max(16 * 2**20, 4 * settings.server.max_message_bytes)))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    typer.echo("启动服务、加载模型…", err=True)
    while not server.started:
        if not thread.is_alive():
            typer.echo(f"服务未能启动（端口 {port} 被占用？用 --port 换一个）", err=True)
            raise typer.Exit(2)
        time.sleep(0.1)
    base = f"http://{host}:{port}"
    typer.echo(f"坐席面板: {base}/panel?agent_id={agent}    质检回放: {base}/qa    API 文档: {base}/docs")
    call_id = f"{path.name.split('.')[0]}-{uuid.uuid4().hex[:6]}"
    typer.echo(f"# 播放 {path.name} 作为通话 {call_id}（{speed}× 实时）")
    ticket = asyncio.run(_play(path, f"ws://{host}:{port}", call_id, agent, speed))
    typer.echo("\n# 工单")
    typer.echo(json.dumps(ticket, ensure_ascii=False, indent=1))
    if once:
        server.should_exit = True
        thread.join(timeout=30)
        return
    typer.echo(f"\n服务继续运行: {base}/panel?call_id={call_id}  （Ctrl+C 退出）")
    try:
        while thread.is_alive():
            thread.join(timeout=1)
    except KeyboardInterrupt:
        server.should_exit = True
        thread.join(timeout=30)


def _pick_call(data_dir: Path | None, call: str | None) -> Path:
    audio_dir = data_dir / "calls" / "dev" / "audio" if data_dir else None
    if audio_dir is None or not audio_dir.is_dir():
        typer.echo("未找到共享数据目录: set ASSISTANT_DATA_DIR", err=True)
        raise typer.Exit(2)
    files = sorted(audio_dir.glob("*.stereo16k.wav"))
    if call:
        files = [f for f in files if f.name.startswith(f"{call}.")]
    if not files:
        typer.echo(f"no call audio {call or ''} in {audio_dir}", err=True)
        raise typer.Exit(2)
    return files[0]


async def _play(path: Path, base: str, call_id: str, agent: str, speed: float) -> dict:
    import httpx
    import websockets

    from assistant.stream_client import stream_file

    async def watch() -> None:  # what the agent's panel receives, printed as it arrives
        async with websockets.connect(f"{base}/ws/panel?call_id={call_id}") as ws:
            async for msg in ws:
                ev = json.loads(msg)
                if ev["type"] == "transcript_final":
                    typer.echo(f"[{ev['start_s']:6.2f}s] {SPEAKER_LABEL[ev['speaker']]}: {ev['text']}")
                elif ev["type"] == "field_update" and ev["new"]:
                    typer.echo(f"          ↳ {ev['label']} = {ev['new']}  ({ev['confidence']:.0%})")
                elif ev["type"] == "ticket_meta" and ev.get("title"):
                    typer.echo(f"          ↳ 模板 {ev.get('matter')}（{ev.get('appeal_type')}） 标题 {ev['title']}")
                elif ev["type"] == "call_state" and ev["state"] != "live":
                    return

    async def start_watching() -> asyncio.Task:
        for _ in range(100):  # the panel can subscribe once the call exists
            await asyncio.sleep(0.05)
            async with httpx.AsyncClient() as client:
                if (await client.get(f"{base.replace('ws', 'http', 1)}/api/calls/{call_id}")).status_code == 200:
                    return asyncio.create_task(watch())
        raise RuntimeError("the call did not start")

    streaming = asyncio.create_task(stream_file(path, f"{base}/ws/call", call_id=call_id, agent_id=agent, speed=speed))
    watcher = await start_watching()
    await streaming
    try:
        await asyncio.wait_for(watcher, timeout=30)
    except asyncio.TimeoutError:
        watcher.cancel()
    async with httpx.AsyncClient() as client:
        return (await client.get(f"{base.replace('ws', 'http', 1)}/api/calls/{call_id}")).json()["ticket"]
