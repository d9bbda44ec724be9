"""First-version retrieval on the small fixture catalogue: ranking, appeal-type cues and filters, bad input."""

from __future__ import annotations

import pytest

from assistant.templates.catalogue import load_catalogue
from assistant.templates.search import TemplateSearch, appeal_cues, tokenize

from templates_helpers import compiled_fixture


@pytest.fixture(scope="module")
def ts(tmp_path_factory):
    return TemplateSearch(load_catalogue(compiled_fixture(tmp_path_factory.mktemp("cat"))))


def _ids(hits):
    return [h.template.id for h in hits]


def test_tokens_are_characters_and_bigrams_without_fillers():
    toks = tokenize("楼下烧烤店天天吵到半夜！")
    assert "烧烤" in toks and "半夜" in toks and "吵到" in toks
    assert "的" not in tokenize("我的")


def test_cues():
    strong = appeal_cues("我想问一下怎么办理")
    assert set(strong) == {"咨询"}
    # naming the appeal type outweighs, and silences, the weaker hints ("帮忙" alone hints at 求助)
    assert set(appeal_cues("我要投诉，希望你们帮忙管一管")) == {"投诉"}
    weak = appeal_cues("能不能帮忙派人来看一下")
    assert set(weak) == {"求助"} and weak["求助"] < strong["咨询"]
    assert appeal_cues("楼下那个店") == {}


@pytest.mark.parametrize("query, expected_matter", [
    ("楼下烧烤店天天吵到半夜，根本睡不着", "eco.catering-noise"),
    ("旁边那个工地晚上十二点还在打桩", "eco.night-construction-noise"),
    ("我们村边上那条河又黑又臭", "eco.black-odorous-river"),
    ("公司两年都没给我交住房公积金", "housing-fund.employer-not-paying"),
    ("租房子的话公积金能不能拿出来付房租", "housing-fund.rent-withdrawal"),
])
def test_the_right_matter_ranks_first(ts, query, expected_matter):
    hits = ts.search(query, k=3)
    assert hits and hits[0].template.matter_id == expected_matter, _ids(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_the_callers_wording_picks_the_appeal_type(ts):
    assert ts.search("我要举报旁边工地没有许可证半夜施工", k=1)[0].template.id == "eco.night-construction-noise.report"
    assert ts.search("想问一下晚上几点以后工地就不能施工了", k=1)[0].template.id == "eco.night-construction-noise.consult"
    assert ts.search("我想表扬公积金中心的工作人员，特别耐心", k=1)[0].template.id == "housing-fund.counter-service.praise"


def test_appeal_type_filter(ts):
    hits = ts.search("楼下烧烤店太吵", k=5, appeal_type="举报")
    assert hits and all(h.template.appeal_type == "举报" for h in hits)
    with pytest.raises(ValueError, match="unknown appeal type"):
        ts.search("楼下烧烤店太吵", appeal_type="抱怨")
    with pytest.raises(ValueError):
        ts.search("楼下烧烤店太吵", k=0)


def test_nothing_in_common_finds_nothing(ts):
    assert ts.search("abc xyz") == []
    assert ts.search("") == []
    assert len(ts.search("公积金", k=50)) <= 21
