"""The address detail a clerk writes after the district and 街道: community, road + number, building/unit/room,
landmark ("握山新村15栋楼下", "北京路大佛寺附近"), taken from the caller's description of the place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.extraction.gazetteer import Place, PlaceHit
from assistant.extraction.textnorm import clauses

# Words that end a place name or locate something relative to one.
_PLACE_WORD = re.compile(
    r"(路|街|巷|大道|国道|省道|村|社区|新村|新邨|邨|花园|苑|园|庭|府|居|阁|轩|城|湾|小区|大厦|大楼|广场|商场|市场|"
    r"中心|公寓|山庄|工业区|工业园|园区|地铁站|公交站|车站|站|天桥|桥|门口|附近|旁边|旁|对面|后面|楼下|楼顶|楼上|"
    r"隔壁|交界|路口|路段|出口|入口|栋|座|号|楼|层|单元|室|河涌|涌|河|湖|公园|医院|学校|门诊部|幼儿园|空地|村口|墟|下面|底下|下|首层|经济社|生产队|村民小组|(?:路|大道|大街|街)[东南西北中])$"
)
# What follows a bare 街道 short name when it is part of a road or estate name (北京路, 龙洞北路, 东漖新村).
_NAME_CONTINUES = re.compile(r"^[东南西北中新]?(路|街|大道|大街|马路|新村|村|涌|围|坊|巷|墟)")
# Pronouns and times: a clause holding them tells a story, it does not describe a place.
_NARRATIVE = re.compile(r"我|你|他|她|们|这里|那里|今天|昨天|明天|前天|晚上|早上|半夜|时候|那天|这天|当天|\d+点")
_BUILDING = re.compile(r"\d+(栋|座|号|楼|层|单元|室|巷)")
# Words that start the predicate of a clause: the place description ends before them.
_PREDICATE = re.compile(
    r"一个|一家|有个|有人|有家|每天|一直|经常|老是|突然|差点|上车|下车|上的车|"
    r"路灯|井盖|垃圾|噪音|油烟|信号|摊贩|车辆|水渠|"
    r"[有是没不坏吵臭很太被说要想把给都还也又买办收开搞排倒停堵修做去来看问叫让加装走跑打绕]"
)
_DEMAND = re.compile(r"能不能|可不可以|能否|希望|要求|麻烦|赶紧|尽快|你们|帮我|帮忙|投诉|举报|表扬|建议|电话|贵姓|姓|请|谢谢|派人|对吧|是吧|对吗")
_LEAD = re.compile(r"^(就是|就在|我家住在|我家住|我住在|我住|我们住|我们那里|住在|住|位于|在|是|叫|那个|这个)+")
_TRAIL = re.compile(r"(那边|这边|那里|这里|那儿|这儿|里面|那块|这块|一带|那个|这个|的|吗|啊|呀|呢|吧)+$")
_SEGMENT_END = re.compile(r"(那一段|这一段|那段|这段|一段)$")
_DETERMINERS = re.compile(r"那个|这个|那条|这条|那块|这块|那家|这家|那栋|这栋|那片|这片")
_INSTITUTION = re.compile(r"(中心|政府|派出所|医院|卫生院|学校|幼儿园|服务站|办事处|居委会|村委会)$")
_CORRECTION = re.compile(r"^(不对|不是|说错了|错了|搞错了)")


@dataclass(frozen=True)
class AddressGuess:
    value: str
    start: int          # normalised span of the description in the segment
    end: int
    pieces: int


def _tidy(piece: str) -> str:
    piece = _DETERMINERS.sub("", piece)
    parts = piece.split("的")
    while len(parts) > 1 and not _PLACE_WORD.search(_TRAIL.sub("", parts[-1])):
        parts.pop()  # 服务中心的黄医生 → 服务中心: what follows 的 is not a place
    piece = "的".join(parts)
    piece = re.sub(r"旁边的?", "旁", piece)
    piece = re.sub(r"(?<=[路街道])和(?=[\u4e00-\u9fff]{1,6}[路街道])", "与", piece)
    piece = piece.replace("下面", "下").replace("的", "")
    piece = _LEAD.sub("", piece)
    if _SEGMENT_END.search(piece):
        piece = _SEGMENT_END.sub("路段", piece)
    piece = _TRAIL.sub("", piece)
    return piece


def _cut_predicate(piece: str) -> str:
    m = _PREDICATE.search(piece)
    return piece[: m.start()] if m else piece


_RELATIVE_START = re.compile(r"^(附近|旁边|旁|对面|门口|楼下|后面|隔壁)")


def _is_place(piece: str, has_gazetteer_hit: bool) -> bool:
    if len(piece) < 2 or _NARRATIVE.search(piece) or _RELATIVE_START.match(piece):
        return False
    return has_gazetteer_hit or bool(_PLACE_WORD.search(piece)) or bool(_BUILDING.search(piece))


def _apply_correction(pieces: list[str], new: str) -> None:
    """A corrected piece replaces what it corrects: 12栋 → 11栋 inside the previous piece, else the whole piece."""
    new = re.sub(r"^(是|应该是)", "", new)
    m = _BUILDING.fullmatch(new)
    if m and pieces:
        unit = m.group(1)
        for i in range(len(pieces) - 1, -1, -1):
            found = list(re.finditer(r"\d+" + unit, pieces[i]))
            if found:
                last = found[-1]
                pieces[i] = pieces[i][: last.start()] + new + pieces[i][last.end():]
                return
    if pieces:
        pieces[-1] = new
    else:
        pieces.append(new)


def _admin_cuts(text: str, hits: list[PlaceHit], district: str | None, street: str | None) -> list[PlaceHit]:
    """District/街道 names to cut the address after: said with their suffix, or a bare short name of the resolved
    district/街道 followed by another place name (番禺钟村祈福新邨) rather than continuing a road name (北京路)."""
    cuts = []
    for i, h in enumerate(hits):
        admin = [p for p in h.places if p.kind in ("district", "street")]
        if not admin:
            continue
        if h.explicit:
            cuts.append(h)
            continue
        consistent = any(p.name in (district, street) for p in admin)
        followed_by_place = i + 1 < len(hits) and hits[i + 1].start == h.end
        if consistent and followed_by_place and not _NAME_CONTINUES.match(text[h.end:]):
            cuts.append(h)
    return cuts


def _names_a_place(hit: PlaceHit, place: Place, district: str | None) -> bool:
    """A community/station/landmark hit that is more than a common word (路边 and 新村 are communities too)."""
    if place.kind in ("station", "landmark"):
        return True
    if place.kind != "community" or hit.common:
        return False
    if district is not None:
        return place.district == district
    return hit.explicit or len(hit.surface) >= 3


def describe_address(text: str, hits: list[PlaceHit], district: str | None = None,
                     street: str | None = None, answering: bool = False) -> AddressGuess | None:
    """The address detail in one normalised segment, district and 街道 names removed; None when there is none.

    district/street are the resolved ones (bare short names of other places are kept as part of the address);
    answering says the segment answers the agent's question about the place.
    """
    admin_hits = _admin_cuts(text, hits, district, street)
    admin_names = {n for h in hits for p in h.places if p.kind in ("district", "street") for n in (p.name, p.short)}
    place_hits = [h for h in hits if any(_names_a_place(h, p, district) for p in h.places)]
    pieces: list[str] = []
    first = last = None
    correcting = False
    for a, b in clauses(text):
        clause = text[a:b]
        if _CORRECTION.match(clause):
            correcting = True
            rest = _CORRECTION.sub("", clause).lstrip("，")
            if not rest:
                continue
            clause, a = rest, b - len(rest)
        in_clause = [h for h in admin_hits if a <= h.start and h.end <= b]
        prefix = ""
        if in_clause:
            cut = in_clause[-1]
            offset = cut.end
            remainder = text[offset:b]
            institution = bool(_INSTITUTION.search(_tidy(_cut_predicate(remainder))))
            if institution and cut.explicit and (len(in_clause) == 1 or not any(
                    p.kind == "district" for p in cut.places)):
                prefix = cut.surface  # 东涌镇政务服务中心, 花都区政务服务中心: part of the institution's name
        else:
            demand = _DEMAND.search(clause)
            if demand:  # 体育中心地铁站出口那里能不能…: the place said before the request still counts
                if demand.start() < 4:
                    continue
                clause, b = clause[: demand.start()], a + demand.start()
            m = re.search(r"(住在|在|住)", clause)
            offset = a + m.end() if m else a
            remainder = text[offset:b]
        piece = _tidy(_cut_predicate(_LEAD.sub("", remainder)))
        has_hit = any(offset <= h.start < b for h in place_hits)
        if not _is_place(piece, has_hit):
            continue
        piece = prefix + piece
        for h in place_hits:  # 火车站 → 广州火车站: a landmark is written by its name
            landmark = next((p.name for p in h.places if p.kind == "landmark"), None)
            if landmark and offset <= h.start < b and h.surface in piece and landmark not in piece:
                piece = piece.replace(h.surface, landmark, 1)
        if piece in admin_names:
            continue
        if correcting:
            _apply_correction(pieces, piece)
            correcting = False
        else:
            pieces.append(piece)
        first = offset if first is None else first
        last = b
    # A caller repeating and extending a piece (西街，西街三巷8号) keeps the longer one.
    kept: list[str] = []
    for p in pieces:
        if kept and p.startswith(kept[-1]):
            kept[-1] = p
        elif not any(p in k for k in kept):
            kept.append(p)
    # A bare number (3号) is an address only beside a place or in answer to "where".
    if len(kept) == 1 and _BUILDING.fullmatch(kept[0]) and not answering:
        return None
    if not kept:
        return None
    return AddressGuess("".join(kept), first or 0, last or len(text), len(kept))
