"""Money involved: "3800元", "每月600元" — the amount charged, owed or paid, not the one it is compared with."""

from __future__ import annotations

import re

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "amount"
_MONEY = re.compile(r"(\d+(?:\.\d+)?)(万)?(多|来)?(块钱|块|元|万元)")
_VERB_BEFORE = re.compile(r"(收了?我?|交了?|花了?|付了?|扣了?|欠了?我?|被欠了?|退|赔|罚了?|多收了?|充了?|骗了?我?|借了?|贷了?|"
                          r"工资|押金|定金|费用|一共|总共)[^，。？\d]{0,3}$")
_BARE_AFTER_VERB = re.compile(r"(收了我|收我|扣了我|欠了我|欠我|骗了我|花了我|赔我|交了|付了|花了|扣了|罚了|充了|押金|定金)"
                              r"(\d+(?:\.\d+)?)(万)?(?![\d天号点栋楼层岁个次年月日分%])")
_COMPARED = re.compile(r"(平时|说好|本来|原来|原价|只要|一般|以前|之前|正常)[^，。？]{0,6}$")
_PERIOD = re.compile(r"(每个?月|每年|每次|每天|每周|每个星期)[^，。？\d]{0,4}$")


def _yuan(number: str, wan: str | None) -> str:
    value = float(number) * (10000 if wan else 1)
    return f"{int(value)}元" if value.is_integer() else f"{value:g}元"


class AmountProposer:
    name = "amount-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        if view.speaker != "caller":
            return []
        text = view.text
        found: list[tuple[int, int, str, float]] = []
        for m in _MONEY.finditer(text):
            wan = m.group(2) or ("万" if m.group(4) == "万元" else None)
            found.append((m.start(), m.end(), _yuan(m.group(1), wan), 0.8 if _VERB_BEFORE.search(text[:m.start()]) else 0.7))
        for m in _BARE_AFTER_VERB.finditer(text):
            if any(a <= m.start(2) < b for a, b, _, _ in found):
                continue
            found.append((m.start(2), m.end(), _yuan(m.group(2), m.group(3)), 0.75))
        out = []
        for a, b, value, conf in found:
            before = text[:a]
            if _COMPARED.search(before):
                conf = 0.4
            period = _PERIOD.search(before)
            if period:
                value = "每" + ("月" if "月" in period.group(1) else period.group(1)[-1]) + value
            if "amount" in view.asked:
                conf = max(conf, 0.85)
            out.append(view.candidate(KEY, value, conf, a, b, kind="amount"))
        return out
