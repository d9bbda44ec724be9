"""District, 街道/镇 and address detail from everything said so far.

Each segment yields place mentions (gazetteer hits: by characters, or by pinyin for names the recogniser spelt with
homophones: 将普街道 → 江埔街道). The district and 街道 are then resolved jointly: an explicit district wins; a
街道, community, metro station or landmark implies its district; a bare short name counts only when it agrees.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from assistant.extraction.address import AddressGuess, describe_address
from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState
from pypinyin import Style, lazy_pinyin

from assistant.extraction.gazetteer import Gazetteer, PlaceHit, fuzzy_syllable
from assistant.extraction.ticket import Evidence

PLACE_KEY = "_place"
# Suffixes after a place name, recognised by sound: a recogniser writes 区 as 去/驱/趋, 街道 as 接到/阶道, 镇 as 阵.
# (fuzzy pinyin of the suffix, kind, characters); 街 alone only as written (接, 借, 姐 are too common).
_SUFFIX_SOUNDS = (("jie-dao", "street", 2), ("zen", "street", 1), ("qu", "district", 1), ("cun", "community", 1))
# 区 after these is 小区, 社区, 景区 … not a district.
_NOT_DISTRICT_BEFORE = set("小社城景园市郊片辖山新校厂街业宅库矿军营老")
_ROAD_AFTER = re.compile(r"^[东南西北中]?(路|大道|大街|马路)")

# Weights of one mention for (district, street), by kind and explicitness.
_WEIGHTS = {
    ("district", True): (1.0, 0.0), ("district", False): (0.7, 0.0),
    ("street", True): (0.9, 1.0), ("street", False): (0.45, 0.5),
    ("community", True): (0.5, 0.6), ("community", False): (0.2, 0.25),
    ("station", True): (0.5, 0.5), ("station", False): (0.25, 0.25),
    ("landmark", True): (0.8, 0.7), ("landmark", False): (0.8, 0.7),
}
_DISTRICT_MIN = 0.5
_STREET_MIN = 0.45


def _syllables(text: str) -> list[str]:
    """One fuzzy pinyin syllable per character ('' for what is not Chinese)."""
    out = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: [""] * len(chars))
    return [fuzzy_syllable(x) if x else "" for x in out] if len(out) == len(text) else [""] * len(text)


def _suffixes(text: str, syllables: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the place-name suffixes in a text, by sound, plus 街 as written."""
    found = []
    for i, syl in enumerate(syllables):
        if syl == "jie" and i + 1 < len(text) and syllables[i + 1] == "dao":
            found.append((i, i + 2, "street"))
        elif text[i] == "街" and not (i > 0 and syllables[i - 1] == "jie"):
            found.append((i, i + 1, "street"))
        for sound, kind, width in _SUFFIX_SOUNDS:
            if width == 1 and syl == sound:
                found.append((i, i + 1, kind))
    return found


def find_places(text: str, gazetteer: Gazetteer) -> list[PlaceHit]:
    """Gazetteer hits in a normalised text, plus names heard as homophones before a 区/街道/镇/村 suffix (which may
    itself be misheard: 白云驱, 将普接到, 战前阶道)."""
    hits = gazetteer.scan(text)
    covered = [False] * (len(text) + 1)
    for h in hits:
        for i in range(h.start, h.end):
            covered[i] = True
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return hits
    suffixes = _suffixes(text, _syllables(text))
    ends = {h.end: i for i, h in enumerate(hits)}
    extra: list[PlaceHit] = []
    for p, q, kind in suffixes:
        if p in ends:
            # A bare short name followed by a misheard suffix is said with its suffix (白云驱 → 白云区).
            i = ends[p]
            h = hits[i]
            if not h.explicit:
                places = tuple(x for x in h.places if x.kind == kind) or tuple(gazetteer.by_pinyin(h.surface, kind))
                if places:
                    hits[i] = PlaceHit(h.start, q, text[h.start:q], places, True, by_pinyin=True)
            continue
        if covered[p] or (p > 0 and covered[p - 1]):
            continue
        if kind == "district" and p > 0 and text[p - 1] in _NOT_DISTRICT_BEFORE:
            continue
        windows = [(p - w, p, kind) for w in ((2,) if kind == "district" else (3, 2))]
        if kind == "community":  # 中村 → 钟村: a 街道 whose own name ends in 村
            windows += [(p - 1, q, "street"), (p - 2, q, "street")]
        for a, b, k in windows:
            word = text[a:b]
            if a < 0 or not all("\u4e00" <= c <= "\u9fff" for c in word) or any(covered[a:b]):
                continue
            places = gazetteer.by_pinyin(word, k)
            if places:
                extra.append(PlaceHit(a, max(b, q), text[a:max(b, q)], tuple(places), True, by_pinyin=True))
                break
    return sorted(hits + extra, key=lambda h: h.start)


class PlaceProposer:
    """Place mentions as candidates of the internal key `_place` (resolved by `resolve_places`)."""

    name = "place-rules"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        out = []
        for hit in find_places(view.text, self.gazetteer):
            conf = 0.9 if view.speaker == "caller" else 0.7
            if hit.by_pinyin:
                conf *= 0.8
            out.append(view.candidate(PLACE_KEY, hit.surface, conf, hit.start, hit.end, kind="place",
                                      extra={"hit": hit, "road": bool(_ROAD_AFTER.match(view.text[hit.end:]))}))
        return out


