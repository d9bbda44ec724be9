"""Ticket titles: conventional wording, empty placeholders dropped, no repeats, at most 30 characters."""

from __future__ import annotations

import pytest

from assistant.templates.catalogue import load_catalogue
from assistant.templates.title import render_title, trim_address_detail

from templates_helpers import compiled_fixture


@pytest.fixture(scope="module")
def cat(tmp_path_factory):
    return load_catalogue(compiled_fixture(tmp_path_factory.mktemp("cat")))


def test_complaint_title_reads_like_a_clerks(cat):
    t = cat["eco.catering-noise.complaint"]
    title = render_title(t, {"district": "白云区", "street": "京溪街道", "address": "云景花园",
                             "involved_party": "烧烤店", "caller_name": "王先生"})
    assert title == "投诉白云区京溪街道云景花园烧烤店餐饮店夜间噪声扰民问题"   # the caller's name is not in a title


def test_empty_values_vanish(cat):
    t = cat["housing-fund.rent-withdrawal.consult"]
    assert render_title(t, {}) == "咨询租房提取公积金问题"
    assert render_title(t, {"district": None, "street": "", "address": "  "}) == "咨询租房提取公积金问题"
    assert render_title(t, {"district": "海珠区"}) == "咨询海珠区租房提取公积金问题"


def test_help_is_recorded_as_反映_and_suggestions_and_praise(cat):
    assert render_title(cat["eco.black-odorous-river.help"], {"district": "增城区", "address": "西园村"}) \
        == "反映增城区西园村河涌黑臭问题"
    assert render_title(cat["eco.square-dance-noise.suggestion"], {"district": "增城区", "street": "永宁街道"}) \
        == "关于增城区永宁街道广场舞噪音扰民的建议"
    assert render_title(cat["housing-fund.counter-service.praise"], {"involved_party": "公积金中心天河管理部"}) \
        == "表扬公积金中心天河管理部公积金窗口服务态度"


def test_values_are_not_repeated(cat):
    t = cat["eco.night-construction-noise.complaint"]
    # the address already names the street; the party repeats the start of the subject
    title = render_title(t, {"district": "天河区", "street": "棠下街道", "address": "棠下街道荷光路",
                             "involved_party": "夜间施工工地"})
    assert title.count("棠下街道") == 1
    assert render_title(cat["eco.catering-noise.complaint"], {"involved_party": "楼下餐饮店"}) \
        == "投诉楼下餐饮店夜间噪声扰民问题"


def test_long_titles_shorten_street_first_then_address_detail(cat):
    t = cat["eco.catering-noise.complaint"]
    values = {"district": "白云区", "street": "京溪街道", "address": "云景花园7栋", "involved_party": "好运来烧烤"}
    full = render_title(t, values, max_chars=100)
    assert full == "投诉白云区京溪街道云景花园7栋好运来烧烤餐饮店夜间噪声扰民问题"
    no_street = render_title(t, values, max_chars=len(full) - 1)
    assert no_street == "投诉白云区云景花园7栋好运来烧烤餐饮店夜间噪声扰民问题"
    no_detail = render_title(t, values, max_chars=len(no_street) - 1)
    assert no_detail == "投诉白云区云景花园好运来烧烤餐饮店夜间噪声扰民问题"
    assert len(render_title(t, values)) <= 30


def test_very_long_values_still_fit(cat):
    t = cat["housing-fund.employer-not-paying.report"]
    title = render_title(t, {"district": "番禺区", "street": "市桥街道", "address": "繁华路一百二十三号金色年华商业广场",
                             "involved_party": "广州市番禺区汇鑫国际贸易发展有限公司"})
    assert len(title) <= 30 and title.startswith("举报") and "单位未缴存公积金" in title


@pytest.mark.parametrize("address, trimmed", [
    ("云景花园7栋", "云景花园"), ("西园路12号", "西园路"), ("棠德花园二期3座1202", "棠德花园"),
    ("逸景翠园28栋", "逸景翠园"), ("大塘新街", "大塘新街"), ("7栋", "7栋"), ("北京路", "北京路"),
])
def test_address_detail(address, trimmed):
    assert trim_address_detail(address) == trimmed


def test_a_subject_that_ends_in_问题_is_not_doubled(cat):
    t = cat["eco.catering-noise.complaint"].model_copy(update={"subject": "餐饮店噪声问题"})
    assert render_title(t, {"district": "白云区"}) == "投诉白云区餐饮店噪声问题"


def test_a_value_that_repeats_the_district_keeps_the_conventional_order(cat):
    t = cat["housing-fund.counter-service.complaint"]
    title = render_title(t, {"district": "花都区", "street": "新华街道", "involved_party": "花都区公积金服务网点"})
    assert title == "投诉花都区新华街道公积金服务网点公积金窗口服务态度问题"


def test_asides_go_with_the_address_detail():
    assert trim_address_detail("凤尾村村口空地（近九龙大道）") == "凤尾村村口空地"
