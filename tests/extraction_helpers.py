"""Helpers for the extraction tests: run a dialogue through a tracker, propose from one segment."""

from __future__ import annotations

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState
from assistant.extraction.textnorm import normalize
from assistant.extraction.ticket import TextSegment
from assistant.extraction.tracker import TicketTracker

A, C = "agent", "caller"


def talk(*turns: tuple[str, str], tracker: TicketTracker | None = None) -> TicketTracker:
    """Feed (speaker, text) turns to a tracker as final segments t0, t1, …"""
    tracker = tracker or TicketTracker()
    start = len(tracker.segments)
    for i, (speaker, text) in enumerate(turns, start):
        tracker.add_segment(TextSegment(segment_id=f"t{i}", speaker=speaker, text=text))
    return tracker


def propose(proposer, text: str, speaker: str = C, asked: frozenset[str] = frozenset()) -> list[Candidate]:
    view = SegmentView(0, TextSegment(segment_id="s0", speaker=speaker, text=text), normalize(text), asked)
    return proposer.propose(view, DialogueState())


def values(cands: list[Candidate]) -> list[str | None]:
    return [c.value for c in cands]
