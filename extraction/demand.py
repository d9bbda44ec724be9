"""What the caller asks for: "希望你们管一管", "要求退还预付卡余额", or, for a question, the question itself."""

from __future__ import annotations

import re

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState
from assistant.extraction.textnorm import clauses

KEY = "demand"
_REQUEST = re.compile(r"希望|要求|麻烦|请你们|请帮|帮我|帮忙|赶紧|尽快|快点|能不能|可不可以|能否|退给我|退钱|赔偿|"
                      r"你们(去|来|派人|管|查|处理|核实)|派人|管一管|处理一下|查一下")
_QUESTION = re.compile(r"想问|问一下|问下|请问|咨询|了解一下|怎么|如何|哪里|多少|多久|什么|能不能|可以|吗[？]?$|呢[？]?$|？$")
_LEAD = re.compile(r"^(你好|您好|喂|那个|就是|然后|所以|那(?![边个里些么样])|哦|对|嗯|好的|我想|我要|想|问一下|问下|问|"
                   r"咨询一下|咨询|了解一下|请问)+[，]?")
_PRAISE = re.compile(r"表扬|感谢")
_ONLY_ASKING = re.compile(r"^(我|我们)?(帮[^，]{1,3})?(想)?(问一下|问下|咨询一下|了解一下)$")
_TRAIL = re.compile(r"[啊呀吧呢嘛啦哈]+$")
_NOT_DEMAND = re.compile(r"电话|贵姓|我姓|我叫|谢谢")


def _clean(clause: str) -> str:
    clause = _LEAD.sub("", clause.strip())
    return _TRAIL.sub("", clause)


def _as_recorded(value: str, kind: str) -> str:
    """How a clerk records it: the hotline asks the departments (你们 → 有关部门); a question is 了解….."""
    value = value.replace("你们", "有关部门")
    if kind == "question" and not value.startswith(("了解", "咨询", "查询")):
        value = "了解" + value
    return value


class DemandProposer:
    name = "demand-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        if view.speaker != "caller":
            return []
        text = view.text
        out: list[Candidate] = []
        spans = clauses(text)
        for i, (a, b) in enumerate(spans):
            clause = text[a:b]
            if _NOT_DEMAND.search(clause):
                continue
            request = _REQUEST.search(clause)
            asks = text[b:b + 1] == "？"
            question = asks or _QUESTION.search(clause)
            praise = _PRAISE.search(clause)
            if not request and not question and not praise:
                continue
            # A question often spans two clauses: 我想问一下，社保要怎么交？ → take the one that asks.
            value = _clean(clause)
            if len(value) < 4 or _ONLY_ASKING.match(clause):
                continue
            if request:
                kind, conf = "request", 0.7 if re.search(r"希望|要求", clause) else 0.6
            elif question:
                kind, conf = "question", 0.55 if asks else 0.45
            else:
                kind, conf = "praise", 0.5
            out.append(view.candidate(KEY, _as_recorded(value, kind), conf, a, b, kind=kind))
        return out
