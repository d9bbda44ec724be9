"""The handling-unit registry built from the shared gazetteer."""

from __future__ import annotations

import json

import pytest

from assistant.templates.units import LOCAL_DISTRICT, LOCAL_STREET, UnitRegistry, UnitRegistryError, load_units


@pytest.fixture(scope="module")
def units(data_dir):
    return load_units(data_dir)


def test_full_and_short_names_resolve_to_one_unit(units):
    full = units.resolve("广州市生态环境局")
    assert full is not None and units.resolve("市生态环境局") is full and full.short == "市生态环境局"
    assert full.hotline == "12369"          # from the integrated special hotlines table
    assert units.canonical("市人社局") == "广州市人力资源和社会保障局"
    assert units.resolve("白云区政府").name == "白云区人民政府"
    assert units.resolve("市环保局") is None
    with pytest.raises(KeyError, match="市环保局"):
        units.canonical("市环保局")


def test_pseudo_units(units):
    assert units.resolve("属地街道").name == LOCAL_STREET and units.resolve(LOCAL_STREET).pseudo
    assert units.resolve("属地区政府").name == LOCAL_DISTRICT


def test_shared_entries_expand(units):
    names = [u.name for u in units.expand("中国移动/中国电信/中国联通 广州分公司")]
    assert names == ["中国移动广州分公司", "中国电信广州分公司", "中国联通广州分公司"]
    assert [u.short for u in units.expand("市水务局/属地街道")] == ["市水务局", LOCAL_STREET]
    assert units.expand("市水务局/市环保局") == ()
    assert units.resolve("黄埔海关").name == "广州海关"


def test_every_gazetteer_entry_is_registered(units, data_dir):
    data = json.loads((data_dir / "gazetteer" / "guangzhou_handling_units.json").read_text(encoding="utf-8"))
    for section in ("hotline_authority", "district_governments", "municipal_departments"):
        for e in data[section]:
            assert units.resolve(e["name"]) is not None, e["name"]
    assert len({u.name for u in units}) == len(units)


def test_missing_or_broken_gazetteer(tmp_path):
    with pytest.raises(UnitRegistryError, match="not found"):
        UnitRegistry.from_gazetteer(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n "municipal_departments": [\n  {"name": "x",}\n ]\n}', encoding="utf-8")
    with pytest.raises(UnitRegistryError, match=r"bad.json:3: invalid JSON"):
        UnitRegistry.from_gazetteer(bad)