@dataclass
class Resolved:
    value: str | None
    confidence: float
    evidence: list[Evidence]


def resolve_places(mentions: list[Candidate], gazetteer: Gazetteer) -> tuple[Resolved, Resolved]:
    """(district, street) from all place mentions of the call."""
    # Contributions per (place, what was said): saying the same name again adds little, however often.
    d_parts: dict[str, dict[str, float]] = defaultdict(dict)
    s_parts: dict[str, dict[str, float]] = defaultdict(dict)
    d_evidence: dict[str, list[Evidence]] = defaultdict(list)
    s_evidence: dict[str, list[Evidence]] = defaultdict(list)
    for c in mentions:
        if c.rejected:
            continue
        hit: PlaceHit = c.extra["hit"]
        scale = c.effective_confidence() / 0.9
        has_district = any(p.kind == "district" for p in hit.places)
        n_d = len({p.district for p in hit.places if p.district}) or 1
        n_s = len({p.street for p in hit.places if p.street}) or 1
        seen_d: set[str] = set()
        seen_s: set[str] = set()
        for p in hit.places:
            wd, ws = _WEIGHTS[(p.kind, hit.explicit)]
            if p.kind == "community" and not hit.explicit and len(hit.surface) >= 3:
                wd, ws = 0.3, 0.5  # 七星岗, 祈福新邨: a longer name is rarely an ordinary word
            if hit.common and p.kind != "district":
                wd, ws = wd * 0.3, ws * 0.3  # 广场, 凤凰: more often the word than the place
            if c.extra.get("road"):
                wd, ws = wd * 0.4, ws * 0.8  # 天河路, 北京路: a road named after a place is only a hint
            if p.kind == "street" and has_district:
                wd, ws = wd * 0.3, ws * 0.5  # 南沙, 黄埔: the bare name means the district first
            said = f"{p.kind}:{hit.surface}"
            if p.district and p.district not in seen_d:
                seen_d.add(p.district)
                parts = d_parts[p.district]
                parts[said] = max(parts.get(said, 0.0), wd * scale / n_d)
                if c.evidence:
                    d_evidence[p.district].append(c.evidence)
            if p.street and p.street not in seen_s:
                seen_s.add(p.street)
                parts = s_parts[p.street]
                parts[said] = max(parts.get(said, 0.0), ws * scale / n_s)
                if c.evidence:
                    s_evidence[p.street].append(c.evidence)
    d_score = {k: sum(v.values()) for k, v in d_parts.items()}
    s_score = {k: sum(v.values()) for k, v in s_parts.items()}
    district = _best(d_score, d_evidence, _DISTRICT_MIN)
    # Streets of the resolved district only; with none resolved, a 街道 said outright still stands.
    if district.value:
        s_score = {s: v for s, v in s_score.items() if gazetteer.district_of_street(s) == district.value}
    street = _best(s_score, s_evidence, _STREET_MIN)
    return district, street


def _best(scores: dict[str, float], evidence: dict[str, list[Evidence]], minimum: float) -> Resolved:
    if not scores:
        return Resolved(None, 0.0, [])
    value, score = max(scores.items(), key=lambda kv: kv[1])
    if score < minimum:
        return Resolved(None, 0.0, [])
    total = sum(scores.values())
    confidence = min(0.99, 0.5 + 0.5 * min(1.0, score) * (score / total))
    return Resolved(value, round(confidence, 3), evidence[value][-3:])


def choose_address(views: list[SegmentView], hits_by_segment: dict[int, list[PlaceHit]],
                   answering: set[int], district: str | None, street: str | None,
                   landmark: Candidate | None, gazetteer: Gazetteer,
                   cache: dict | None = None) -> tuple[str | None, float, list[Evidence]]:
    """The best address description among the caller's segments (the agent's read-back as a fallback).
    `cache` (per call) keeps each segment's description for a given district and 街道."""
    best: tuple[float, int, AddressGuess, SegmentView] | None = None
    cache = {} if cache is None else cache
    for view in views:
        hits = hits_by_segment.get(view.index, [])
        is_answer = view.index in answering
        key = (view.index, district, street, is_answer)
        if key not in cache:
            # Local names heard as homophones are respelt first (四有新马路 → 寺右新马路): same length, same offsets.
            # Only where a place was heard or asked for: respelling costs pinyin look-ups.
            text = gazetteer.respell(view.text, district, street) if hits or is_answer else view.text
            cache[key] = describe_address(text, hits, district, street, answering=is_answer)
        guess = cache[key]
        if guess is None:
            continue
        score = 0.55 + (0.2 if is_answer else 0.0) + min(0.2, 0.02 * len(guess.value))
        if any(any(p.kind in ("district", "street") for p in h.places) for h in hits):
            score += 0.1
        if view.speaker == "agent":
            score -= 0.3
        if best is None or score >= best[0]:
            best = (score, view.index, guess, view)
    if best is not None:
        score, _, guess, view = best
        return guess.value, min(0.95, score), [view.evidence(guess.start, guess.end)]
    if landmark is not None:
        hit: PlaceHit = landmark.extra["hit"]
        name = next(p.name for p in hit.places if p.kind == "landmark")
        return name, 0.5, [landmark.evidence] if landmark.evidence else []
    return None, 0.0, []
