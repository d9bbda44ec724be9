"""The party a caller complains about, reports or praises: a shop, company, unit or person
("湘味坊烧烤店", "悦华物业", "星辰通信", "流动摊贩", "景泰街社区卫生服务中心黄医生")."""

from __future__ import annotations

import re

from assistant.extraction.candidates import Candidate, SegmentView
from assistant.extraction.dialogue import DialogueState

KEY = "involved_party"
# Words that end the name of an organisation, longest first.
ORG_SUFFIXES = (
    "有限公司", "卫生服务中心", "政务服务中心", "服务中心", "派出所", "交警大队", "执法队", "居委会", "村委会", "街道办",
    "管理局", "公安局", "分局", "加工厂", "电子厂", "便利店", "烧烤店", "数码城", "门诊部",
    "幼儿园", "培训机构", "健身房", "营业厅", "物业公司", "管理处", "诊所", "医院", "卫生院", "学校", "中学", "小学",
    "公司", "集团", "超市", "药店", "药房", "酒店", "宾馆", "餐厅", "饭店", "酒楼", "银行", "中介", "驾校", "工地",
    "物业", "健身", "通信", "电信", "移动", "联通", "棋牌室", "网吧", "酒吧", "会所", "作坊", "档口", "摊档", "厂", "店", "馆",
    "中心",
)
_SUFFIX = re.compile("|".join(ORG_SUFFIXES))
# Generic names (a kind, not a name): kept only when nothing better is said.
_GENERIC = re.compile(r"^(小区|我们|这个|那个|楼下|附近|旁边|一个|一家)*(" + "|".join(ORG_SUFFIXES) + r"|五金厂|工厂|小公司)$")
# Characters and words that cannot be inside a name: the left edge of a name is after the last of them.
_LEFT_EDGE = re.compile(r".*(?:那个|这个|一个|一家|那家|这家|有个|有家|一下|投诉|举报|表扬|反映|感谢|谢谢|"
                        r"[，。？！；、\s的个了在是叫去到从把被给跟和与说就还也有我你他她它们])")
_PERSON = re.compile(r"的?([\u4e00-\u9fff]?(?:医生|护士|老师|警官|民警|师傅|司机|工作人员|保安|经理|主任))")
_CALLED = re.compile(r"(?:叫做|名字叫|叫|名字是|名称是)([\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:的)?(?=[，。？！；]|$)")
_OBJECT = re.compile(r"(?:投诉|举报|表扬)(?:一下)?(?:一个|一家|那个|这个|我们)?(?:[\u4e00-\u9fff]{1,4}那边的|[\u4e00-\u9fff]{0,6}的)?"
                     r"([\u4e00-\u9fff]{2,8}?(?:司机|摊贩|商家|老板|中介|车|队伍|人员|小贩|工地|房东))(?=[，。？！；]|$|[\u4e00-\u9fff])")


_LANDMARK_AFTER = re.compile(r"^(门口|对面|旁边|附近|楼下|后面|里面|隔壁|那边|这边|地铁站|站|出口|入口)")


def _name_before(text: str, suffix_start: int, suffix_end: int, max_len: int = 12) -> str:
    """The name ending with the suffix text[suffix_start:suffix_end]: back to the last character that cannot be part
    of a name."""
    start = max(0, suffix_start - max_len)
    m = _LEFT_EDGE.match(text, start, suffix_start)
    if m:
        start = m.end()
    return text[start:suffix_end]


def is_generic(name: str) -> bool:
    """A kind of party rather than a named one: 烧烤店, 五金厂, 小区物业."""
    return bool(_GENERIC.match(name)) or (len(name) <= 3 and name[-1] in "店厂")


def _org_mentions(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _SUFFIX.finditer(text):
        name = _name_before(text, m.start(), m.end())
        if len(name) < 2 or _LANDMARK_AFTER.match(text[m.end():]):
            continue
        start = m.end() - len(name)
        end = m.end()
        person = _PERSON.match(text, end)
        if person and person.group(1)[0] not in "的":
            name += person.group(1)  # 服务中心的黄医生 → 服务中心黄医生
            end = person.end()
        out.append((start, end, name))
    # A longer name that contains a shorter one (电子厂 inside 志诚电子厂) is the same mention.
    out.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    kept: list[tuple[int, int, str]] = []
    for s, e, n in out:
        if kept and s < kept[-1][1]:
            continue
        kept.append((s, e, n))
    return kept


class PartyProposer:
    name = "party-rules"

    def propose(self, view: SegmentView, state: DialogueState) -> list[Candidate]:
        if view.speaker != "caller":
            return []
        text = view.text
        out: list[Candidate] = []
        orgs = _org_mentions(text)
        for s, e, name in orgs:
            generic = is_generic(name)
            out.append(view.candidate(KEY, name, 0.4 if generic else 0.7, s, e, kind="generic" if generic else "org"))
        # 烧烤店，叫湘味坊的 → 湘味坊烧烤店; 物业叫悦华物业 → 悦华物业
        for m in _CALLED.finditer(text):
            name = m.group(1)
            if name[0] in "我你他她" or re.search(r"先生|女士|小姐", name):
                continue
            if _SUFFIX.search(name[-3:]) or _SUFFIX.fullmatch(name[-1:]):
                out.append(view.candidate(KEY, name, 0.8, m.start(1), m.end(1), kind="named"))
                continue
            before = self._org_before(text, m.start(), orgs)
            if before is not None:
                # 烧烤店，叫湘味坊的 → 湘味坊烧烤店; 一家装修公司，叫鑫盛装饰 → 鑫盛装饰 (its own name)
                kind_word = self._kind_word(before)
                value = name + kind_word if kind_word and not name.endswith(kind_word) else name
                out.append(view.candidate(KEY, value, 0.8, m.start(1), m.end(1), kind="named"))
            elif "party" in view.asked:
                out.append(view.candidate(KEY, name, 0.75, m.start(1), m.end(1), kind="named"))
        for m in _OBJECT.finditer(text):
            out.append(view.candidate(KEY, m.group(1), 0.5, m.start(1), m.end(1), kind="object"))
        return out

    @staticmethod
    def _org_before(text: str, pos: int, orgs: list[tuple[int, int, str]]) -> str | None:
        """The organisation named just before "叫X" (那个烧烤店，叫湘味坊的), if any."""
        before = [o for o in orgs if o[1] <= pos and pos - o[1] <= 2]
        return before[-1][2] if before else None

    @staticmethod
    def _kind_word(name: str) -> str | None:
        """The kind a generic name gives (小区物业 → 物业, 烧烤店 → 烧烤店); None for a specific name."""
        generic = _GENERIC.match(name)
        if generic:
            return generic.group(2)
        return name if is_generic(name) else None
