"""Handling-unit registry (承办单位): the gazetteer's routing table plus the two pseudo-units resolved per ticket.

Source: gazetteer/guangzhou_handling_units.json in the shared data folder (settings.data_dir). Units are resolved by
full name, short name or alias; a template stores full names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

GAZETTEER_FILE = Path("gazetteer") / "guangzhou_handling_units.json"

# Routed at dispatch time to the street/town or district government of the event's location.
LOCAL_STREET = "属地街道/镇"
LOCAL_DISTRICT = "属地区政府"
_PSEUDO_ALIASES = {
    LOCAL_STREET: ("属地街道", "属地镇街", "属地街镇", "属地镇", "属地街道办"),
    LOCAL_DISTRICT: ("属地区", "属地区人民政府", "区政府"),
}


class UnitRegistryError(RuntimeError):
    """The gazetteer of handling units is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Unit:
    name: str                      # full name, as stored in templates
    short: str                     # what the panel shows
    kind: str                      # the gazetteer section: municipal_departments, district_governments, ...
    confidence: str = "likely"     # the gazetteer's own flag: confirmed / likely / uncertain
    hotline: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def pseudo(self) -> bool:
        return self.kind == "pseudo"


@dataclass
class UnitRegistry:
    units: tuple[Unit, ...]
    # Gazetteer entries naming several units at once: normalised raw name → those units.
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_name: dict[str, Unit] = field(init=False, repr=False)
    _groups: dict[str, tuple[Unit, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name = {}
        for u in self.units:
            for n in (u.name, u.short, *u.aliases):
                self._by_name.setdefault(_norm(n), u)
        self._groups = {_norm(raw): tuple(self._by_name[_norm(n)] for n in names) for raw, names in self.groups.items()}

    def expand(self, name: str) -> tuple[Unit, ...]:
        """The units a name denotes: one, or several for a shared entry such as '中国移动/中国电信/中国联通 广州分公司'
        (or the names themselves joined by '/'); () when any part is unknown."""
        unit = self.resolve(name)
        if unit is not None:
            return (unit,)
        group = self._groups.get(_norm(name))
        if group is not None:
            return group
        parts = [self.resolve(p) for p in re.split(r"[/、]", name) if p.strip()]
        return tuple(parts) if len(parts) > 1 and all(parts) else ()

    def resolve(self, name: str) -> Unit | None:
        """The unit a full name, short name or alias denotes; None when unknown."""
        return self._by_name.get(_norm(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None

    def __iter__(self) -> Iterator[Unit]:
        return iter(self.units)

    def __len__(self) -> int:
        return len(self.units)

    def canonical(self, name: str) -> str:
        """The full name of a unit; KeyError naming the unknown unit."""
        unit = self.resolve(name)
        if unit is None:
            raise KeyError(f"unknown handling unit {name!r}")
        return unit.name

    @classmethod
    def from_gazetteer(cls, path: Path) -> "UnitRegistry":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UnitRegistryError(f"handling-unit gazetteer not found: {path}") from None
        except json.JSONDecodeError as e:
            raise UnitRegistryError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
        groups: dict[str, tuple[str, ...]] = {}
        units = list(_gazetteer_units(data, groups))
        # The special hotline a department owns (12369 → 市生态环境局) is listed apart from the department.
        owner_line = {_norm(line["gz_unit"]): line.get("number") for line in _hotline_lines(data) if line.get("gz_unit")}
        units = [u if u.hotline else replace(u, hotline=owner_line.get(_norm(u.short)) or owner_line.get(_norm(u.name)))
                 for u in units]
        return cls(tuple(_pseudo_units()) + tuple(units), groups)


def _norm(name: str) -> str:
    return re.sub(r"[\s（）()]", "", name)


def _pseudo_units() -> Iterator[Unit]:
    yield Unit(LOCAL_STREET, LOCAL_STREET, "pseudo", "confirmed", aliases=_PSEUDO_ALIASES[LOCAL_STREET])
    yield Unit(LOCAL_DISTRICT, LOCAL_DISTRICT, "pseudo", "confirmed", aliases=_PSEUDO_ALIASES[LOCAL_DISTRICT])


def _split_name(raw: str) -> tuple[str, tuple[str, ...]]:
    """'广州海关（中华人民共和国广州海关/黄埔海关）' → ('广州海关', ('中华人民共和国广州海关', '黄埔海关'))."""
    m = re.fullmatch(r"(.+?)[（(](.+)[）)]", raw.strip())
    if not m:
        return raw.strip(), ()
    return m.group(1).strip(), tuple(a.strip() for a in m.group(2).split("/") if a.strip())


def _hotline_lines(data: dict) -> list[dict]:
    lines = data.get("integrated_special_hotlines_nationwide_pattern", {})
    return [x for x in lines.get("lines", []) if isinstance(x, dict)] if isinstance(lines, dict) else []


def _gazetteer_units(data: dict, groups: dict[str, tuple[str, ...]]) -> Iterator[Unit]:
    seen: set[str] = set()
    for kind, entries in data.items():
        if kind.startswith("_") or not isinstance(entries, list):
            continue
        for e in entries:
            if not isinstance(e, dict) or "name" not in e:
                continue
            hotline = e.get("hotline") or e.get("service_hotline")
            raw = e["name"]
            # '中国移动/中国电信/中国联通 广州分公司' lists several companies sharing one suffix.
            m = re.fullmatch(r"([^\s/]+(?:/[^\s/]+)+)\s+(\S+)", raw)
            if m:
                companies = m.group(1).split("/")
                hotlines = (hotline or "").split("/")
                groups[raw] = tuple(company + m.group(2) for company in companies)
                for i, company in enumerate(companies):
                    line = hotlines[i] if len(hotlines) == len(companies) else hotline
                    yield Unit(company + m.group(2), company, kind, e.get("confidence", "likely"), line or None)
                continue
            name, aliases = _split_name(raw)
            if raw != name:
                aliases += (raw,)   # authors copy the gazetteer's name verbatim
            short = e.get("short") or name
            if kind == "district_governments":  # 白云区人民政府 → 白云区政府
                short = name.replace("人民政府", "政府")
            seen.update({name, short})
            yield Unit(name, short, kind, e.get("confidence", "likely"), hotline, aliases)
    # Owners of the integrated special hotlines (市妇联, 市总工会 …) that the sections above do not list.
    for line in _hotline_lines(data):
        owner = line.get("gz_unit")
        if owner and owner not in seen and not any(owner in s for s in seen):
            seen.add(owner)
            yield Unit(owner, owner, "integrated_hotline_owners", "uncertain", line.get("number"))


@lru_cache(maxsize=4)
def load_units(data_dir: Path | None = None) -> UnitRegistry:
    """The registry from `data_dir` (default: settings.data_dir), cached."""
    if data_dir is None:
        from assistant.config import get_settings

        data_dir = get_settings().data_dir
        if data_dir is None:
            raise UnitRegistryError("no shared data folder: set ASSISTANT_DATA_DIR to the folder holding gazetteer/")
    return UnitRegistry.from_gazetteer(Path(data_dir) / GAZETTEER_FILE)
