"""Loading a compiled catalogue: typed objects, indexes, caching, a deployment's own catalogue, clear errors."""

from __future__ import annotations

import json
import shutil

import pytest

from assistant.config import get_settings
from assistant.templates.catalogue import Catalogue, CatalogueError, load_catalogue
from assistant.templates.schema import Template, TemplateField

from templates_helpers import compiled_fixture


@pytest.fixture()
def custom(tmp_path):
    return compiled_fixture(tmp_path / "cat")


def test_load_a_custom_catalogue_folder(custom):
    cat = load_catalogue(custom)
    assert isinstance(cat, Catalogue) and len(cat) == 21
    assert cat.l1_names == ("生态环境", "住房公积金")
    t = cat.get("eco.catering-noise.complaint")
    assert isinstance(t, Template) and t.matter == "餐饮娱乐场所噪声" and t.category_l2 == "噪声污染"
    assert cat["eco.catering-noise.complaint"] is t and "eco.catering-noise.complaint" in cat
    assert cat.get("eco.nothing.complaint") is None
    with pytest.raises(KeyError, match="eco.nothing"):
        cat["eco.nothing"]
    assert [x.appeal_type for x in cat.by_matter("eco.night-construction-noise")] == ["咨询", "投诉", "举报"]
    assert cat.by_matter("no-such-matter") == ()
    leaf = cat.category("eco.night-construction-noise")
    assert leaf.level == 3 and cat.category(leaf.parent).name == "噪声污染"
    assert set(cat.common_fields) >= {"caller_name", "caller_phone", "district", "street", "address", "event_time",
                                      "involved_party", "amount", "demand", "id_number"}
    noise = t.field("noise_source")
    assert isinstance(noise, TemplateField) and noise.label == "噪声来源" and "餐饮娱乐" in noise.options
    assert t.field("caller_phone").required and not t.field("caller_name").required


def test_templates_share_field_definitions(custom):
    cat = load_catalogue(custom)
    a, b = cat.get("eco.catering-noise.complaint"), cat.get("eco.night-construction-noise.complaint")
    assert a.field("caller_phone") is b.field("caller_phone")


def test_cached_per_source(custom):
    assert load_catalogue(custom) is load_catalogue(str(custom))
    assert load_catalogue(custom / "templates.jsonl") is not load_catalogue(custom)


def test_settings_choose_the_catalogue(custom, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CATALOGUE_PATH", str(custom))
    get_settings.cache_clear()
    try:
        assert load_catalogue().source == str(custom.resolve())
    finally:
        monkeypatch.delenv("ASSISTANT_CATALOGUE_PATH")
        get_settings.cache_clear()
    assert load_catalogue().source == "<packaged>"


def test_a_single_templates_file_derives_its_tree(custom, tmp_path):
    only = tmp_path / "solo"
    only.mkdir()
    shutil.copy(custom / "templates.jsonl", only / "deployment.jsonl")
    # the fixture's own fields (pollutant …) are not in the packaged library
    with pytest.raises(CatalogueError, match=r"deployment.jsonl:\d+: template eco\.[a-z-]+\.[a-z]+: undefined field"):
        load_catalogue(only / "deployment.jsonl")
    shutil.copy(custom / "fields.jsonl", only / "fields.jsonl")
    cat = load_catalogue(only / "deployment.jsonl")
    assert len(cat) == 21 and sum(c.level == 3 for c in cat.categories) == 8
    assert cat.l1_names == ("生态环境", "住房公积金")


def _break(custom, lineno: int, edit) -> str:
    path = custom / "templates.jsonl"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[lineno - 1] = edit(lines[lineno - 1])
    path.write_text("\n".join(lines), encoding="utf-8")
    load_catalogue.cache_clear()
    with pytest.raises(CatalogueError) as e:
        load_catalogue(custom)
    assert e.value.path == str(path) and e.value.line == lineno
    assert str(e.value).startswith(f"{path}:{lineno}: ")
    return str(e.value)


def _edit_json(change):
    def edit(line: str) -> str:
        rec = json.loads(line)
        change(rec)
        return json.dumps(rec, ensure_ascii=False)
    return edit


def test_malformed_json_names_file_and_line(custom):
    msg = _break(custom, 3, lambda line: line[:-5])
    assert "invalid JSON" in msg


def test_wrong_value_names_the_template_and_field(custom):
    msg = _break(custom, 5, _edit_json(lambda r: r.update(appeal_type="抱怨")))
    assert "appeal_type" in msg and json.loads((custom / "templates.jsonl").read_text().split("\n")[4])["id"] in msg


def test_missing_examples_rejected(custom):
    msg = _break(custom, 7, _edit_json(lambda r: r.update(examples=["只有一句"])))
    assert "examples" in msg


def test_undefined_field_key_rejected(custom):
    msg = _break(custom, 2, _edit_json(lambda r: r["fields"].append("shoe_size")))
    assert "undefined field(s) shoe_size" in msg


def test_unknown_title_placeholder_rejected(custom):
    msg = _break(custom, 4, _edit_json(lambda r: r.update(title_pattern="投诉{shop}问题")))
    assert "unknown placeholders ['shop']" in msg


def test_duplicate_id_rejected(custom):
    first = json.loads((custom / "templates.jsonl").read_text(encoding="utf-8").split("\n")[0])["id"]
    msg = _break(custom, 6, _edit_json(lambda r: r.update(id=first)))
    assert f"duplicate template id {first} (first on line 1)" in msg


def test_not_an_object_rejected(custom):
    assert "expected a JSON object" in _break(custom, 1, lambda line: "[1, 2]")


def test_missing_file(tmp_path):
    with pytest.raises(CatalogueError, match="catalogue file not found"):
        load_catalogue(tmp_path / "nowhere.jsonl")
