"""From pooled candidates to one value per field: agreement, confirmation, correction and stability rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.extraction.candidates import Candidate
from assistant.extraction.gazetteer import fuzzy_pinyin
from assistant.extraction.person_name import TITLES, split_surname
from assistant.extraction.ticket import Evidence

SWITCH_MARGIN = 0.05     # a new value must beat the shown one by this much (no flip-flopping on equal evidence)
MIN_CONFIDENCE = {"involved_party": 0.35, "demand": 0.45}
# A party named only by its kind (烧烤店, 小公司) is shown on complaints and reports, not on questions.
GENERIC_PARTY_MAX = 0.45
DEFAULT_MIN_CONFIDENCE = 0.3
UNKNOWN_GENDER_TITLE = "先生/女士"


@dataclass
class Resolution:
    value: str | None
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)


NOTHING = Resolution(None, 0.0, [])


def _evidence(cands: list[Candidate]) -> list[Evidence]:
    return [c.evidence for c in sorted(cands, key=lambda c: c.seg_index) if c.evidence is not None][-3:]


def same_sound(a: str, b: str) -> bool:
    return fuzzy_pinyin(a) == fuzzy_pinyin(b)


def resolve_generic(key: str, cands: list[Candidate], current: Resolution | None) -> Resolution:
    """The best-supported value. Agreeing mentions add up a little; a shown value stays unless beaten by a margin,
    refined (a longer value containing it) or corrected/rejected."""
    groups: dict[str | None, list[Candidate]] = {}
    for c in cands:
        groups.setdefault(c.value, []).append(c)
    scored = []
    for value, group in groups.items():
        conf = max(c.effective_confidence() for c in group)
        segments = {c.seg_index for c in group if not c.rejected}
        conf = min(0.99, conf + 0.05 * max(0, len(segments) - 1))
        last = max(c.seg_index for c in group)
        scored.append((conf, last, value, group))
    if not scored:
        return NOTHING
    conf, last, value, group = max(scored, key=lambda x: (x[0], x[1]))
    if current is not None and current.value is not None and current.value != value:
        for c_conf, c_last, c_value, c_group in scored:
            if c_value != current.value:
                continue
            refined = value is not None and current.value in value and len(value) > len(current.value)
            corrected = any(c.correction and c.seg_index >= c_last for c in group)
            if not refined and not corrected and conf < c_conf + SWITCH_MARGIN and c_conf > 0.1:
                conf, last, value, group = c_conf, c_last, c_value, c_group
            break
    if value is not None and conf < MIN_CONFIDENCE.get(key, DEFAULT_MIN_CONFIDENCE):
        return NOTHING
    return Resolution(value, round(conf, 3), _evidence([c for c in group if not c.rejected] or group))


def resolve_name(cands: list[Candidate]) -> Resolution:
    """Full name > the caller's own 李女士 > surname with the agent's 先生/女士 > surname alone; none if declined."""
    live = [c for c in cands if not c.rejected]
    caller = [c for c in live if c.speaker == "caller"]
    agent = [c for c in live if c.speaker == "agent"]
    declined = [c for c in caller if c.kind == "declined"]
    given = [c for c in caller if c.kind != "declined"]
    if declined and not any(c.seg_index >= max(d.seg_index for d in declined) for c in given):
        if not given:
            d = declined[-1]
            return Resolution(None, d.confidence, _evidence([d]))
    full = [c for c in given if c.kind == "full"] + [c for c in agent if c.kind == "full" and c.confirmed]
    if full:
        best = max(full, key=lambda c: (c.effective_confidence(), c.seg_index))
        support = [c for c in live if c.value == best.value]
        conf = min(0.99, best.effective_confidence() + 0.05 * (len(support) - 1))
        return Resolution(best.value, round(conf, 3), _evidence(support))
    titled = [c for c in given if c.kind == "titled"]
    if titled:
        best = max(titled, key=lambda c: c.seg_index)
        support = [c for c in live if c.value == best.value]
        return Resolution(best.value, round(min(0.99, best.confidence + 0.05 * (len(support) - 1)), 3),
                          _evidence(support))
    surnames = [c for c in given if c.kind == "surname"]
    agent_titled = [c for c in agent if c.kind == "titled"]
    if surnames:
        s = max(surnames, key=lambda c: c.seg_index)
        matching = [c for c in agent_titled if c.value and c.value[-2:] in TITLES and (
            c.value[:-2] == s.value or (s.extra.get("by_sound") and same_sound(c.value[:-2], s.value)))]
        if matching:
            a = max(matching, key=lambda c: c.seg_index)
            return Resolution(a.value, round(min(0.97, s.confidence + 0.1), 3), _evidence([s, a]))
        return Resolution(s.value + UNKNOWN_GENDER_TITLE, 0.5, _evidence([s]))
    if agent_titled:
        a = max(agent_titled, key=lambda c: (c.effective_confidence(), c.seg_index))
        if split_surname(a.value or "") is not None:
            return Resolution(a.value, round(a.effective_confidence(), 3), _evidence([a]))
    return NOTHING
