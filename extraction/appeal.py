"""The appeal type (诉求类型) from the caller's words: 投诉 / 举报 / 咨询 / 建议 / 表扬 / 求助.

Explicit verbs ("我要投诉", "我想举报", "提个建议", "我想表扬", "想问一下") are strong evidence; the catalogue's
softer cues (扰民, 偷排, 帮忙 …) are weak evidence; both are combined with the template scores by the chooser.
"""

from __future__ import annotations

import re

from assistant.templates.schema import APPEAL_TYPES
from assistant.templates.search import appeal_cues

# Strong, explicit statements of the appeal type by the caller.
STRONG_CUES: dict[str, re.Pattern[str]] = {
    "举报": re.compile(r"举报"),
    "投诉": re.compile(r"投诉"),
    "表扬": re.compile(r"表扬|点赞|送锦旗|感谢[^，。]{0,10}(工作人员|医生|老师|民警|师傅|同志)"),
    "建议": re.compile(r"建议|提个意见|提个议|提议"),
    "咨询": re.compile(r"想问|问一下|问下|咨询|想了解|了解一下|请问|合理吗|可以吗|能不能办|要怎么|怎么办理|怎么申请|"
                     r"要带什么|需要什么|什么条件|什么材料"),
    "求助": re.compile(r"求助|救助|求求|帮帮|帮个忙|能不能找人"),
}
# Softer signs, on top of the catalogue's own cue list: what the matter is (偷排 is reported), or a bare question.
WEAK_CUES: dict[str, re.Pattern[str]] = {
    "举报": re.compile(r"违建|违章|偷排|偷倒|传销|无证|黑作坊|假冒|走私|赌博|窝点"),
    "咨询": re.compile(r"吗[？?]|多久|多长时间|怎么弄|怎么办理|怎么交|哪里办|什么手续"),
    "求助": re.compile(r"派人|尽快修|帮我们|恢复|救救|疏通|修好|修一下|找人"),
    # A grievance against someone (they charge, owe, refuse, park, dump) is a complaint.
    "投诉": re.compile(r"退给我|退钱|退款|退还|不给退|不退|补缴|赔偿|拖欠|欠了|多收|乱收|乱停|乱摆|不处理|没人管|"
                     r"联系不上|不理|态度"),
}
# When several strong cues are said, the more specific act wins (a complaint that also asks a question is a
# complaint).
PRECEDENCE = ("举报", "投诉", "表扬", "建议", "求助", "咨询")


def cue_scores(caller_texts: list[str], party_named: bool = False) -> dict[str, float]:
    """Evidence per appeal type from the caller's turns (earlier turns, where callers state their purpose, count
    more); a named party at fault (a shop, a company) leans towards a complaint."""
    scores = dict.fromkeys(APPEAL_TYPES, 0.0)
    if party_named:
        scores["投诉"] += 0.3
    for i, text in enumerate(caller_texts):
        weight = 1.0 if i < 2 else 0.6
        for appeal, pattern in STRONG_CUES.items():
            if pattern.search(text):
                scores[appeal] += weight * (1.0 + 0.1 * (len(PRECEDENCE) - PRECEDENCE.index(appeal)))
        for appeal in appeal_cues(text):
            scores[appeal] += 0.3 * weight
        for appeal, pattern in WEAK_CUES.items():
            if pattern.search(text):
                scores[appeal] += 0.3 * weight
    return scores


def strongest(scores: dict[str, float], minimum: float = 0.9) -> str | None:
    """The appeal type the caller stated outright, if any."""
    best = max(scores.items(), key=lambda kv: kv[1])
    return best[0] if best[1] >= minimum else None
