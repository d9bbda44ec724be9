"""The ticket a call fills in, the segments that feed it and the updates it reports (pydantic models).

These are the shapes the live server and `assistant extract` exchange with the extractor; keep them stable.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Speaker = Literal["agent", "caller"]
FieldSource = Literal["auto", "agent"]

# The keys a clerk's record carries (../shared/data/calls/FORMAT.md), in order. `flat()` always emits all of them.
GOLD_KEYS: tuple[str, ...] = (
    "appeal_type", "category_l1", "matter", "caller_name", "caller_phone", "district", "street", "address",
    "event_time", "involved_party", "amount", "demand", "title",
)
# Ticket attributes that are not template fields but come with the template choice or are derived.
TICKET_ATTRIBUTES: frozenset[str] = frozenset({"appeal_type", "category_l1", "matter", "title"})
# Fields every ticket carries whatever the template (the catalogue's common field library).
COMMON_FIELD_LABELS: dict[str, str] = {
    "caller_name": "来电人",
    "caller_phone": "联系电话",
    "id_number": "身份证号",
    "district": "区",
    "street": "街道/镇",
    "address": "详细地址",
    "event_time": "发生时间",
    "involved_party": "涉事对象",
    "amount": "涉及金额",
    "demand": "诉求",
}


class TextSegment(BaseModel):
    """One final transcript segment of one speaker."""

    model_config = ConfigDict(frozen=True)

    segment_id: str = Field(min_length=1)
    speaker: Speaker
    text: str
    start_s: float | None = None
    end_s: float | None = None

    @field_validator("text")
    @classmethod
    def _str(cls, v: str) -> str:
        return v.strip()


class Evidence(BaseModel):
    """Where a value was heard: a character span [start, end) of one segment's original text."""

    model_config = ConfigDict(frozen=True)

    segment_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


class FieldValue(BaseModel):
    key: str
    label: str
    value: str | None = None
    confidence: float = Field(0.0, ge=0.0, le=1.0)
    evidence: list[Evidence] = Field(default_factory=list)
    source: FieldSource = "auto"


class FieldUpdate(BaseModel):
    key: str
    old: str | None
    new: str | None
    confidence: float
    evidence: list[Evidence] = Field(default_factory=list)
    source: FieldSource = "auto"


class TemplateChoice(BaseModel):
    template_id: str
    score: float
    matter: str
    category_l1: str
    appeal_type: str


class Ticket(BaseModel):
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    template_top3: list[TemplateChoice] = Field(default_factory=list)
    template_id: str | None = None
    template_locked: bool = False
    category_l1: str | None = None
    appeal_type: str | None = None
    matter: str | None = None
    title: str | None = None
    handling_unit: str | None = None

    def value(self, key: str) -> str | None:
        f = self.fields.get(key)
        return f.value if f is not None else None

    def flat(self) -> dict[str, str | None]:
        """The clerk's record: exactly the gold keys plus template_id and handling_unit, None where unknown."""
        out: dict[str, str | None] = {}
        for key in GOLD_KEYS:
            out[key] = getattr(self, key) if key in TICKET_ATTRIBUTES else self.value(key)
        out["template_id"] = self.template_id
        out["handling_unit"] = self.handling_unit
        return out


class TicketUpdate(BaseModel):
    """What one segment changed. Ticket-level values are always the current ones; `changed` names those that moved."""

    segment_id: str
    field_updates: list[FieldUpdate] = Field(default_factory=list)
    template_top3: list[TemplateChoice] = Field(default_factory=list)
    template_id: str | None = None
    category_l1: str | None = None
    appeal_type: str | None = None
    matter: str | None = None
    title: str | None = None
    handling_unit: str | None = None
    changed: list[str] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.field_updates and not self.changed
