"""Shared, read-only resources of the extractor, built once per process: catalogue, search index, gazetteer,
proposers and template scorers. Every TicketTracker of the process uses them, so a new call costs nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from assistant.extraction.amount import AmountProposer
from assistant.extraction.candidates import SpanProposer
from assistant.extraction.demand import DemandProposer
from assistant.extraction.event_time import EventTimeProposer
from assistant.extraction.gazetteer import Gazetteer, load_gazetteer
from assistant.extraction.id_number import IdNumberProposer
from assistant.extraction.learned import learned_scorer
from assistant.extraction.location import PlaceProposer
from assistant.extraction.party import PartyProposer
from assistant.extraction.person_name import NameProposer
from assistant.extraction.phone import PhoneProposer
from assistant.extraction.template_scoring import Bm25Scorer, TemplateChooser, TemplateScorer
from assistant.templates.catalogue import Catalogue, load_catalogue
from assistant.templates.search import TemplateSearch


@dataclass(frozen=True)
class ExtractionResources:
    catalogue: Catalogue
    search: TemplateSearch
    gazetteer: Gazetteer
    chooser: TemplateChooser
    proposers: tuple[SpanProposer, ...]
    scorers: tuple[tuple[TemplateScorer, float], ...] = field(default=())

    def with_components(self, proposers: tuple[SpanProposer, ...] = (),
                        scorers: tuple[tuple[TemplateScorer, float], ...] = ()) -> "ExtractionResources":
        """These resources plus more span proposers (e.g. a learned NER tagger) and weighted template scorers."""
        return replace(self, proposers=self.proposers + tuple(proposers), scorers=self.scorers + tuple(scorers))


def build_resources(catalogue: Catalogue | None = None, gazetteer: Gazetteer | None = None) -> ExtractionResources:
    catalogue = catalogue or load_catalogue()
    gazetteer = gazetteer or load_gazetteer()
    search = TemplateSearch(catalogue)
    proposers: tuple[SpanProposer, ...] = (
        PhoneProposer(), NameProposer(), PlaceProposer(gazetteer), EventTimeProposer(), AmountProposer(),
        PartyProposer(), DemandProposer(), IdNumberProposer(),
    )
    scorers: tuple[tuple[TemplateScorer, float], ...] = ((Bm25Scorer(search), 1.0),)
    learned = learned_scorer(catalogue, gazetteer)   # None when ASSISTANT_LEARNED_SCORER=0 or another catalogue
    if learned is not None:
        scorers += ((learned, learned.weight),)
    return ExtractionResources(catalogue, search, gazetteer, TemplateChooser(catalogue), proposers, scorers)


@lru_cache(maxsize=1)
def default_resources() -> ExtractionResources:
    """The process-wide resources for the configured catalogue and data folder."""
    return build_resources()
