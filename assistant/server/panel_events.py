"""Typed messages between the service and the agent panel (JSON schema at GET /api/schema/panel).

Server → panel: snapshot (on subscribe / reconnect), transcript partials and finals, field updates with evidence,
ticket meta (template top-3, title, handling unit, form), call state, action results and errors.
Panel → server: edit_field, choose_template, submit.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter

from assistant.asr.events import Speaker
from assistant.extraction.ticket import TemplateChoice as TemplateOption  # the extractor's top-3 entries, as is


class EvidenceOut(BaseModel):
    segment_id: str
    start: int
    end: int
    text: str


class TranscriptPartialEvent(BaseModel):
    type: Literal["transcript_partial"] = "transcript_partial"
    call_id: str
    speaker: Speaker
    segment_id: str
    text: str
    stable: str = ""
    start_s: float
    end_s: float


class StageTimings(BaseModel):
    """Where the time went for one final segment (for latency benchmarks and diagnostics)."""

    endpoint_s: float | None = Field(None, description="audio time the VAD decided the segment had ended")
    asr_decode_s: float | None = None
    extract_s: float | None = None


class TranscriptFinalEvent(BaseModel):
    type: Literal["transcript_final"] = "transcript_final"
    call_id: str
    speaker: Speaker
    segment_id: str
    text: str
    start_s: float
    end_s: float
    timings: StageTimings | None = None


class FieldUpdateEvent(BaseModel):
    type: Literal["field_update"] = "field_update"
    call_id: str
    key: str
    label: str
    old: str | None
    new: str | None
    confidence: float
    evidence: list[EvidenceOut] = []
    source: Literal["auto", "agent"] = "auto"
    locked: bool = False
    speech_end_s: float | None = Field(None, description="audio time of the speech end that led to this update")
    timings: StageTimings | None = None


class FormField(BaseModel):
    key: str
    label: str
    type: str
    options: list[str] = []
    required: bool = False


class TicketMetaEvent(BaseModel):
    type: Literal["ticket_meta"] = "ticket_meta"
    call_id: str
    template_top3: list[TemplateOption] = []
    template_id: str | None = None
    template_locked: bool = False
    category_l1: str | None = None
    appeal_type: str | None = None
    matter: str | None = None
    title: str | None = None
    handling_unit: str | None = None
    form: list[FormField] = []
    speech_end_s: float | None = None


class CallStateEvent(BaseModel):
    type: Literal["call_state"] = "call_state"
    call_id: str
    state: Literal["live", "ended", "dropped", "submitted"]
    agent_id: str | None = None
    audio_s: float = 0.0
    ticket_id: int | None = None


class SnapshotEvent(BaseModel):
    """Everything a panel needs to draw a call from scratch (after a reconnect, too)."""

    type: Literal["snapshot"] = "snapshot"
    call: CallStateEvent
    segments: list[TranscriptFinalEvent] = []
    partials: list[TranscriptPartialEvent] = []
    fields: list[FieldUpdateEvent] = []
    meta: TicketMetaEvent


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    code: str
    message: str


class ActionResultEvent(BaseModel):
    type: Literal["action_ok"] = "action_ok"
    action: str
    detail: dict[str, Any] = {}


class WaitingEvent(BaseModel):
    """Subscribed to an agent's current call, but the agent has none right now."""

    type: Literal["waiting"] = "waiting"
    agent_id: str


PanelEvent = (SnapshotEvent | TranscriptPartialEvent | TranscriptFinalEvent | FieldUpdateEvent | TicketMetaEvent
              | CallStateEvent | ErrorEvent | ActionResultEvent | WaitingEvent)


class EditField(BaseModel):
    type: Literal["edit_field"]
    key: str = Field(min_length=1, max_length=60)
    value: str | None = Field(None, max_length=2000)


class ChooseTemplate(BaseModel):
    type: Literal["choose_template"]
    template_id: str = Field(min_length=1, max_length=80)


class Submit(BaseModel):
    type: Literal["submit"]


PanelAction = EditField | ChooseTemplate | Submit
panel_action_adapter: TypeAdapter[PanelAction] = TypeAdapter(Annotated[PanelAction, Field(discriminator="type")])


def panel_schema() -> dict:
    return {
        "server_to_panel": TypeAdapter(PanelEvent).json_schema(),
        "panel_to_server": panel_action_adapter.json_schema(),
    }
