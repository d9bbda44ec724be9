"""The template's own fields (噪声来源, 摊贩类型, 未清运天数 …), filled from the caller's words using the field's
options and hints from the catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.extraction.candidates import SegmentView
from assistant.extraction.textnorm import clauses
from assistant.extraction.ticket import Evidence
from assistant.templates.schema import FieldType, TemplateField

_COUNT = re.compile(r"(?:\d+(?:\.\d+)?|[两一二三四五六七八九十几半]+)(?:个?多?(?:天|日|周|星期|月|年|次|趟|人|户|家|辆|栋|层|"
                    r"小时|分钟)|个)")
# Common-field values a typed template field may take when its hints are heard.
_FROM_COMMON = {FieldType.datetime: "event_time", FieldType.amount: "amount", FieldType.organisation: "involved_party",
                FieldType.phone: "caller_phone", FieldType.address: "address"}


@dataclass(frozen=True)
class FieldGuess:
    value: str
    confidence: float
    evidence: Evidence


def _hint_clauses(views: list[SegmentView], hints: tuple[str, ...]):
    for view in views:
        text = view.text
        for a, b in clauses(text):
            clause = text[a:b]
            if any(h in clause for h in hints):
                yield view, a, b, clause


def guess_field(field: TemplateField, views: list[SegmentView], common: dict[str, str | None]) -> FieldGuess | None:
    """A value for one template-specific field from the caller's segments, or None."""
    if field.type is FieldType.enum:
        for view in views:
            for option in field.options:
                if option != "其他" and len(option) >= 2 and option in view.text:
                    i = view.text.index(option)
                    return FieldGuess(option, 0.7, view.evidence(i, i + len(option)))
        for view, a, b, clause in _hint_clauses(views, field.hints):
            scored = sorted(((len(set(o) & set(clause)), o) for o in field.options if o != "其他"), reverse=True)
            if scored and scored[0][0] >= 2 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
                return FieldGuess(scored[0][1], 0.45, view.evidence(a, b))
        return None
    if field.type in _FROM_COMMON:
        value = common.get(_FROM_COMMON[field.type])
        if value and any(True for _ in _hint_clauses(views, field.hints)):
            view, a, b, _ = next(_hint_clauses(views, field.hints))
            return FieldGuess(value, 0.5, view.evidence(a, b))
        return None
    if field.type is FieldType.count:
        for view, a, b, clause in _hint_clauses(views, field.hints):
            m = _COUNT.search(clause)
            if m:
                return FieldGuess(m.group(0), 0.5, view.evidence(a + m.start(), a + m.end()))
        return None
    if field.type in (FieldType.text, FieldType.person):
        best = None
        for view, a, b, clause in _hint_clauses(views, field.hints):
            if len(clause) <= 24 and (best is None or len(clause) < len(best[3])):
                best = (view, a, b, clause)
        if best:
            view, a, b, clause = best
            return FieldGuess(clause, 0.4, view.evidence(a, b))
    return None
