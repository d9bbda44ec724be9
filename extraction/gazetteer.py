"""The Guangzhou gazetteer: districts, 街道/镇, communities/villages, metro stations and landmarks, indexed for
finding place names in transcript text, by characters and by (fuzzy) pinyin for ASR homophones.

Loaded once per process from get_settings().data_dir / "gazetteer" (plus the small landmark table shipped in this
package).
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pypinyin import Style, lazy_pinyin, pinyin

from assistant.config import get_settings

PlaceKind = Literal["district", "street", "community", "station", "landmark"]
_MAX_SURFACE = 12
# What follows a local name in an address (or nothing: the name alone).
_PLACE_AFTER = re.compile(r"$|[，。]|[东南西北中新]?(路|街|大道|大街|马路)|新村|村|社区|花园|苑|庭|城|广场|小区|大厦|湾|园|"
                          r"新邨|邨|涌|围|坊|巷|墟|工业区")


@dataclass(frozen=True)
class Place:
    kind: PlaceKind
    name: str                 # canonical name: 白云区, 同和街道, 握山 (community short), 车陂南 (station), 广州火车站
    district: str | None      # the district it lies in (None when unknown)
    street: str | None        # the 街道/镇 it lies in (None when unknown or for a district)
    short: str = ""


@dataclass(frozen=True)
class PlaceHit:
    """A place name found in text: span [start, end) and every place that name can be."""

    start: int
    end: int
    surface: str
    places: tuple[Place, ...]
    explicit: bool            # said with its suffix (区, 街道, 镇, 村, 站 …) rather than a bare short name
    by_pinyin: bool = False
    common: bool = False      # a bare name that is also an everyday word (广场, 中心, 凤凰): weak evidence


@dataclass
class _Index:
    surfaces: dict[str, list[tuple[Place, bool]]] = field(default_factory=dict)
    pinyin: dict[str, dict[str, list[Place]]] = field(default_factory=dict)  # kind → fuzzy pinyin key → places

    def add(self, surface: str, place: Place, explicit: bool) -> None:
        if len(surface) < 2:
            return
        entries = self.surfaces.setdefault(surface, [])
        if all(p != place or e != explicit for p, e in entries):
            entries.append((place, explicit))

    def add_pinyin(self, kind: str, short: str, place: Place) -> None:
        self.pinyin.setdefault(kind, {}).setdefault(fuzzy_pinyin(short), []).append(place)


# Confusions of southern Mandarin speakers and of the recogniser: flat/retroflex sibilants, n/l, front/back nasals.
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"), ("r", "l"), ("f", "h"))
_FINALS = (("ing", "in"), ("eng", "en"), ("ang", "an"), ("iong", "ong"))


def fuzzy_syllable(s: str) -> str:
    for a, b in _INITIALS:
        if s.startswith(a):
            s = b + s[len(a):]
            break
    for a, b in _FINALS:
        if s.endswith(a):
            s = s[: -len(a)] + b
            break
    return s


def fuzzy_pinyin(text: str) -> str:
    """Toneless pinyin with common confusions merged: 江埔 and 将普 give the same key."""
    return "-".join(fuzzy_syllable(s) for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore"))


def fuzzy_pinyin_readings(text: str, limit: int = 8) -> list[str]:
    """Keys for every reading of a heard word (曾 is ceng or zeng): what was heard may be any of them."""
    keys = [""]
    for readings in pinyin(text, style=Style.NORMAL, heteronym=True, errors="ignore"):
        options = list(dict.fromkeys(fuzzy_syllable(r) for r in readings)) or [""]
        keys = [f"{k}-{o}" if k else o for k in keys for o in options][:limit]
    return keys


class Gazetteer:
    def __init__(self, divisions: dict, stations: dict, landmarks: dict) -> None:
        self._index = _Index()
        self.districts: dict[str, Place] = {}
        self.streets: dict[str, Place] = {}
        self.streets_by_district: dict[str, list[Place]] = {}
        self.communities: list[Place] = []
        self.landmarks: dict[str, Place] = {}
        self.stations: dict[str, Place] = {}
        self._load_divisions(divisions)
        self._load_stations(stations)
        self._load_landmarks(landmarks)
        self._freq = _word_frequencies()
        self.common_words = frozenset(s for s in self._index.surfaces if self._freq.get(s, 0) >= EVERYDAY_FREQ)

    # -- loading -------------------------------------------------------------------------------------------------
    def _load_divisions(self, data: dict) -> None:
        idx = self._index
        for d in data["districts"]:
            dname = d["name"]
            short = d.get("short") or dname.removesuffix("区")
            district = Place("district", dname, dname, None, short)
            self.districts[dname] = district
            idx.add(dname, district, True)
            idx.add(short, district, False)
            idx.add_pinyin("district", short, district)
            for s in d["streets"]:
                if not s.get("admin", True):
                    continue
                sname, sshort = s["name"], s["short"]
                street = Place("street", sname, dname, sname, sshort)
                self.streets[sname] = street
                self.streets_by_district.setdefault(dname, []).append(street)
                idx.add(sname, street, True)
                if s["kind"] == "街道":
                    idx.add(sshort + "街", street, True)   # 景泰街, 彩虹街: how people name a 街道
                idx.add(sshort, street, False)
                idx.add_pinyin("street", sshort, street)
                for c in s["communities"]:
                    cshort = c["short"]
                    if len(cshort) < 2 or c["kind"] not in ("社区", "村"):
                        continue
                    community = Place("community", cshort, dname, sname, cshort)
                    self.communities.append(community)
                    idx.add(cshort + c["kind"], community, True)
                    if c["kind"] == "社区":
                        idx.add(cshort + "村", community, True)  # 城中村 communities are still called 村
                    idx.add(cshort, community, False)
                    idx.add_pinyin("community", cshort, community)

    def _load_stations(self, data: dict) -> None:
        for st in data["stations"]:
            name = st["name"].split("(")[0]
            if len(name) < 2:
                continue
            district, street = self._locate_by_prefix(name)
            place = Place("station", name, district, street, name)
            self.stations[name] = place
            self._index.add(name + "地铁站", place, True)
            self._index.add(name + "站", place, True)
            self._index.add(name, place, False)

    def _load_landmarks(self, data: dict) -> None:
        for lm in data["landmarks"]:
            place = Place("landmark", lm["name"], lm["district"], lm.get("street"), lm["name"])
            self.landmarks[lm["name"]] = place
            for surface in (lm["name"], *lm.get("aliases", ())):
                self._index.add(surface, place, True)

    def _locate_by_prefix(self, name: str) -> tuple[str | None, str | None]:
        """District/street a station lies in when its name starts with one 街道/镇 short name (车陂南 → 车陂街道)."""
        matches = [s for s in self.streets.values() if len(s.short) >= 2 and name.startswith(s.short)]
        if len(matches) == 1:
            return matches[0].district, matches[0].name
        for d in self.districts.values():
            if name.startswith(d.short):
                return d.name, None
        return None, None

    # -- lookup --------------------------------------------------------------------------------------------------
    def scan(self, text: str) -> list[PlaceHit]:
        """All place names in text, longest match first, left to right, non-overlapping."""
        hits: list[PlaceHit] = []
        surfaces = self._index.surfaces
        i, n = 0, len(text)
        while i < n:
            found = None
            for length in range(min(_MAX_SURFACE, n - i), 1, -1):
                entries = surfaces.get(text[i:i + length])
                if entries:
                    found = (length, entries)
                    break
            if found is None:
                i += 1
                continue
            length, entries = found
            explicit = any(e for _, e in entries)
            places = tuple(p for p, e in entries if e == explicit) if explicit else tuple(p for p, _ in entries)
            surface = text[i:i + length]
            hits.append(PlaceHit(i, i + length, surface, places, explicit,
                                 common=not explicit and surface in self.common_words))
            i += length
        return hits

    def by_pinyin(self, word: str, kind: str, district: str | None = None) -> list[Place]:
        """Places of one kind whose short name sounds like word (homophones and near-homophones)."""
        index = self._index.pinyin.get(kind, {})
        places = index.get(fuzzy_pinyin(word), [])
        if not places:
            for key in fuzzy_pinyin_readings(word):
                places = index.get(key, [])
                if places:
                    break
        if district is not None:
            places = [p for p in places if p.district == district] or places
        return list(places)

    def respell(self, text: str, district: str | None, street: str | None = None) -> str:
        """Local place names heard as homophones, written as the gazetteer spells them: 卧山新村 → 握山新村 in
        白云区, 行使西街 → 新市西街. Only a word standing before a place word (新村, 路, 花园 …) or alone is respelt."""
        if district is None:
            return text
        names = self._local_names(district, street)
        spelt = set(names.values())
        # Names already spelt right are kept whole; a respelling may not overlap them (就是西园 keeps 西园).
        keep = [False] * len(text)
        for width in (4, 3, 2):
            for j in range(len(text) - width + 1):
                if text[j:j + width] in spelt:
                    keep[j:j + width] = [True] * width
        out: list[str] = []
        i = 0
        while i < len(text):
            # A word starts at a word boundary: not inside an everyday word (就|是 …).
            inside_word = i > 0 and self._freq.get(text[i - 1:i + 1], 0) >= 10 * EVERYDAY_FREQ
            for width in (4, 3, 2):
                if inside_word or any(keep[i:i + width]) and text[i:i + width] not in spelt:
                    continue
                word = text[i:i + width]
                if len(word) < width or not all("\u4e00" <= c <= "\u9fff" for c in word):
                    continue
                if word in names.values():
                    out.append(word)
                    i += width
                    break
                if not _PLACE_AFTER.match(text, i + width) or self._everyday(word):
                    continue
                name = names.get(fuzzy_pinyin(word))
                if name and len(name) == width:
                    out.append(name)
                    i += width
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)

    def _everyday(self, word: str) -> bool:
        """附近, 就是西: ordinary words (or holding one) are what was meant, not a misheard name."""
        freq = self._freq
        return freq.get(word, 0) >= EVERYDAY_FREQ or any(
            freq.get(word[j:j + 2], 0) >= 10 * EVERYDAY_FREQ for j in range(len(word) - 1))

    @lru_cache(maxsize=256)
    def _local_names(self, district: str, street: str | None) -> dict[str, str]:
        """Fuzzy pinyin → short name of the district's 街道/镇 and communities (the named street's first)."""
        names: dict[str, str] = {}
        ambiguous: set[str] = set()
        local = [c for c in self.communities if c.district == district]
        local.sort(key=lambda c: c.street != street)
        for place in [*local, *self.streets_by_district.get(district, [])]:
            key = fuzzy_pinyin(place.short)
            if key in names and names[key] != place.short:
                ambiguous.add(key)
            names.setdefault(key, place.short)
        return {k: v for k, v in names.items() if k not in ambiguous}

    def district_of_street(self, street: str) -> str | None:
        p = self.streets.get(street)
        return p.district if p else None


# A jieba dictionary frequency above this makes a name an everyday word (广场 7424, 凤凰 1348; 握山, 车陂 absent).
EVERYDAY_FREQ = 100


def _word_frequencies() -> dict[str, int]:
    """jieba's dictionary word frequencies (the dictionary the template search loads anyway)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def _read_json(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as e:
        raise FileNotFoundError(
            f"gazetteer file {path} not found: set ASSISTANT_DATA_DIR to the shared data folder") from e


@lru_cache(maxsize=4)
def load_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """The gazetteer, built once per process (per data folder)."""
    data_dir = data_dir or get_settings().data_dir
    if data_dir is None:
        raise RuntimeError("no shared data folder: set ASSISTANT_DATA_DIR (it holds gazetteer/)")
    folder = Path(data_dir) / "gazetteer"
    landmarks = json.loads(
        (importlib.resources.files("assistant.extraction") / "data" / "landmarks.json").read_text(encoding="utf-8"))
    return Gazetteer(
        _read_json(folder / "guangzhou_divisions.json"),
        _read_json(folder / "guangzhou_metro_stations.json"),
        landmarks,
    )
