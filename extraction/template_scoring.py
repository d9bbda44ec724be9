"""Which record template fits the call: scorers rate every template from the conversation so far, and the chooser
combines their scores with the appeal type the caller states.

A *template scorer* opens one session per call; the session takes each segment as it comes and returns a score per
catalogue template (catalogue order, scaled to [0, 1]). The BM25 scorer below wraps the catalogue's TemplateSearch;
a learned scorer (embeddings, a fine-tuned classifier) implements the same protocol and is mixed in by weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.extraction.appeal import PRECEDENCE, strongest
from assistant.extraction.candidates import SegmentView
from assistant.templates.catalogue import Catalogue
from assistant.templates.schema import APPEAL_TYPES, Template
from assistant.templates.search import TemplateSearch, tokenize


@runtime_checkable
class ScoringSession(Protocol):
    def add(self, view: SegmentView) -> bool:
        """Take one segment; True when the scores changed."""
        ...

    def scores(self) -> np.ndarray | None:
        """One score per catalogue template in [0, 1] (None before there is anything to score)."""
        ...


@runtime_checkable
class TemplateScorer(Protocol):
    name: str

    def session(self) -> ScoringSession: ...


class Bm25Session:
    """BM25 over the conversation so far: the caller's words as one query, the agent's as a lighter second one.

    One query per speaker, not a sum of per-segment scores: a word counts once, so the many short answers of a call
    (names, numbers, addresses) do not pile scores onto templates that merely mention them. BM25 adds up over
    distinct query terms, so each segment only scores the terms not heard before: an update costs one segment's
    worth of work however long the call is.
    """

    AGENT_WEIGHT = 0.3       # the agent's words help (they name the matter) but the caller's describe it

    def __init__(self, search: TemplateSearch) -> None:
        self._search = search
        self._seen: dict[str, set[str]] = {"caller": set(), "agent": set()}
        self._total: np.ndarray | None = None

    def add(self, view: SegmentView) -> bool:
        new_terms = set(tokenize(view.text)) - self._seen[view.speaker]
        if not new_terms:
            return False
        self._seen[view.speaker] |= new_terms
        delta = self._search.scores(" ".join(sorted(new_terms)))
        if view.speaker == "agent":
            delta = delta * self.AGENT_WEIGHT
        self._total = delta if self._total is None else self._total + delta
        return True

    def scores(self) -> np.ndarray | None:
        if self._total is None:
            return None
        top = float(self._total.max())
        return self._total / top if top > 0 else None


class Bm25Scorer:
    name = "bm25"

    def __init__(self, search: TemplateSearch) -> None:
        self.search = search

    def session(self) -> Bm25Session:
        return Bm25Session(self.search)


@dataclass(frozen=True)
class TemplateRanking:
    chosen: Template
    top3: list[tuple[Template, float]]     # chosen first; scores are shares of the top candidates (sum <= 1)
    appeal_type: str


class TemplateChooser:
    """Picks the template from combined scorer output and the appeal-type cues, with hysteresis."""

    SWITCH_MARGIN = 0.1      # a new template must beat the current one by this share of the score scale
    OWN_WEIGHT = 0.25        # how much a template's own score adds to its matter's
    TEMPERATURE = 0.08       # of the softmax that turns scaled scores into shares
    APPEAL_TEMPERATURE = 0.2

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.templates = catalogue.templates
        matter_ids = sorted({t.matter_id for t in self.templates})
        index = {m: i for i, m in enumerate(matter_ids)}
        self._matter = np.asarray([index[t.matter_id] for t in self.templates], dtype=np.int32)
        self._n_matters = len(matter_ids)
        self._appeal = np.asarray([APPEAL_TYPES.index(t.appeal_type) for t in self.templates], dtype=np.int8)
        self._position = {t.id: i for i, t in enumerate(self.templates)}

    def rank(self, scores: np.ndarray, cues: dict[str, float], current: str | None = None) -> TemplateRanking | None:
        if scores is None or not np.any(scores > 0):
            return None
        matter_best = np.full(self._n_matters, -np.inf)
        np.maximum.at(matter_best, self._matter, scores)
        appeal, p_appeal = self._appeal_type(scores, cues)
        a = APPEAL_TYPES.index(appeal)
        # Matter first (its best variant's score), then the variant of the appeal type; a template's own score
        # breaks ties between matters. So 违停占用消防通道 stays the matter when the caller complains rather than
        # asks for help, instead of jumping to another matter whose complaint variant happens to score higher.
        value = matter_best[self._matter] + self.OWN_WEIGHT * scores
        pool = np.where(self._appeal == a, value, -np.inf)
        chosen_i = int(np.argmax(pool)) if np.isfinite(pool.max()) else int(np.argmax(value))
        if current is not None and current in self._position:
            cur_i = self._position[current]
            if (self._appeal[cur_i] == self._appeal[chosen_i]
                    and value[cur_i] + self.SWITCH_MARGIN >= value[chosen_i]):
                chosen_i = cur_i  # stay: the newcomer is not clearly better
        prior = np.asarray([p_appeal[x] for x in APPEAL_TYPES])[self._appeal]
        return TemplateRanking(self.templates[chosen_i], self._top3(value, prior, chosen_i), appeal)

    def _appeal_type(self, scores: np.ndarray, cues: dict[str, float]) -> tuple[str, dict[str, float]]:
        """The appeal type and a probability for each (for the displayed shares)."""
        # The leading matter's appeal-type variants vote (their examples differ in how people ask), softly.
        best = int(np.argmax(scores))
        variants = np.flatnonzero(self._matter == self._matter[best])
        weights = np.exp((scores[variants] - scores[best]) / self.APPEAL_TEMPERATURE)
        support = dict.fromkeys(APPEAL_TYPES, 0.0)
        for i, w in zip(variants, weights / weights.sum()):
            support[APPEAL_TYPES[self._appeal[i]]] += float(w)
        evidence = {x: support[x] + cues.get(x, 0.0) + 0.02 for x in APPEAL_TYPES}
        total = sum(evidence.values())
        prob = {x: v / total for x, v in evidence.items()}
        stated = strongest(cues)
        if stated is not None:  # said outright: that is the appeal type
            stated = next(x for x in PRECEDENCE if cues[x] >= cues[stated] - 1e-9)
            prob = {x: (0.9 if x == stated else 0.1 * p) for x, p in prob.items()}
            return stated, prob
        return max(APPEAL_TYPES, key=lambda x: evidence[x]), prob

    def _top3(self, value: np.ndarray, prior: np.ndarray, chosen_i: int) -> list[tuple[Template, float]]:
        """The chosen template and the two best others (other matters first), with shares of belief that weigh the
        template's score and its appeal type's probability."""
        top = float(value.max())
        share = np.exp((value - top) / self.TEMPERATURE) * prior
        order = [int(i) for i in np.argsort(-share)[:12] if int(i) != chosen_i]
        picked = [chosen_i]
        matters = {self._matter[chosen_i]}
        for i in order:  # prefer other matters: two appeal types of one matter say little more than one
            if len(picked) == 3:
                break
            if self._matter[i] not in matters:
                picked.append(i)
                matters.add(self._matter[i])
        for i in order:
            if len(picked) == 3:
                break
            if i not in picked:
                picked.append(i)
        z = float(np.sort(share)[-20:].sum())
        return [(self.templates[i], round(float(share[i] / z), 3)) for i in picked]


def combine(sessions: list[tuple[ScoringSession, float]]) -> np.ndarray | None:
    """Weighted sum of the sessions' scores (those that have any)."""
    total = None
    weight_sum = 0.0
    for session, weight in sessions:
        s = session.scores()
        if s is None:
            continue
        total = s * weight if total is None else total + s * weight
        weight_sum += weight
    return None if total is None else total / weight_sum
