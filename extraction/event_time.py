"""When the matter happens or happened, as said ("每天晚上11点以后", "两个多星期", "昨晚9点多").

jionlp finds the time expressions; this module joins the pieces a caller says apart (半夜 + 2、3点, 7点半 到 10点),
keeps the approximations (多, 以后) and drops expressions that are not the event's time (现在, ages, rates).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from functools import lru_cache

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "event_time"
_VAGUE = re.compile(r"^(现在|目前|当时|马上|以后|之前|以前|今后|最近|平时|一会儿|这时候|到现在)$")
_FUTURE = re.compile(r"明年|明天|下个月|下周|下个星期|后天|将来")
_AFTER = re.compile(r"^(多|左右|以后|之后|以前|之前|前后)+")
# What jionlp leaves in front of a clock time: a range's first number (2、3点) and the part of the day.
_CLOCK_LEAD = re.compile(r"(凌晨|早上|上午|中午|下午|晚上|傍晚|半夜|夜里|深夜)?(\d+、)?$")
_BEFORE_PERIOD = re.compile(r"(这个月|上个月|本月|今年|去年|上周|这周|上个星期|这个星期|上个礼拜|这个礼拜)[，]?$")
_APPROXIMATELY = re.compile(r"(差不多|大概|大约|将近|快要)$")
# Spoken durations and moments jionlp does not tag.
_SPOKEN = re.compile(r"这几天|这两天|这段时间|好几天|好多天|好几个月|好几年|好几个星期|好久|刚才|刚刚|天天")
_PERIODIC_ONLY = re.compile(r"^(每个?月|每天|每年|每周|每个星期)$")
_CLOCK_OR_DATE = re.compile(r"\d+(点|号|日|月)")
# A "12号" right after a road or building is a house number, not a date.
_IN_ADDRESS = re.compile(r"[路街巷道村栋座楼区]$")
_JOIN_RANGE = re.compile(r"^[\u4e00-\u9fff]{0,4}?(到|至)$")
_JOIN_PLAIN = re.compile(r"^[\d、，]*$")
_AGE_OR_RATE = re.compile(r"^(满\d|\d*岁|[^，。]{0,2}(扣|交|收|多收|缴)|级)")


class _DropJionlpErrors(logging.Filter):
    """jionlp logs a traceback on the root logger for expressions it cannot parse; they are not our errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "jionlp" not in (record.pathname or "") and "## exception string" not in str(record.msg)


@lru_cache(maxsize=1)
def _extractor():
    with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
        import jionlp  # heavy: imported on first use only

    logging.getLogger().addFilter(_DropJionlpErrors())
    return jionlp.ner.extract_time


def time_spans(text: str) -> list[tuple[int, int, str]]:
    """The event-time expressions of a normalised text, pieces joined: (start, end, as a clerk writes it)."""
    try:
        found = _extractor()(text, with_parsing=False)
    except Exception:  # jionlp raises on some odd inputs; a missed time is better than a crash
        return []
    spans = [(f["offset"][0], f["offset"][1]) for f in found]
    for m in _SPOKEN.finditer(text):
        if not any(a <= m.start() < b for a, b in spans):
            spans.append((m.start(), m.end()))
    merged: list[list] = []   # [start, end, pieces]: a range keeps its two ends and drops the verb between
    for a, b in sorted(spans):
        if merged:
            gap = text[merged[-1][1]:a]
            if _JOIN_PLAIN.match(gap) and "，" not in gap:
                merged[-1][2].append(text[merged[-1][1]:b])
                merged[-1][1] = max(b, merged[-1][1])
                continue
            if _JOIN_RANGE.match(gap):  # 7点半（跳）到10点, 晚上（放音乐）到凌晨3点
                merged[-1][2].append(gap[-1] + text[a:b])
                merged[-1][1] = max(b, merged[-1][1])
                continue
        merged.append([a, b, [text[a:b]]])
    out = []
    for a, b, pieces in merged:
        said = "".join(pieces)
        m = _AFTER.match(text[b:])
        if m:
            b += m.end()
            said += m.group(0)
        for lead in (_CLOCK_LEAD, _BEFORE_PERIOD, _APPROXIMATELY):
            m = lead.search(text[:a])
            if m and m.group(0) and (lead is not _CLOCK_LEAD or re.match(r"\d", text[a:a + 1])):
                said = text[m.start():a] + said
                a = m.start()
        out.append((a, b, render(said)))
    return out


def render(text: str) -> str:
    """As a clerk writes it: no pauses, no trailing 到现在/开始."""
    return re.sub(r"(到现在|至今|开始|起)$", "", text.replace("，", "")) or text


class EventTimeProposer:
    name = "time-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        if view.speaker != "caller":
            return []
        text = view.text
        out = []
        for a, b, written in time_spans(text):
            said = text[a:b]
            if (_VAGUE.match(said) or _FUTURE.search(said) or _AGE_OR_RATE.match(text[b:]) or said.isdigit()
                    or text[:a].endswith("第") or _IN_ADDRESS.search(text[:a])):
                continue
            if _PERIODIC_ONLY.match(said) and ("？" in text[b:b + 12] or "多少" in text[b:b + 8]):
                continue  # 每个月能提多少？ — a rate asked about, not when something happened
            conf = 0.85 if "time" in view.asked else 0.7
            if _CLOCK_OR_DATE.search(said):
                conf += 0.05   # 昨天晚上12点多 says more than 半夜
            elif len(said) <= 2:
                conf -= 0.05
            out.append(view.candidate(KEY, written, conf, a, b, kind="time"))
        return out
