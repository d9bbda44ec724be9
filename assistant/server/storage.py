"""Persistence with SQLAlchemy: calls, transcript segments, every field change, submitted tickets.

SQLite (WAL) is the embedded default; PostgreSQL works by URL. Every write commits at once, so nothing that was
acknowledged is lost when the service stops.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, DateTime, Float, ForeignKey, Integer, String, Text, create_engine, event, func, select)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class CallRow(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    agent_id: Mapped[str | None] = mapped_column(String(100), index=True)
    protocol: Mapped[str] = mapped_column(String(30))
    sample_rate: Mapped[int] = mapped_column(Integer)
    encoding: Mapped[str] = mapped_column(String(10))
    channels: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="live")  # live | ended | dropped | submitted
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    audio_path: Mapped[str | None] = mapped_column(Text)
    audio_s: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    template_id: Mapped[str | None] = mapped_column(String(80), index=True)
    district: Mapped[str | None] = mapped_column(String(20), index=True)

    segments: Mapped[list["SegmentRow"]] = relationship(back_populates="call", order_by="SegmentRow.start_s")
    changes: Mapped[list["FieldChangeRow"]] = relationship(back_populates="call", order_by="FieldChangeRow.id")


class SegmentRow(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    segment_id: Mapped[str] = mapped_column(String(40))
    speaker: Mapped[str] = mapped_column(String(10))
    start_s: Mapped[float] = mapped_column(Float)
    end_s: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text)
    words: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    call: Mapped[CallRow] = relationship(back_populates="segments")


class FieldChangeRow(Base):
    __tablename__ = "field_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(10))  # auto | agent
    confidence: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    call_time_s: Mapped[float | None] = mapped_column(Float)  # audio time of the call when it changed
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    call: Mapped[CallRow] = relationship(back_populates="changes")


class TicketRow(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id"), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(100))
    template_id: Mapped[str | None] = mapped_column(String(80))
    fields: Mapped[dict] = mapped_column(JSON)  # the flat ticket (same keys as `assistant extract`)
    auto_fields: Mapped[dict] = mapped_column(JSON)  # what the assistant had filled, for QA's diff
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Store:
    def __init__(self, url: str):
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        Base.metadata.create_all(self.engine)
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    # --- writes (each one commits) ---
    def create_call(self, **values: Any) -> None:
        with self.session.begin() as s:
            s.merge(CallRow(**values))

    def update_call(self, call_id: str, **values: Any) -> None:
        with self.session.begin() as s:
            row = s.get(CallRow, call_id)
            if row is not None:
                for k, v in values.items():
                    setattr(row, k, v)

    def add_segment(self, call_id: str, **values: Any) -> None:
        with self.session.begin() as s:
            s.add(SegmentRow(call_id=call_id, **values))

    def add_field_changes(self, call_id: str, changes: list[dict]) -> None:
        if not changes:
            return
        with self.session.begin() as s:
            s.add_all(FieldChangeRow(call_id=call_id, **c) for c in changes)

    def add_ticket(self, call_id: str, **values: Any) -> int:
        with self.session.begin() as s:
            row = TicketRow(call_id=call_id, **values)
            s.add(row)
            s.flush()
            call = s.get(CallRow, call_id)
            if call is not None:
                call.state = "submitted"
                call.template_id = values.get("template_id")
                call.district = (values.get("fields") or {}).get("district")
            return row.id

    def close_live_calls(self, state: str = "dropped") -> int:
        """On start-up: calls still marked live belonged to a service that stopped; keep them, closed."""
        with self.session.begin() as s:
            rows = s.scalars(select(CallRow).where(CallRow.state == "live")).all()
            for r in rows:
                r.state, r.ended_at = state, r.ended_at or utcnow()
            return len(rows)

    # --- reads ---
    def list_calls(self, agent_id: str | None = None, limit: int = 200, **filters: Any) -> list[dict]:
        with self.session() as s:
            q = select(CallRow).order_by(CallRow.started_at.desc()).limit(limit)
            if agent_id is not None:
                q = q.where(CallRow.agent_id == agent_id)
            for k in ("template_id", "district", "state"):
                if filters.get(k):
                    q = q.where(getattr(CallRow, k) == filters[k])
            if filters.get("since"):
                q = q.where(CallRow.started_at >= filters["since"])
            if filters.get("until"):
                q = q.where(CallRow.started_at <= filters["until"])
            if filters.get("text"):
                sub = select(SegmentRow.call_id).where(SegmentRow.text.contains(filters["text"]))
                q = q.where(CallRow.id.in_(sub))
            return [_call_dict(r) for r in s.scalars(q)]

    def get_call(self, call_id: str) -> dict | None:
        with self.session() as s:
            row = s.get(CallRow, call_id)
            if row is None:
                return None
            out = _call_dict(row)
            out["segments"] = [{"segment_id": g.segment_id, "speaker": g.speaker, "start_s": g.start_s,
                                "end_s": g.end_s, "text": g.text, "words": g.words} for g in row.segments]
            out["field_history"] = [{"key": c.key, "old": c.old, "new": c.new, "source": c.source,
                                     "confidence": c.confidence, "evidence": c.evidence, "call_time_s": c.call_time_s,
                                     "at": c.at.isoformat()} for c in row.changes]
            t = s.scalars(select(TicketRow).where(TicketRow.call_id == call_id).order_by(TicketRow.id.desc())).first()
            out["submitted_ticket"] = _ticket_dict(t) if t else None
            return out

    def audio_of(self, call_id: str) -> tuple[str | None, str | None] | None:
        """(recording path, agent id) of a call, or None when the call is unknown."""
        with self.session() as s:
            row = s.get(CallRow, call_id)
            return (row.audio_path, row.agent_id) if row is not None else None

    def get_ticket(self, ticket_id: int) -> dict | None:
        with self.session() as s:
            t = s.get(TicketRow, ticket_id)
            return _ticket_dict(t) if t else None

    def tickets(self) -> list[dict]:
        with self.session() as s:
            return [_ticket_dict(t) for t in s.scalars(select(TicketRow).order_by(TicketRow.id))]

    def count_calls(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(CallRow)) or 0


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _call_dict(r: CallRow) -> dict:
    return {"id": r.id, "agent_id": r.agent_id, "protocol": r.protocol, "sample_rate": r.sample_rate,
            "encoding": r.encoding, "channels": r.channels, "state": r.state,
            "started_at": r.started_at.isoformat() if r.started_at else None,
            "ended_at": r.ended_at.isoformat() if r.ended_at else None, "audio_s": round(r.audio_s or 0.0, 3),
            "has_audio": bool(r.audio_path), "template_id": r.template_id, "district": r.district, "meta": r.meta}


def _ticket_dict(t: TicketRow) -> dict:
    return {"id": t.id, "call_id": t.call_id, "agent_id": t.agent_id, "template_id": t.template_id,
            "ticket": t.fields, "auto": t.auto_fields, "submitted_at": t.submitted_at.isoformat()}

