"""TicketTracker: one per call. Feed it final transcript segments; it keeps the ticket filled in.

    tracker = TicketTracker()
    update = tracker.add_segment(TextSegment(segment_id="s1", speaker="caller", text="…"))
    tracker.set_field("caller_name", "王先生")     # an agent edit: locked, never overwritten
    tracker.choose_template("eco.noise.complaint")   # the agent's choice: locked
    tracker.ticket.flat()                            # the clerk's record

Every update re-resolves all fields from the pooled candidates (cheap: a call has a few hundred) and re-ranks
templates when the scorers' view or the caller's words changed.
"""

from __future__ import annotations

from collections import defaultdict

from assistant.extraction.appeal import cue_scores
from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState, reply_polarity, topic_text
from assistant.extraction.gazetteer import PlaceHit
from assistant.extraction.location import PLACE_KEY, choose_address, resolve_places
from assistant.extraction.phone import apply_partial
from assistant.extraction.resolve import GENERIC_PARTY_MAX, NOTHING, Resolution, resolve_generic, resolve_name
from assistant.extraction.resources import ExtractionResources, default_resources
from assistant.extraction.routing import suggest_unit
from assistant.extraction.template_fields import guess_field
from assistant.extraction.template_scoring import combine
from assistant.extraction.textnorm import normalize
from assistant.extraction.ticket import (
    COMMON_FIELD_LABELS, FieldUpdate, FieldValue, TemplateChoice, TextSegment, Ticket, TicketUpdate,
)
from assistant.templates.schema import Template
from assistant.templates.title import render_title

# Values the agent reads back for the caller to confirm.
READBACK_KEYS = frozenset({"caller_phone", "caller_name", "address", PLACE_KEY, "involved_party"})
# Ticket-level values an agent may also set by hand.
EDITABLE_ATTRIBUTES = ("title", "handling_unit")
_TRACKED_ATTRIBUTES = ("template_id", "category_l1", "appeal_type", "matter", "title", "handling_unit")


