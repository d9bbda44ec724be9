"""Transcript text in → ticket fields out. Pure text processing: no audio, no network.

    from assistant.extraction import TicketTracker, TextSegment
    tracker = TicketTracker()                       # cheap: shares the process-wide resources
    update = tracker.add_segment(TextSegment(segment_id="1", speaker="caller", text="我要投诉…"))
    tracker.ticket.flat()

Plug-in points for learned components: `SpanProposer` (candidates.py) and `TemplateScorer` (template_scoring.py),
added with `default_resources().with_components(...)` and passed to `TicketTracker(resources)`.
"""

from assistant.extraction.candidates import Candidate, SegmentView, SpanProposer
from assistant.extraction.resources import ExtractionResources, build_resources, default_resources
from assistant.extraction.template_scoring import ScoringSession, TemplateScorer
from assistant.extraction.ticket import (
    GOLD_KEYS, Evidence, FieldUpdate, FieldValue, TemplateChoice, TextSegment, Ticket, TicketUpdate,
)
from assistant.extraction.tracker import TicketTracker

__all__ = [
    "GOLD_KEYS", "Candidate", "Evidence", "ExtractionResources", "FieldUpdate", "FieldValue", "ScoringSession",
    "SegmentView", "SpanProposer", "TemplateChoice", "TemplateScorer", "TextSegment", "Ticket", "TicketTracker",
    "TicketUpdate", "build_resources", "default_resources",
]
