"""`assistant serve`, `assistant stream`, `assistant listen`: the live service and its audio sources."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Optional

import typer


def serve(host: Optional[str] = typer.Option(None, help="bind address (default: settings)"),
          port: Optional[int] = typer.Option(None, help="port (default: settings, 8345)"),
          log_level: str = typer.Option("info")) -> None:
    """Run the live service: WebSocket audio ingest, the agent panel, QA pages and the REST API."""
    import uvicorn

    from assistant.config import get_settings
    from assistant.server.app import create_app

    s = get_settings()
    host, port = host or s.server.host, port or s.server.port
    typer.echo(f"坐席面板: http://{host}:{port}/panel   质检回放: http://{host}:{port}/qa   API: http://{host}:{port}/docs")
    uvicorn.run(create_app(s), host=host, port=port, log_level=log_level,
                ws_max_size=max(16 * 2**20, 4 * s.server.max_message_bytes))


def stream(file: Path = typer.Argument(..., help="call recording to play as a live call"),
           url: str = typer.Option("ws://127.0.0.1:8345/ws/call", help="the service's call endpoint"),
           call_id: Optional[str] = typer.Option(None, "--call-id"), agent: Optional[str] = typer.Option(None, "--agent"),
           speed: float = typer.Option(1.0, help="1.0 = real time"), token: Optional[str] = typer.Option(None),
           verbose: bool = typer.Option(False, "--verbose", "-v", help="print every server reply")) -> None:
    """Play a recording into the service over the project's own protocol, paced in real time."""
    from assistant.stream_client import stream_file

    call_id = call_id or f"{file.stem.split('.')[0]}-{uuid.uuid4().hex[:6]}"

    def show(reply: dict) -> None:
        if verbose or reply.get("type") in ("error", "stopped"):
            typer.echo(json.dumps(reply, ensure_ascii=False))

    try:
        asyncio.run(stream_file(file, url, call_id=call_id, agent_id=agent, speed=speed, token=token, on_reply=show))
    except (OSError, RuntimeError) as exc:
        typer.echo(f"错误: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"call {call_id} streamed")


def listen(url: str = typer.Option("ws://127.0.0.1:8345/ws/call"), agent: Optional[str] = typer.Option(None, "--agent"),
           device: Optional[str] = typer.Option(None, help="input device name or index (see --list)"),
           channels: int = typer.Option(1, help="1: microphone (agent); 2: loopback stereo (agent, caller)"),
           rate: int = typer.Option(16000), token: Optional[str] = typer.Option(None),
           list_devices: bool = typer.Option(False, "--list", help="list audio devices and exit")) -> None:
    """Stream a local microphone / softphone loopback into the service as a live call (Ctrl+C ends it)."""
    from assistant.asr.microphone import MicrophoneError, list_input_devices
    from assistant.stream_client import stream_microphone

    try:
        if list_devices:
            for line in list_input_devices():
                typer.echo(line)
            return
        asyncio.run(stream_microphone(url, agent_id=agent, device=device, channels=channels, rate=rate, token=token))
    except MicrophoneError as exc:
        typer.echo(f"错误: {exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        pass