class TicketTracker:
    def __init__(self, resources: ExtractionResources | None = None) -> None:
        self.resources = resources or default_resources()
        self._views: list[SegmentView] = []
        self._ids: set[str] = set()
        self._cands: dict[str, list[Candidate]] = defaultdict(list)
        self._state = DialogueState()
        self._sessions = [(scorer.session(), weight) for scorer, weight in self.resources.scorers]
        self._caller_texts: list[str] = []
        self._answering_address: set[int] = set()
        self._readbacks: set[int] = set()          # agent segments that read values back for confirmation
        self._address_cache: dict = {}
        self._hits: dict[int, list[PlaceHit]] = {}
        self._auto: dict[str, Resolution] = {}
        self._agent: dict[str, FieldValue] = {}
        self._agent_attributes: dict[str, str | None] = {}
        self._template: Template | None = None
        self._template_locked = False
        self._top3: list[TemplateChoice] = []
        self._scores = None
        self._ticket = Ticket()

    # -- public API ----------------------------------------------------------------------------------------------
    @property
    def ticket(self) -> Ticket:
        return self._ticket

    @property
    def segments(self) -> list[TextSegment]:
        return [v.segment for v in self._views]

    def add_segment(self, segment: TextSegment) -> TicketUpdate:
        """Take one final transcript segment; returns what it changed on the ticket."""
        if not isinstance(segment, TextSegment):
            raise TypeError(f"expected a TextSegment, got {type(segment).__name__}")
        if segment.segment_id in self._ids:
            raise ValueError(f"segment {segment.segment_id!r} was already added")
        self._ids.add(segment.segment_id)
        before = self._ticket
        view = SegmentView(len(self._views), segment, normalize(segment.text),
                           self._state.asked if segment.speaker == "caller" else frozenset())
        self._views.append(view)
        new = [c for p in self.resources.proposers for c in p.propose(view, self._state)]
        if segment.speaker == "caller":
            self._caller_turn(view, new)
        else:
            self._agent_turn(view, new)
        for c in new:
            if c.correction:
                for old in self._cands[c.key]:
                    if old.value != c.value and old.seg_index < c.seg_index:
                        old.rejected = True
            self._cands[c.key].append(c)
        hits = [c.extra["hit"] for c in new if c.key == PLACE_KEY]
        if hits:
            self._hits[view.index] = hits
        scores_changed = False
        topic = topic_text(view.text)   # the matter, without greetings and contact details
        if topic:
            for session, _ in self._sessions:
                scores_changed |= session.add(view.with_text(topic))
        self._resolve_fields()
        # The agent's greeting alone says nothing about the matter: templates wait for the caller's first words.
        caller_spoke = any(v.speaker == "caller" and v.text for v in self._views)
        if caller_spoke and (scores_changed or (segment.speaker == "caller" and view.text)):
            self._rank_templates()
        self._rebuild()
        return self._diff(before, segment.segment_id)

    def set_field(self, key: str, value: str | None) -> TicketUpdate:
        """An agent's edit: the field takes this value and auto-fill never changes it again."""
        if value is not None and not isinstance(value, str):
            raise TypeError(f"a field value is text or None, got {type(value).__name__}")
        before = self._ticket
        if key in EDITABLE_ATTRIBUTES:
            self._agent_attributes[key] = value
        else:
            allowed = set(COMMON_FIELD_LABELS) | {f.key for f in (self._template.fields if self._template else ())}
            if key not in allowed:
                raise ValueError(f"unknown field {key!r}; this ticket has: {', '.join(sorted(allowed))}")
            self._agent[key] = FieldValue(key=key, label=self._label(key), value=value, confidence=1.0,
                                          source="agent")
        self._rebuild()
        return self._diff(before, "agent-edit")

    def choose_template(self, template_id: str) -> TicketUpdate:
        """The agent picks the template: it stays, whatever the conversation says later."""
        template = self.resources.catalogue.get(template_id)
        if template is None:
            raise ValueError(f"unknown template {template_id!r}")
        before = self._ticket
        self._template = template
        self._template_locked = True
        self._rebuild()
        return self._diff(before, "agent-edit")

    # -- dialogue ------------------------------------------------------------------------------------------------
    def _caller_turn(self, view: SegmentView, new: list[Candidate]) -> None:
        polarity = reply_polarity(view.text)
        if self._state.pending and polarity:
            for c in self._state.pending:
                if polarity == "yes":
                    c.confirmed = True
                    for old in self._cands[c.key]:
                        if old.value == c.value:
                            old.confirmed = True
                elif self._conflicts(c, new):
                    c.rejected = True
        if "address" in self._state.asked:
            self._answering_address.add(view.index)
        for c in new:
            if c.kind == "partial":  # 不是，最后是1919: applied to the number on the ticket
                base = self._auto.get(c.key)
                if base is not None and base.value:
                    c.value = apply_partial(base.value, c.value, c.extra.get("where", "suffix"))
                    c.kind = "full"
                else:
                    c.confidence = 0.0
        new[:] = [c for c in new if c.confidence > 0]
        self._caller_texts.append(view.text)
        self._state.after_caller()

    def _conflicts(self, readback: Candidate, reply: list[Candidate]) -> bool:
        """Whether a caller's 不对 is about this read-back value: it contradicts what the caller said (or corrects
        now), or the caller never said it. 马先生 read back with a wrong phone number is not rejected."""
        said = [c for c in self._cands[readback.key] if c.speaker == "caller" and not c.rejected] + [
            c for c in reply if c.key == readback.key]
        if not said:
            return True
        return not any(c.value == readback.value or (c.value and readback.value and readback.value.startswith(
            c.value)) for c in said)

    def _agent_turn(self, view: SegmentView, new: list[Candidate]) -> None:
        for c in new:  # a read-back of what the caller said raises its confidence
            for old in self._cands[c.key]:
                if old.speaker == "caller" and old.value == c.value and not old.rejected:
                    old.confidence = min(0.97, old.confidence + 0.1)
        self._state.after_agent(view.text, [c for c in new if c.key in READBACK_KEYS])
        if self._state.pending:
            self._readbacks.add(view.index)

    # -- resolution ----------------------------------------------------------------------------------------------
    def _resolve_fields(self) -> None:
        auto: dict[str, Resolution] = {}
        for key, cands in self._cands.items():
            if key == PLACE_KEY:
                continue
            if key == "caller_name":
                auto[key] = resolve_name(cands)
            else:
                auto[key] = resolve_generic(key, cands, self._auto.get(key))
        district, street = resolve_places(self._cands.get(PLACE_KEY, []), self.resources.gazetteer)
        auto["district"] = Resolution(district.value, district.confidence, district.evidence)
        auto["street"] = Resolution(street.value, street.confidence, street.evidence)
        landmark = next((c for c in self._cands.get(PLACE_KEY, []) if not c.rejected and
                         any(p.kind == "landmark" for p in c.extra["hit"].places)), None)
        views = [v for v in self._views if v.speaker == "caller" or v.index in self._readbacks]
        value, conf, evidence = choose_address(views, self._hits, self._answering_address, district.value,
                                               street.value, landmark, self.resources.gazetteer, self._address_cache)
        auto["address"] = Resolution(value, round(conf, 3), evidence) if value else NOTHING
        self._auto = auto

    def _rank_templates(self) -> None:
        self._scores = combine(self._sessions)
        if self._template_locked or self._scores is None:
            return
        party = self._auto.get("involved_party")
        cues = cue_scores(self._caller_texts, party_named=bool(party and party.value))
        ranking = self.resources.chooser.rank(self._scores, cues,
                                              self._template.id if self._template else None)
        if ranking is None:
            return
        self._template = ranking.chosen
        self._top3 = [TemplateChoice(template_id=t.id, score=s, matter=t.matter, category_l1=t.category_l1,
                                     appeal_type=t.appeal_type) for t, s in ranking.top3]

    # -- the ticket ----------------------------------------------------------------------------------------------
    def _label(self, key: str) -> str:
        f = self._template.field(key) if self._template else None
        return f.label if f else COMMON_FIELD_LABELS.get(key, key)

    def _field_keys(self) -> list[str]:
        keys = [f.key for f in self._template.fields] if self._template else list(COMMON_FIELD_LABELS)
        for key in COMMON_FIELD_LABELS:  # the clerk's record needs them whatever the template
            if key not in keys:
                keys.append(key)
        return keys + [k for k in self._agent if k not in keys]

    def _rebuild(self) -> None:
        t = self._template
        common = {k: r.value for k, r in self._auto.items()}
        fields: dict[str, FieldValue] = {}
        specific = {f.key: f for f in t.fields if f.key not in COMMON_FIELD_LABELS} if t else {}
        caller_views = [v for v in self._views if v.speaker == "caller"]
        for key in self._field_keys():
            if key in self._agent:
                fields[key] = self._agent[key]
                continue
            if key in specific:
                guess = guess_field(specific[key], caller_views, common)
                res = Resolution(guess.value, guess.confidence, [guess.evidence]) if guess else NOTHING
            else:
                res = self._auto.get(key, NOTHING)
                if (key == "involved_party" and t is not None and t.appeal_type == "咨询"
                        and res.confidence < GENERIC_PARTY_MAX):
                    res = NOTHING
            fields[key] = FieldValue(key=key, label=self._label(key), value=res.value, confidence=res.confidence,
                                     evidence=res.evidence, source="auto")
        values = {k: f.value for k, f in fields.items()}
        title = unit = None
        if t is not None:
            title = render_title(t, values)
            unit = suggest_unit(t, values.get("district"), values.get("street"))
        title = self._agent_attributes.get("title", title)
        unit = self._agent_attributes.get("handling_unit", unit)
        top3 = self._top3
        if t is not None and self._template_locked and (not top3 or top3[0].template_id != t.id):
            top3 = [TemplateChoice(template_id=t.id, score=1.0, matter=t.matter, category_l1=t.category_l1,
                                   appeal_type=t.appeal_type)] + [c for c in top3 if c.template_id != t.id][:2]
        self._ticket = Ticket(
            fields=fields, template_top3=top3, template_id=t.id if t else None,
            template_locked=self._template_locked, category_l1=t.category_l1 if t else None,
            appeal_type=t.appeal_type if t else None, matter=t.matter if t else None,
            title=title, handling_unit=unit,
        )

    def _diff(self, before: Ticket, segment_id: str) -> TicketUpdate:
        after = self._ticket
        updates = []
        for key, f in after.fields.items():
            old = before.fields.get(key)
            old_value = old.value if old else None
            old_conf = old.confidence if old else 0.0
            if f.value != old_value or abs(f.confidence - old_conf) >= 0.01 or (old and old.source != f.source):
                updates.append(FieldUpdate(key=key, old=old_value, new=f.value, confidence=f.confidence,
                                           evidence=f.evidence, source=f.source))
        changed = [a for a in _TRACKED_ATTRIBUTES if getattr(before, a) != getattr(after, a)]
        if [c.template_id for c in before.template_top3] != [c.template_id for c in after.template_top3]:
            changed.append("template_top3")
        return TicketUpdate(segment_id=segment_id, field_updates=updates, template_top3=after.template_top3,
                            template_id=after.template_id, category_l1=after.category_l1,
                            appeal_type=after.appeal_type, matter=after.matter, title=after.title,
                            handling_unit=after.handling_unit, changed=changed)
