"""Dialogue awareness: what the agent asks, read-backs, confirmations and corrections.

The agent's question tells what the caller's next answer is about; the agent's read-back followed by the caller's
对 confirms a value; 不对/不是 rejects it and what follows corrects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.extraction.candidates import Candidate

_PARTY_NOUNS = r"(店|厂|公司|物业|幼儿园|学校|医院|诊所|门诊部|单位|商家|超市|商场|机构|中心|酒店|餐厅|饭店|车)"
_TOPICS: dict[str, re.Pattern[str]] = {
    "party": re.compile(_PARTY_NOUNS + r"[^，。？]{0,4}(叫什么|名字|名称)|厂名|店名|哪家|哪个单位|哪个公司|车牌|车号"),
    # with the recogniser's versions of 贵姓 and 电话 (贵信, 会信, 变化)
    "name": re.compile(r"贵姓|贵信|会信|贵性|怎么称呼|称呼您|姓名|您叫什么|留个名|名字"),
    "phone": re.compile(r"电话|联系方式|手机|号码|变化多少"),
    "address": re.compile(r"地址|位置|哪个小区|哪条路|在哪|哪里|什么地方|哪个区|哪个街道|哪一带|具体在"),
    "time": re.compile(r"什么时候|哪天|几点|多久|多长时间|什么时间"),
    "amount": re.compile(r"多少钱|金额|花了多少|交了多少"),
    "id": re.compile(r"身份证|证件号"),
}
_QUESTION = re.compile(r"(对吗|对吧|是吧|是吗|是不是|没错吧|对不对|吗)[？?]?\s*$|(对吗|对吧|是吧|是吗)[，。？]")
_YES = re.compile(r"^(对|是|嗯|没错|没问题|好的|好|就是|对的|是的|对对)")
_NO = re.compile(r"^(不对|不是|错了|不|没有|说错)")


# Clauses of the call's housekeeping (greeting, contact details, read-backs, thanks): they say nothing about the
# matter, and their words (电话, 登记, 先生) would otherwise lift templates that happen to use them.
_HOUSEKEEPING = re.compile(r"(电话|手机|号码)(是|多少|号)|^电话|联系电话|联系方式|留个|贵姓|姓名|称呼|我姓|^姓|我叫|叫我|先生|"
                           r"女士|为您登记|您好|你好|请讲|12345|感谢|谢谢|对吗|对吧|是吧|是吗|\d{4,}|"
                           r"^(对|好的|嗯|是的|对的|好)$")


def topic_text(text: str) -> str:
    """The clauses of a normalised segment that can be about the matter."""
    from assistant.extraction.textnorm import clauses

    kept = [text[a:b] for a, b in clauses(text) if not _HOUSEKEEPING.search(text[a:b])]
    return "，".join(kept)


def asked_topics(agent_text: str) -> frozenset[str]:
    """Topics an agent utterance asks about (name, phone, address, time, party, amount)."""
    topics = set()
    for topic, pattern in _TOPICS.items():
        if pattern.search(agent_text):
            topics.add(topic)
    if "party" in topics and not re.search(r"贵姓|贵信|怎么称呼|您的姓名|您叫什么", agent_text):
        topics.discard("name")
    return frozenset(topics)


def asks_confirmation(agent_text: str) -> bool:
    return bool(_QUESTION.search(agent_text.strip()))


def reply_polarity(caller_text: str) -> str | None:
    """'yes' / 'no' for a caller reply that starts by confirming or rejecting, else None."""
    text = caller_text.strip()
    if _NO.match(text):
        return "no"
    if _YES.match(text):
        return "yes"
    return None


@dataclass
class DialogueState:
    """What the conversation so far implies for the next segment."""

    asked: frozenset[str] = frozenset()               # topics of the agent's last question
    pending: list[Candidate] = field(default_factory=list)   # agent read-back values awaiting the caller's answer
    last_speaker: str | None = None

    def after_agent(self, text: str, readback: list[Candidate]) -> None:
        self.asked = asked_topics(text)
        self.pending = readback if asks_confirmation(text) else []
        self.last_speaker = "agent"

    def after_caller(self) -> None:
        self.asked = frozenset()
        self.pending = []
        self.last_speaker = "caller"
