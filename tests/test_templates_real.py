"""The real catalogue (templates/source → templates/data): counts, validation, freshness, sensible fields and
titles, load speed and memory, search quality and latency. Queries are written here in callers' own words."""

from __future__ import annotations

import json
import random

import pytest

from assistant.templates.build import SOURCE_DIR, compile_source, stale_files
from assistant.templates.catalogue import load_catalogue
from assistant.templates.schema import APPEAL_TYPES, CATEGORY_L1, EXPECTED_COUNTS, FieldType
from assistant.templates.search import TemplateSearch
from assistant.templates.title import render_title
from assistant.templates.units import load_units
from assistant.templates.validate import counts, validate_catalogue

COMMON = ("caller_name", "caller_phone", "id_number", "district", "street", "address", "event_time",
          "involved_party", "amount", "demand")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


@pytest.fixture(scope="module")
def index(cat):
    return TemplateSearch(cat)


def test_counts(cat):
    assert counts(cat) | {"l2": 0} == EXPECTED_COUNTS | {"l2": 0}
    assert cat.l1_names == CATEGORY_L1
    assert {t.appeal_type for t in cat.templates} == set(APPEAL_TYPES)


def test_validates_clean(cat, data_dir):
    assert validate_catalogue(cat, load_units(data_dir), EXPECTED_COUNTS) == []


def test_compiled_data_is_up_to_date_with_the_source():
    compiled = compile_source(SOURCE_DIR, expected=EXPECTED_COUNTS)
    assert stale_files(compiled) == [], "run python -m assistant.templates.build"


def test_district_options_are_the_gazetteers(cat, data_dir):
    divisions = json.loads((data_dir / "gazetteer" / "guangzhou_divisions.json").read_text(encoding="utf-8"))
    assert cat.fields["district"].options == tuple(d["name"] for d in divisions["districts"])


def _sample(cat, n=300, seed=12345):
    return random.Random(seed).sample(cat.templates, n)


def test_sample_field_sets_are_sensible(cat):
    for t in _sample(cat):
        keys = [f.key for f in t.fields]
        assert keys[:len(COMMON) - 1] == list(COMMON[:-1]) and keys[-1] == "demand", t.id
        own = keys[len(COMMON) - 1:-1]
        assert len(own) <= 6, t.id
        assert t.field("caller_phone").required and t.field("demand").required
        assert not t.field("caller_name").required
        located = t.district_handled and t.appeal_type in ("求助", "投诉", "举报")
        assert t.field("address").required == located and t.field("district").required == located, t.id
        for f in t.fields:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in f.label), (t.id, f.key)
            assert (f.type is FieldType.enum) == bool(f.options)
        assert len(set(t.examples)) == len(t.examples) >= 2
        assert t.handling_units and all(cat.units.resolve(u) for u in t.handling_units), t.id


def test_matter_specific_fields_are_shared_definitions(cat):
    used = {f.key for t in cat.templates for f in t.fields}
    assert set(cat.fields) == used, f"defined but never used: {sorted(set(cat.fields) - used)}"
    for t in cat.templates[::50]:
        for f in t.fields:
            lib = cat.fields[f.key]
            assert (f.label, f.type, f.options, f.hints) == (lib.label, lib.type, lib.options, lib.hints)


def test_sample_titles_render_within_30_characters(cat, data_dir):
    divisions = json.loads((data_dir / "gazetteer" / "guangzhou_divisions.json").read_text(encoding="utf-8"))
    rng = random.Random(7)
    for t in _sample(cat):
        d = rng.choice(divisions["districts"])
        street = rng.choice(d["streets"])
        community = rng.choice(street["communities"])["short"] if street["communities"] else ""
        values = {"district": d["name"], "street": street["name"], "address": f"{community}{rng.randint(1, 30)}栋",
                  "involved_party": rng.choice(["楼下烧烤店", "某物业公司", None, "广州市某某科技有限公司"]),
                  "caller_name": "李女士", "caller_phone": "13800000000"}
        title = render_title(t, values)
        bare = render_title(t, {})
        assert len(title) <= 30 and len(bare) <= 30, (t.id, title)
        assert t.subject in bare and "{" not in title and "None" not in title
        assert "李女士" not in title and "13800000000" not in title
        verb = {"求助": "反映", "建议": "关于"}.get(t.appeal_type, t.appeal_type)
        assert title.startswith(verb), (t.id, title)


# (caller's words, appeal type expected first, words one of the top-3 matters must contain)
QUERIES = [
    ("楼下烧烤店天天吵到半夜，根本睡不着", None, ("噪",)),
    ("隔壁工地晚上十二点了还在打桩，吵死了", None, ("噪", "施工")),
    ("公司拖了我三个月工资一直不给，老板也找不到人", None, ("工资", "欠薪")),
    ("我想问一下租房子怎么提取公积金", "咨询", ("租房",)),
    ("小区的电梯坏了一个多星期，物业一直不来修", None, ("电梯",)),
    ("家里的宽带老是断网，报修了也没人来", None, ("宽带",)),
    ("我要举报有泥头车半夜在路边偷倒建筑垃圾", "举报", ("建筑垃圾", "余泥", "渣土")),
    ("出租车司机故意绕路，多收了我五十块钱", "投诉", ("出租", "绕路")),
    ("超市里卖过期的牛奶，我要举报", "举报", ("过期", "食品")),
    ("孩子明年上小学，非户籍的积分入学怎么申请", "咨询", ("入学", "学位")),
    ("办居住证需要准备什么材料", "咨询", ("居住证",)),
    ("我妈八十多岁了，高龄津贴怎么申请", "咨询", ("高龄", "老人")),
    ("村里的灌溉水渠堵了，田里都没水", None, ("灌溉", "水渠", "农田")),
    ("我们这条路的路灯坏了好几天，晚上黑乎乎的", None, ("路灯",)),
    ("建议我们小区附近增加一个公交站", "建议", ("公交",)),
    ("我想表扬一下社区医院的家庭医生，上门服务特别耐心", "表扬", ("医生", "医疗", "卫生")),
]


@pytest.mark.parametrize("query, appeal, words", QUERIES, ids=[f"q{i:02d}" for i in range(len(QUERIES))])
def test_natural_queries_find_their_matter(index, query, appeal, words):
    hits = index.search(query, k=3)
    found = [h.template.matter + "|" + h.template.subject for h in hits]
    assert any(any(w in f for w in words) for f in found), found
    if appeal is not None:
        assert hits[0].template.appeal_type == appeal, [h.template.id for h in hits]
