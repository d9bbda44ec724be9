"""District, 街道 and address detail: explicit names, implied ones, homophones, landmarks, missing places."""

from __future__ import annotations

import pytest
from extraction_helpers import A, C, talk

from assistant.extraction.address import describe_address
from assistant.extraction.gazetteer import fuzzy_pinyin, load_gazetteer
from assistant.extraction.location import find_places
from assistant.extraction.textnorm import normalize


def place(*turns):
    t = talk(*turns)
    return t.ticket.value("district"), t.ticket.value("street"), t.ticket.value("address")


def test_explicit_district_street_and_detail():
    assert place((A, "请问具体地址？"), (C, "番禺区洛浦街道，丽江花园，嗯，十二座楼下。")) == (
        "番禺区", "洛浦街道", "丽江花园12座楼下")


def test_street_alone_implies_its_district():
    d, s, _ = place((C, "我住在石井街道那边，红星村。"))
    assert (d, s) == ("白云区", "石井街道")


def test_bare_short_names_district_then_street():
    d, s, a = place((C, "我是增城仙村的，村口那条路灯全坏了。"))
    assert (d, s) == ("增城区", "仙村镇")


def test_community_implies_street_when_district_is_known():
    d, s, _ = place((C, "海珠区，七星岗那边，村口的垃圾堆了好多天。"))
    assert (d, s) == ("海珠区", "赤岗街道")


def test_metro_station_implies_street():
    d, s, _ = place((C, "就在车陂南地铁站B出口旁边，井盖没了。"))
    assert (d, s) == ("天河区", "车陂街道")


def test_landmark_only_gives_district_street_and_address():
    d, s, a = place((C, "我在火车站打的车，司机绕路。"))
    assert (d, s) == ("越秀区", "流花街道")
    assert a == "广州火车站"


@pytest.mark.parametrize("heard, district, street", [
    ("从化区熬头镇", "从化区", "鳌头镇"),          # 鳌 heard as 熬
    ("华都区新华街道", "花都区", "新华街道"),       # 花 heard as 华
    ("白云区中落潭镇", "白云区", "钟落潭镇"),       # 钟 heard as 中, three-character name
    ("增城区荔成街道", "增城区", "荔城街道"),
])
def test_homophones_resolve_by_pinyin(heard, district, street):
    assert place((C, f"我住在{heard}，门口的路烂了很久。"))[:2] == (district, street)


def test_fuzzy_pinyin_merges_common_confusions():
    assert fuzzy_pinyin("江埔") == fuzzy_pinyin("将普")
    assert fuzzy_pinyin("石牌") == fuzzy_pinyin("实排")
    assert fuzzy_pinyin("南村") == fuzzy_pinyin("兰村")   # n/l


def test_small_words_before_qu_are_not_districts():
    text = normalize("我们小区门口").text
    assert not any(p.kind == "district" for h in find_places(text, load_gazetteer()) for p in h.places)


def test_no_place_said_means_no_place():
    assert place((C, "我想问一下公积金怎么提取？"), (A, "可以在网上办理。"), (C, "好的谢谢。")) == (None, None, None)


def test_other_cities_are_not_guangzhou_streets():
    d, s, _ = place((C, "我爸在湖南老家住院，医保能直接报销吗？"))
    assert (d, s) == (None, None)


def test_agent_readback_confirmed_counts():
    d, s, _ = place((C, "我在大学城这边。"), (A, "是番禺区小谷围街道对吧？"), (C, "对对。"))
    assert (d, s) == ("番禺区", "小谷围街道")


def test_a_road_named_after_a_street_stays_in_the_address():
    _, _, a = place((A, "请问具体位置？"), (C, "越秀区北京街道，北京路，那个，新大新公司对面。"))
    assert a == "北京路新大新公司对面"


def _detail(text, district=None, street=None, answering=False):
    text = normalize(text).text
    g = describe_address(text, load_gazetteer().scan(text), district, street, answering)
    return g.value if g else None


def test_address_self_correction_of_a_building_number():
    assert _detail("荔湾区花地街道，花地湾小区，五栋，不对，是六栋。", "荔湾区", "花地街道") == "花地湾小区6栋"


def test_address_repetition_keeps_the_fuller_piece():
    assert _detail("天河区，员村，员村二横路八号。", "天河区") == "员村二横路8号"


def test_address_ignores_narrative_clauses():
    assert _detail("我们这里今天早上停水了，到现在都没来。") is None
    assert _detail("你们赶紧派人来看一下吧。") is None


def test_a_bare_number_is_an_address_only_when_asked():
    assert _detail("就3号那天。") is None
    assert _detail("3号。", answering=True) == "3号"


@pytest.mark.parametrize("heard, district, street", [
    ("白云驱同和街道", "白云区", "同和街道"),       # 区 heard as 驱
    ("增成去永宁街道", "增城区", "永宁街道"),       # 增城区 heard as 增成去
    ("从化区江普接到", "从化区", "江埔街道"),       # 街道 heard as 接到
])
def test_misheard_suffixes(heard, district, street):
    assert place((C, f"{heard}，门口的路灯不亮。"))[:2] == (district, street)


def test_local_names_heard_as_homophones_are_respelt():
    g = load_gazetteer()
    assert g.respell("卧山新村15栋楼下", "白云区", "同和街道") == "握山新村15栋楼下"
    assert g.respell("四有新马路", "越秀区", "东山街道") == "寺右新马路"
    # correct names and everyday words stay as they are
    assert g.respell("握山新村15栋", "白云区", "同和街道") == "握山新村15栋"
    assert g.respell("北京路大佛寺附近", "越秀区", "北京街道") == "北京路大佛寺附近"
    assert g.respell("卧山新村", None) == "卧山新村"


def test_everyday_words_are_weak_place_evidence():
    d, s, _ = place((A, "请问具体地址？"), (C, "增城区永宁街道，旁边那个广场，广场上面。"), (C, "那个广场天天跳舞。"))
    assert (d, s) == ("增城区", "永宁街道")


def test_building_number_homophones():
    assert normalize("棠德花园十二洞").text == "棠德花园12栋"
    assert normalize("吓得一动不动").text == "吓得一动不动"


def test_road_with_a_directional_suffix_and_a_place_before_a_request():
    assert _detail("海珠区江南中街道，江南大道中，一百八十号二楼。", "海珠区", "江南中街道") == "江南大道中180号2楼"
    assert _detail("我想建议一下，体育中心地铁站出口那里能不能多放点单车。") == "体育中心地铁站出口"


@pytest.mark.parametrize("heard, district, street", [
    ("立完区战前阶道", "荔湾区", "站前街道"),      # 荔湾 as 立完, 街道 as 阶道
    ("增成趋新塘镇", "增城区", "新塘镇"),         # 区 as 趋
    ("番禺区中村", "番禺区", "钟村街道"),          # a 街道 whose name ends in 村, heard as 中村
])
def test_suffixes_recognised_by_sound(heard, district, street):
    assert place((C, f"{heard}，那边的路灯不亮。"))[:2] == (district, street)


def test_common_words_are_not_taken_for_suffixes():
    for text in ("我去天河城买东西", "灌溉的水渠堵了", "我们小区门口"):
        n = normalize(text).text
        assert not any(h.by_pinyin for h in find_places(n, load_gazetteer())), text
