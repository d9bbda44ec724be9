"""Template choice: appeal type from the caller's words combined with the template scores, top 3, plug-in scorers,
title and handling unit."""

from __future__ import annotations

import numpy as np
from extraction_helpers import A, C, talk

from assistant.extraction import TicketTracker, default_resources
from assistant.extraction.appeal import cue_scores, strongest
from assistant.extraction.routing import suggest_unit
from assistant.templates.units import LOCAL_DISTRICT, LOCAL_STREET


def test_stated_appeal_type_wins():
    assert strongest(cue_scores(["我要举报，有个工厂晚上偷偷往河里排污水"])) == "举报"
    assert strongest(cue_scores(["我想提个建议，公交站能不能加个雨棚"])) == "建议"
    assert strongest(cue_scores(["我想表扬一下社区的王医生"])) == "表扬"
    assert strongest(cue_scores(["我想问一下怎么办理居住证"])) == "咨询"
    # a complaint that also asks something is still a complaint
    assert strongest(cue_scores(["我要投诉这个物业，你们能不能管一下？"])) == "投诉"
    assert strongest(cue_scores(["楼下很吵"])) is None


def test_ticket_appeal_type_and_template_agree_with_the_caller():
    for opening, appeal in (("我要举报，", "举报"), ("我要投诉，", "投诉"), ("我想咨询一下，", "咨询")):
        t = talk((C, opening + "我们楼下的餐馆油烟很大，晚上还很吵。"))
        assert t.ticket.appeal_type == appeal
        assert t.resources.catalogue.get(t.ticket.template_id).appeal_type == appeal


def test_top3_is_ordered_and_scored():
    t = talk((C, "我要投诉，小区旁边工地半夜还在打桩施工，吵得睡不着。"))
    top = t.ticket.template_top3
    assert len(top) == 3
    assert len({c.template_id for c in top}) == 3
    assert all(0 <= c.score <= 1 for c in top)
    assert top[1].score >= top[2].score
    assert t.ticket.category_l1 == "生态环境"


class _FixedScorer:
    """A stand-in for a learned template scorer: always prefers one template."""

    name = "fixed"

    def __init__(self, n: int, index: int):
        self.n, self.index = n, index

    def session(self):
        scorer = self

        class _S:
            def add(self, view):
                return True

            def scores(self):
                s = np.zeros(scorer.n)
                s[scorer.index] = 1.0
                return s

        return _S()


def test_a_plugged_in_scorer_changes_the_choice():
    base = default_resources()
    target = next(i for i, t in enumerate(base.catalogue.templates) if t.appeal_type == "投诉"
                  and t.category_l1 == "劳动和社会保障")
    resources = base.with_components(scorers=((_FixedScorer(len(base.catalogue.templates), target), 5.0),))
    t = talk((C, "我要投诉，小区旁边工地半夜还在打桩施工。"), tracker=TicketTracker(resources))
    assert t.ticket.template_id == base.catalogue.templates[target].id


class _NerStub:
    """A stand-in for a learned span proposer."""

    name = "ner-stub"

    def propose(self, view, state):
        i = view.text.find("东方红")
        return [view.candidate("involved_party", "东方红茶楼", 0.9, i, i + 3, proposer=self.name)] if i >= 0 else []


def test_a_plugged_in_proposer_adds_candidates():
    resources = default_resources().with_components(proposers=(_NerStub(),))
    t = talk((C, "我投诉东方红，卫生太差了。"), tracker=TicketTracker(resources))
    assert t.ticket.value("involved_party") == "东方红茶楼"


def test_title_is_conventional_and_short():
    t = talk((C, "我要投诉，海珠区凤阳街道，逸景翠园那边有个烧烤档天天半夜还在营业，油烟很大。"))
    title = t.ticket.title
    assert title.startswith("投诉") and "海珠区" in title and len(title) <= 30


def test_handling_unit_goes_to_the_district_for_local_matters():
    cat = default_resources().catalogue
    local = next(t for t in cat.templates if t.handling_units[0] == LOCAL_STREET)
    assert suggest_unit(local, "白云区", "京溪街道") == "京溪街道办事处"
    assert suggest_unit(local, "从化区", "鳌头镇") == "鳌头镇人民政府"
    assert suggest_unit(local, "白云区", None) == "白云区人民政府"
    district = next((t for t in cat.templates if t.district_handled and t.handling_units[0] not in
                     (LOCAL_STREET, LOCAL_DISTRICT)), None)
    assert district is not None
    assert suggest_unit(district, "海珠区", None) == "海珠区人民政府"
    assert suggest_unit(district, None, None) == district.handling_units[0]
    city = next((t for t in cat.templates if not t.district_handled), None)
    assert city is not None and suggest_unit(city, "海珠区", None) == city.handling_units[0]


def test_housekeeping_clauses_do_not_score_templates():
    from assistant.extraction.dialogue import topic_text
    from assistant.extraction.textnorm import normalize

    assert topic_text(normalize("姓王，电话一三九，二五零八，七四一六。希望你们管一管。").text) == "希望你们管一管"
    assert topic_text(normalize("请问您贵姓，电话多少？").text) == ""
    # the matter itself may be about phones
    assert "手机信号特别差" in topic_text(normalize("我们小区手机信号特别差，打电话老是断").text)


def test_template_count_fields_read_numbers_with_their_unit():
    from assistant.extraction.template_fields import _COUNT

    assert _COUNT.search("垃圾3天都没人来收").group(0) == "3天"
    assert _COUNT.search("电梯坏了两个多星期了").group(0) == "两个多星期"
    assert _COUNT.search("欠了10个人的工资").group(0) == "10个人"
