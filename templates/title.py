"""Render a ticket title from a template's pattern and the values extraction filled in.

Conventions (as clerks write them): 投诉白云区京溪街道云景花园楼下烧烤店夜间噪声扰民问题, at most 30 characters.
Empty placeholders vanish; a value already said by its neighbour is not repeated; a title that is too long loses,
in order, the street, the address detail (building/room numbers), the address, the trailing 问题, the party and
the district, and is cut only as a last resort.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.templates.schema import TITLE_MAX_CHARS, Template

# Building / unit / room detail at the end of an address: 7栋, 3单元502, 28号楼, 101室, 12号.
_ADDRESS_DETAIL = re.compile(
    r"(?:[A-Za-z]?[0-9零一二三四五六七八九十百〇两]+[A-Za-z]?(?:栋|座|幢|号楼|单元|楼|层|室|号|房|铺|档|期|区|街|巷)?"
    r"[-之]?)+$")
_ASIDE = re.compile(r"[（(][^（）()]*[）)]")
_UNIT_WORDS = re.compile(r"(?:栋|座|幢|号楼|单元|楼|层|室|号|房|铺|档)")


@dataclass
class _Piece:
    name: str | None     # placeholder name; None for the pattern's own text
    text: str


def _values_for(template: Template, values: Mapping[str, str | None]) -> dict[str, str]:
    own = {"subject": template.subject, "matter": template.matter, "appeal_type": template.appeal_type}
    out = {k: v for k, v in own.items() if not (values.get(k) or "").strip()}
    out.update({k: str(v).strip() for k, v in values.items() if v is not None and str(v).strip()})
    return out


def _pieces(pattern: str, filled: Mapping[str, str]) -> list[_Piece]:
    pieces = []
    for literal, name, _, _ in string.Formatter().parse(pattern):
        if literal:
            pieces.append(_Piece(None, literal))
        if name is not None:
            pieces.append(_Piece(name, filled.get(name, "")))
    return pieces


def _dedupe(pieces: list[_Piece]) -> None:
    """Say each thing once: a value that starts with an earlier one loses that prefix (花都区 + 花都区政务服务中心 →
    花都区政务服务中心 after the district), a value inside another is dropped, and overlaps between neighbours are
    trimmed (楼下烧烤店 + 烧烤店噪声 → 楼下烧烤店噪声)."""
    vals = [p for p in pieces if p.name is not None and p.text]
    for i, p in enumerate(vals):
        for q in vals[i + 1:]:
            if not p.text or not q.text:
                continue
            if q.text.startswith(p.text) and len(q.text) > len(p.text):
                q.text = q.text[len(p.text):]
            elif p.text in q.text:
                p.text = ""
            elif q.text in p.text:
                q.text = ""
    texts = [p for p in pieces if p.text]
    for a, b in zip(texts, texts[1:]):
        for n in range(min(len(a.text), len(b.text)), 1, -1):
            if a.text.endswith(b.text[:n]):
                b.text = b.text[n:]
                break


def trim_address_detail(address: str) -> str:
    """'云景花园7栋502' → '云景花园', '凤尾村村口（近九龙大道）' → '凤尾村村口'; an address that is only numbers is kept."""
    address = _ASIDE.sub("", address).strip() or address
    trimmed = _ADDRESS_DETAIL.sub("", address)
    if trimmed and trimmed != address and (_UNIT_WORDS.search(address[len(trimmed):]) or
                                           re.search(r"\d", address[len(trimmed):])):
        return trimmed
    return address


def _text(pieces: list[_Piece]) -> str:
    return "".join(p.text for p in pieces)


def _set(pieces: list[_Piece], name: str, text: str) -> None:
    for p in pieces:
        if p.name == name:
            p.text = text


def _get(pieces: list[_Piece], name: str) -> str:
    return next((p.text for p in pieces if p.name == name), "")


def render_title(template: Template, values: Mapping[str, str | None], max_chars: int = TITLE_MAX_CHARS) -> str:
    """The ticket title for `template` with the filled `values` (field key → value; None or '' = not filled)."""
    pieces = _pieces(template.title_pattern, _values_for(template, values))
    _dedupe(pieces)
    steps = [
        lambda: _set(pieces, "street", ""),
        lambda: _set(pieces, "address", trim_address_detail(_get(pieces, "address"))),
        lambda: _set(pieces, "address", ""),
        lambda: pieces[-1].name is None and pieces[-1].text.endswith("问题") and
        setattr(pieces[-1], "text", pieces[-1].text[:-2]),
        lambda: _set(pieces, "involved_party", ""),
        lambda: _set(pieces, "district", ""),
    ]
    for step in steps:
        if len(_text(pieces)) <= max_chars:
            break
        step()
    return _text(pieces)[:max_chars]
