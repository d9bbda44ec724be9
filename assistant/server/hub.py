"""Shared state of the service: live calls, panel subscribers, the model, the thread pools and the store."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

from assistant.config import Settings
from assistant.server.frames import CallStart
from assistant.server.panel_events import (CallStateEvent, EvidenceOut, FieldUpdateEvent, FormField, SnapshotEvent,
                                           TicketMetaEvent, TranscriptFinalEvent, WaitingEvent)
from assistant.server.session import CallSession, form_fields
from assistant.server.storage import Store

log = logging.getLogger(__name__)


class PanelConnection:
    """One panel's outgoing queue. A panel that cannot keep up is disconnected (it reconnects and gets a snapshot)
    rather than slowing the call down."""

    def __init__(self, principal, max_pending: int = 500):
        self.principal = principal
        self.queue: asyncio.Queue[BaseModel | None] = asyncio.Queue(maxsize=max_pending)
        self.call_id: str | None = None
        self.overflowed = False

    def send(self, event: BaseModel) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue = asyncio.Queue(maxsize=1)
            self.queue.put_nowait(None)


class Hub:
    def __init__(self, settings: Settings, engine, store: Store):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.sessions: dict[str, CallSession] = {}
        self.call_panels: dict[str, set[PanelConnection]] = {}
        self.agent_panels: dict[str, set[PanelConnection]] = {}
        self.asr_pool = ThreadPoolExecutor(settings.server.asr_workers, thread_name_prefix="asr")
        self.extract_pool = ThreadPoolExecutor(1, thread_name_prefix="extract")
        self.db_pool = ThreadPoolExecutor(1, thread_name_prefix="db")  # one writer: SQLite serialises anyway
        self.recordings_dir = Path(settings.cache_dir) / "recordings"
        self._catalogue = None

    # ---- resources ----
    def new_tracker(self):
        from assistant.extraction.tracker import TicketTracker

        return TicketTracker()

    def warm_up_extraction(self) -> None:
        """Run one throw-away utterance through a tracker, so the first real call does not pay for lazy loading
        (gazetteer, the learned scorer's encoder: about 0.7 s)."""
        from assistant.extraction.ticket import TextSegment

        tracker = self.new_tracker()
        tracker.add_segment(TextSegment(segment_id="warm-up", speaker="caller",
                                        text="我住在天河区石牌街道，小区门口的路灯坏了一个星期了，电话13800000000"))

    @property
    def catalogue(self):
        if self._catalogue is None:
            from assistant.templates.catalogue import load_catalogue

            self._catalogue = load_catalogue()
        return self._catalogue

    def form(self, template_id: str | None) -> list[FormField]:
        t = self.catalogue.get(template_id) if template_id else None
        if t is not None:
            return form_fields(t)
        from assistant.extraction.ticket import COMMON_FIELD_LABELS

        return [FormField(key=k, label=v, type="text") for k, v in COMMON_FIELD_LABELS.items()]

    async def db(self, fn: Callable, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self.db_pool, partial(fn, *args, **kwargs))

    # ---- calls ----
    async def open_call(self, start: CallStart, protocol: str) -> CallSession:
        if start.call_id in self.sessions:
            raise KeyError(start.call_id)
        if await self.db(self.store.get_call, start.call_id) is not None:
            raise KeyError(start.call_id)
        session = CallSession(self, start, protocol)
        self.sessions[start.call_id] = session
        await self.db(self.store.create_call, id=start.call_id, agent_id=start.agent_id, protocol=protocol,
                      sample_rate=start.sample_rate, encoding=start.encoding, channels=start.channels,
                      state="live", meta={"speakers": {str(k): v for k, v in start.speakers.items()}, **start.meta})
        if start.agent_id:
            for panel in list(self.agent_panels.get(start.agent_id, ())):
                self._attach(panel, session.call_id)
                panel.send(session.snapshot())
        return session

    async def close_call(self, session: CallSession, state: str) -> None:
        await session.finish(state)
        # The ended call stays in memory a while, so its agent can still correct and submit after hang-up.
        asyncio.get_running_loop().call_later(self.settings.server.keep_ended_s, self._evict, session.call_id)

    def _evict(self, call_id: str) -> None:
        session = self.sessions.get(call_id)
        if session is not None and session.state != "live":
            del self.sessions[call_id]

    def publish(self, session: CallSession, event: BaseModel) -> None:
        for panel in list(self.call_panels.get(session.call_id, ())):
            panel.send(event)

    # ---- panels ----
    def _attach(self, panel: PanelConnection, call_id: str) -> None:
        if panel.call_id and panel.call_id in self.call_panels:
            self.call_panels[panel.call_id].discard(panel)
        panel.call_id = call_id
        self.call_panels.setdefault(call_id, set()).add(panel)

    async def subscribe_call(self, panel: PanelConnection, call_id: str) -> BaseModel | None:
        """Attach a panel to a call; returns its snapshot, or None when the call is unknown."""
        session = self.sessions.get(call_id)
        if session is not None:
            self._attach(panel, call_id)
            return session.snapshot()
        stored = await self.db(self.store.get_call, call_id)
        if stored is None:
            return None
        self._attach(panel, call_id)
        return stored_snapshot(stored)

    async def subscribe_agent(self, panel: PanelConnection, agent_id: str) -> BaseModel:
        self.agent_panels.setdefault(agent_id, set()).add(panel)
        live = [s for s in self.sessions.values() if s.agent_id == agent_id and s.state == "live"]
        if live:
            self._attach(panel, live[-1].call_id)
            return live[-1].snapshot()
        return WaitingEvent(agent_id=agent_id)

    def unsubscribe(self, panel: PanelConnection) -> None:
        for group in (*self.call_panels.values(), *self.agent_panels.values()):
            group.discard(panel)

    def shutdown(self) -> None:
        for pool in (self.asr_pool, self.extract_pool, self.db_pool):
            pool.shutdown(wait=True, cancel_futures=False)


def stored_snapshot(call: dict) -> SnapshotEvent:
    """A panel view of a call that is no longer live, rebuilt from the store."""
    segments = [TranscriptFinalEvent(call_id=call["id"], **{k: s[k] for k in ("speaker", "segment_id", "text",
                                                                               "start_s", "end_s")})
                for s in call["segments"]]
    latest: dict[str, dict] = {}
    for ch in call["field_history"]:
        latest[ch["key"]] = ch
    ticket = (call.get("submitted_ticket") or {}).get("ticket") or {}
    meta_keys = ("template_id", "title", "handling_unit")
    fields = [FieldUpdateEvent(call_id=call["id"], key=k, label=k, old=None, new=c["new"],
                               confidence=c["confidence"] or 0.0,
                               evidence=[EvidenceOut(**e) for e in c["evidence"] or []], source=c["source"],
                               locked=c["source"] == "agent")
              for k, c in latest.items() if k not in meta_keys and c["new"] is not None]
    meta = TicketMetaEvent(call_id=call["id"], template_id=ticket.get("template_id") or call.get("template_id"),
                           title=ticket.get("title") or (latest.get("title") or {}).get("new"),
                           handling_unit=ticket.get("handling_unit") or (latest.get("handling_unit") or {}).get("new"),
                           category_l1=ticket.get("category_l1"), appeal_type=ticket.get("appeal_type"),
                           matter=ticket.get("matter"))
    state = CallStateEvent(call_id=call["id"], state=call["state"], agent_id=call["agent_id"], audio_s=call["audio_s"],
                           ticket_id=(call.get("submitted_ticket") or {}).get("id"))
    return SnapshotEvent(call=state, segments=segments, fields=fields, meta=meta)
