"""What extractors produce and the plug-in points for learned components.

A *span proposer* reads one normalised segment (with the dialogue state before it) and proposes field values with a
confidence and the evidence span; the tracker pools proposals of all proposers and resolves them per field. The rule
proposers of this package and a learned NER tagger implement the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from assistant.extraction.textnorm import NormalizedText
from assistant.extraction.ticket import Evidence, Speaker, TextSegment

if TYPE_CHECKING:
    from assistant.extraction.dialogue import DialogueState


@dataclass
class Candidate:
    """One proposed value for one field. value None means "explicitly none" (a caller declining to give a name)."""

    key: str
    value: str | None
    confidence: float
    seg_index: int
    speaker: Speaker
    evidence: Evidence | None = None
    kind: str = ""                 # proposer-specific: surname, full, titled, declined, partial, readback …
    correction: bool = False       # said as a correction ("不对，是…"): earlier different values lose
    proposer: str = "rules"
    extra: dict = field(default_factory=dict)
    # Set by the dialogue logic when the other speaker confirms or rejects the value.
    confirmed: bool = False
    rejected: bool = False

    def effective_confidence(self) -> float:
        if self.rejected:
            return min(self.confidence, 0.05)
        if self.confirmed:
            return max(self.confidence, 0.95)
        return self.confidence


@dataclass(frozen=True)
class SegmentView:
    """A segment as extractors see it: normalised text, its position, and what the agent just asked."""

    index: int
    segment: TextSegment
    norm: NormalizedText
    asked: frozenset[str] = frozenset()   # topics of the agent's last question, for a caller segment

    @property
    def text(self) -> str:
        return self.norm.text

    @property
    def speaker(self) -> Speaker:
        return self.segment.speaker

    def with_text(self, text: str) -> "SegmentView":
        """The same segment reduced to other (already normalised) text, e.g. for scoring; offsets are its own."""
        norm = NormalizedText(text, text, tuple(range(len(text))), tuple(range(1, len(text) + 1)))
        return SegmentView(self.index, self.segment, norm, self.asked)

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence for normalised span [start, end), expressed in the original segment text."""
        s, e = self.norm.source_span(start, end)
        return Evidence(segment_id=self.segment.segment_id, start=s, end=e, text=self.norm.original[s:e])

    def candidate(self, key: str, value: str | None, confidence: float, start: int, end: int, **kw) -> Candidate:
        return Candidate(key=key, value=value, confidence=confidence, seg_index=self.index,
                         speaker=self.speaker, evidence=self.evidence(start, end), **kw)


@runtime_checkable
class SpanProposer(Protocol):
    """Proposes field values from one segment. Implementations must be cheap (called on every final segment)."""

    name: str

    def propose(self, view: SegmentView, state: "DialogueState") -> list[Candidate]: ...
