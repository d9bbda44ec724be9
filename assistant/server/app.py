"""The ASGI application: WebSocket ingest (native, FreeSWITCH audio_fork, Twilio), the panel WebSocket, REST, UI."""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.websockets import WebSocketState

from assistant.config import Settings, get_settings
from assistant.server import auth
from assistant.server.frames import AudioFrame, CallStart, CallStop, ProtocolError
from assistant.server.hub import Hub, PanelConnection
from assistant.server.panel_events import (ActionResultEvent, ChooseTemplate, EditField, ErrorEvent,
                                           panel_action_adapter, panel_schema)
from assistant.server.qa_routes import router as qa_router
from assistant.server.serializers.audio_fork import AudioForkSerializer
from assistant.server.serializers.native import NativeSerializer
from assistant.server.serializers.twilio import TwilioSerializer
from assistant.server.storage import Store

log = logging.getLogger(__name__)
POLICY_VIOLATION = 1008


def create_app(settings: Settings | None = None, engine: Any = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from assistant.engines import get_engine

        store = Store(settings.database_url)
        closed = store.close_live_calls()
        if closed:
            log.warning("%d call(s) left live by a previous run were closed as dropped", closed)
        hub = Hub(settings, engine or get_engine(settings=settings), store)
        # Load the catalogue, build the extractor's resources and warm the recogniser before the first call.
        hub.catalogue
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, hub.warm_up_extraction)
        await loop.run_in_executor(None, hub.engine.warm_up)
        app.state.hub = hub
        yield
        for session in list(hub.sessions.values()):  # keep everything acknowledged: drain and store open calls
            if session.state == "live":
                await hub.close_call(session, "dropped")
        hub.shutdown()

    app = FastAPI(title="12345 热线话务助手", version="0.1.0", lifespan=lifespan,
                  description="Live speech-to-ticket assistant: audio in over WebSockets, ticket out to the panel.")
    static = resources.files("assistant.web_ui") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(qa_router)

    def hub_of(conn) -> Hub:
        return conn.app.state.hub

    def require(request: Request):
        principal = auth.principal_for(request, settings)
        if principal is None:
            raise HTTPException(401, "missing or unknown token")
        return principal

    # ---------- pages ----------
    @app.get("/", include_in_schema=False)
    async def index():
        return RedirectResponse("/panel")

    @app.get("/panel", include_in_schema=False)
    async def panel_page():
        return FileResponse(str(static / "panel.html"))

    @app.get("/qa", include_in_schema=False)
    async def qa_page():
        return FileResponse(str(static / "qa.html"))

    # ---------- REST ----------
    @app.get("/api/health")
    async def health(request: Request) -> dict:
        hub = hub_of(request)
        return {"status": "ok", "live_calls": sum(s.state == "live" for s in hub.sessions.values()),
                "asr_backend": getattr(hub.engine, "name", "?")}

    @app.get("/api/calls")
    async def list_calls(request: Request, agent_id: str | None = None, template_id: str | None = None,
                         district: str | None = None, state: str | None = None, q: str | None = None,
                         since: datetime | None = None, until: datetime | None = None,
                         limit: int = Query(200, ge=1, le=1000)) -> list[dict]:
        """Stored calls, newest first. Agents see their own calls only; QA sees all."""
        principal = require(request)
        if principal.role == "agent":
            agent_id = principal.agent_id
        hub = hub_of(request)
        return await hub.db(hub.store.list_calls, agent_id=agent_id, limit=limit, template_id=template_id,
                            district=district, state=state, text=q, since=_utc(since), until=_utc(until))

    @app.get("/api/calls/{call_id}")
    async def get_call(request: Request, call_id: str) -> dict:
        """A call with its segments, its current ticket (keys as `assistant extract`) and the field history."""
        principal = require(request)
        hub = hub_of(request)
        call = await hub.db(hub.store.get_call, call_id)
        if call is None or not auth.may_view(principal, call["agent_id"]):
            raise HTTPException(404, f"unknown call {call_id}")
        session = hub.sessions.get(call_id)
        if session is not None:
            call["ticket"] = session.tracker.ticket.flat()
        elif call["submitted_ticket"]:
            call["ticket"] = call["submitted_ticket"]["ticket"]
        else:
            call["ticket"] = _ticket_from_history(call)
        return call

    @app.get("/api/calls/{call_id}/audio", include_in_schema=True)
    async def call_audio(request: Request, call_id: str):
        principal = require(request)
        hub = hub_of(request)
        found = await hub.db(hub.store.audio_of, call_id)
        if found is None or not found[0] or not auth.may_view(principal, found[1]):
            raise HTTPException(404, f"no audio for call {call_id}")
        return FileResponse(found[0], media_type="audio/wav")

    @app.get("/api/tickets/{ticket_id}")
    async def get_ticket(request: Request, ticket_id: int) -> dict:
        principal = require(request)
        hub = hub_of(request)
        t = await hub.db(hub.store.get_ticket, ticket_id)
        if t is None or not auth.may_view(principal, t["agent_id"]):
            raise HTTPException(404, f"unknown ticket {ticket_id}")
        return t

    @app.get("/api/schema/panel")
    async def schema() -> dict:
        """JSON schema of the panel WebSocket's messages (both directions)."""
        return panel_schema()

    # ---------- audio ingest ----------
    @app.websocket("/ws/call")
    async def ws_native(ws: WebSocket):
        await ingest(ws, NativeSerializer(), acks=True)

    @app.websocket("/ws/audio-fork")
    async def ws_audio_fork(ws: WebSocket):
        await ingest(ws, AudioForkSerializer(dict(ws.query_params)))

    @app.websocket("/ws/twilio")
    async def ws_twilio(ws: WebSocket):
        await ingest(ws, TwilioSerializer(dict(ws.query_params)))

    async def ingest(ws: WebSocket, serializer, acks: bool = False) -> None:
        principal = auth.principal_for(ws, settings)
        if principal is None or not auth.origin_allowed(ws, settings):
            await ws.close(POLICY_VIOLATION, "unauthorised" if principal is None else "origin not allowed")
            return
        subprotocol = "audio.drachtio.org" if "audio.drachtio.org" in ws.scope.get("subprotocols", []) else None
        await ws.accept(subprotocol=subprotocol)
        hub = hub_of(ws)
        session = None
        last_overload = 0.0
        frames_in = 0

        async def reply(obj: dict) -> None:
            if ws.application_state == WebSocketState.CONNECTED:
                await ws.send_json(obj)

        try:
            while True:
                msg = await ws.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                data = msg.get("bytes") if msg.get("bytes") is not None else msg.get("text")
                if data is None:
                    continue
                if len(data) > settings.server.max_message_bytes:
                    await reply({"type": "error", "code": "too_large",
                                 "message": f"message of {len(data)} bytes exceeds {settings.server.max_message_bytes}"})
                    continue
                try:
                    frames = serializer.parse(data)
                except ProtocolError as exc:
                    await reply({"type": "error", "code": exc.code, "message": str(exc)})
                    continue
                for frame in frames:
                    if isinstance(frame, CallStart):
                        if not auth.may_stream_as(principal, frame.agent_id):
                            await reply({"type": "error", "code": "forbidden",
                                         "message": f"this token may not stream calls for agent {frame.agent_id}"})
                            await ws.close(POLICY_VIOLATION, "forbidden")
                            return
                        try:
                            session = await hub.open_call(frame, serializer.protocol)
                        except KeyError:
                            await reply({"type": "error", "code": "duplicate_call",
                                         "message": f"call {frame.call_id} already exists"})
                            await ws.close(POLICY_VIOLATION, "duplicate call id")
                            return
                        if acks:
                            await reply({"type": "started", "call_id": frame.call_id})
                    elif isinstance(frame, AudioFrame):
                        if session is None or session.state != "live":
                            await reply({"type": "error", "code": "not_started", "message": "no call in progress"})
                            continue
                        frames_in += 1
                        if not session.offer(frame):
                            now = time.monotonic()
                            if now - last_overload > 1.0:
                                last_overload = now
                                await reply({"type": "error", "code": "overloaded",
                                             "message": f"call {session.call_id}: audio backlog full, frame dropped "
                                                        f"({session.dropped_frames} so far)"})
                        elif acks and frames_in % 10 == 0:
                            await reply({"type": "ack", "frames": frames_in, "audio_s": round(session.audio_s, 3)})
                    elif isinstance(frame, CallStop):
                        if session is not None and session.state == "live":
                            await hub.close_call(session, "ended")
                            if acks:
                                await reply({"type": "stopped", "call_id": session.call_id,
                                             "segments": len(session.segments), "audio_s": round(session.audio_s, 3)})
                        await ws.close()
                        return
        except WebSocketDisconnect:
            pass
        finally:
            if session is not None and session.state == "live":
                await hub.close_call(session, "ended" if serializer.close_ends_call else "dropped")

    # ---------- agent panel ----------
    @app.websocket("/ws/panel")
    async def ws_panel(ws: WebSocket):
        principal = auth.principal_for(ws, settings)
        if principal is None or not auth.origin_allowed(ws, settings):
            await ws.close(POLICY_VIOLATION, "unauthorised" if principal is None else "origin not allowed")
            return
        await ws.accept()
        hub = hub_of(ws)
        conn = PanelConnection(principal)
        call_id = ws.query_params.get("call_id")
        agent_id = ws.query_params.get("agent_id") or (principal.agent_id if not call_id else None)
        if call_id:
            first = await hub.subscribe_call(conn, call_id)
            owner = first.call.agent_id if first is not None else None
            if first is None or not auth.may_view(principal, owner):
                hub.unsubscribe(conn)
                await ws.send_text(ErrorEvent(code="unknown_call", message=f"未找到通话 {call_id}").model_dump_json())
                await ws.close(POLICY_VIOLATION, "unknown call")
                return
        elif agent_id and auth.may_view(principal, agent_id):
            first = await hub.subscribe_agent(conn, agent_id)
        else:
            await ws.send_text(ErrorEvent(code="bad_subscription",
                                          message="需要 call_id 或本人的 agent_id").model_dump_json())
            await ws.close(POLICY_VIOLATION, "bad subscription")
            return
        conn.send(first)
        sender = asyncio.create_task(_pump(ws, conn))
        try:
            while True:
                text = await ws.receive_text()
                if len(text) > settings.server.max_message_bytes:
                    conn.send(ErrorEvent(code="too_large", message="消息过大"))
                    continue
                await _panel_action(hub, conn, text)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            hub.unsubscribe(conn)
            sender.cancel()

    async def _panel_action(hub: Hub, conn: PanelConnection, text: str) -> None:
        try:
            action = panel_action_adapter.validate_json(text)
        except ValidationError as exc:
            conn.send(ErrorEvent(code="bad_action", message=f"无法识别的操作: {exc.errors()[0]['msg']}"))
            return
        session = hub.sessions.get(conn.call_id or "")
        if session is None:
            conn.send(ErrorEvent(code="no_call", message="当前没有可操作的通话"))
            return
        if session.state == "submitted":
            conn.send(ErrorEvent(code="already_submitted", message="工单已提交"))
            return
        if isinstance(action, EditField):
            await session.edit_field(action.key, action.value)
            conn.send(ActionResultEvent(action="edit_field", detail={"key": action.key}))
        elif isinstance(action, ChooseTemplate):
            if action.template_id not in hub.catalogue:
                conn.send(ErrorEvent(code="unknown_template", message=f"未知模板 {action.template_id}"))
                return
            await session.choose_template(action.template_id)
            conn.send(ActionResultEvent(action="choose_template", detail={"template_id": action.template_id}))
        else:
            ticket_id = await session.submit()
            conn.send(ActionResultEvent(action="submit", detail={"ticket_id": ticket_id}))

    return app


async def _pump(ws: WebSocket, conn: PanelConnection) -> None:
    try:
        while (event := await conn.queue.get()) is not None:
            await ws.send_text(event.model_dump_json())
        await ws.close(1013, "panel too slow; reconnect for a fresh snapshot")
    except Exception:  # the socket went away; the receive loop ends the connection
        pass


def _utc(t: datetime | None) -> datetime | None:
    """Stored times are UTC; a filter given with another offset (or none: taken as UTC) is converted."""
    if t is None or t.tzinfo is None:
        return t
    return t.astimezone(timezone.utc).replace(tzinfo=None)


def _ticket_from_history(call: dict) -> dict:
    from assistant.extraction.ticket import GOLD_KEYS

    latest: dict[str, Any] = {}
    for ch in call["field_history"]:
        latest[ch["key"]] = ch["new"]
    out = {k: latest.get(k) for k in GOLD_KEYS}
    out["template_id"] = latest.get("template_id")
    out["handling_unit"] = latest.get("handling_unit")
    return out
