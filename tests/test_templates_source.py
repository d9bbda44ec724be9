"""The authoring format and the builder: YAML source → compiled JSONL, with line-numbered problems."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from assistant.templates.build import BuildError, compile_source, stale_files, write
from assistant.templates.schema import APPEAL_TYPES, TITLE_MAX_CHARS
from assistant.templates.source_format import SourceMatter

from templates_helpers import FIXTURE_COUNTS, FIXTURE_SOURCE, copy_source, line_of


def _matter(**over):
    m = {"name": "夜间建筑施工噪声", "id": "night-noise", "appeals": ["投诉", "咨询"], "subject": "夜间施工噪声扰民",
         "triggers": ["半夜施工", "工地晚上打桩", "吵得睡不着"],
         "examples": {"投诉": ["工地半夜还在打桩", "天天晚上施工"], "咨询": ["几点以后不能施工", "夜间施工要什么许可"]}}
    m.update(over)
    return m


def test_matter_needs_two_examples_for_every_appeal_type():
    SourceMatter.model_validate(_matter())
    with pytest.raises(ValidationError, match="fewer than 2 examples for 咨询"):
        SourceMatter.model_validate(_matter(examples={"投诉": ["a1", "a2"], "咨询": ["only one"]}))
    with pytest.raises(ValidationError, match="unlisted appeal types 举报"):
        SourceMatter.model_validate(_matter(examples={"投诉": ["a1", "a2"], "咨询": ["b1", "b2"], "举报": ["c1", "c2"]}))


def test_matter_shape_rules():
    with pytest.raises(ValidationError):
        SourceMatter.model_validate(_matter(triggers=["太吵"]))                  # 3–6 triggers
    with pytest.raises(ValidationError):
        SourceMatter.model_validate(_matter(name="噪声"))                        # 4–14 characters
    with pytest.raises(ValidationError):
        SourceMatter.model_validate(_matter(appeals=["投诉", "抱怨"]))            # not an appeal type
    with pytest.raises(ValidationError):
        SourceMatter.model_validate(_matter(id="Night Noise"))                   # ascii slug
    # appeal types come out in canonical order whatever the authored order
    assert SourceMatter.model_validate(_matter(appeals=["咨询", "投诉"])).appeals == ("咨询", "投诉")


def test_fixture_compiles_with_its_counts(tmp_path):
    c = compile_source(FIXTURE_SOURCE, expected=FIXTURE_COUNTS)
    assert [x["name"] for x in c.categories if x["level"] == 1] == ["生态环境", "住房公积金"]  # CATEGORY_L1 order
    assert sum(x["level"] == 3 for x in c.categories) == 8
    assert len(c.templates) == 21
    ids = [t["id"] for t in c.templates]
    assert len(set(ids)) == len(ids)
    by_id = {t["id"]: t for t in c.templates}
    t = by_id["eco.night-construction-noise.complaint"]
    assert t["matter_id"] == "eco.night-construction-noise" and t["appeal_type"] == "投诉"
    assert t["fields"][:2] == ["caller_name", "caller_phone"] and t["fields"][-1] == "demand"
    assert {"noise_source", "time_period"} <= set(t["fields"])
    # location is required for a complaint routed to the district, not for a consultation or a city-wide matter
    assert {"district", "address"} <= set(t["required"])
    assert "address" not in by_id["eco.night-construction-noise.consult"]["required"]
    assert "address" not in by_id["housing-fund.employer-not-paying.complaint"]["required"]
    # matter-level unit override, short names resolved to full names, pseudo-unit kept
    assert by_id["eco.black-odorous-river.help"]["handling_units"] == ["广州市水务局", "属地街道/镇"]
    assert by_id["eco.factory-wastewater.report"]["urgency"] == "priority"
    assert by_id["housing-fund.rent-withdrawal.help"]["title_pattern"].startswith("反映")


def test_wrong_catalogue_counts_fail(tmp_path):
    with pytest.raises(BuildError, match=r"8 leaf matters, expected 1900"):
        compile_source(FIXTURE_SOURCE, expected={"l1": 16, "leaves": 1900, "templates": 4947})


def test_output_is_deterministic_sorted_utf8(tmp_path):
    a = compile_source(FIXTURE_SOURCE).lines()
    b = compile_source(FIXTURE_SOURCE).lines()
    assert a == b
    first = a["templates.jsonl"].splitlines()[0]
    record = json.loads(first)
    assert list(record) == sorted(record)
    assert "生态环境" in first                     # ensure_ascii=False
    write(compile_source(FIXTURE_SOURCE), tmp_path)
    assert stale_files(compile_source(FIXTURE_SOURCE), tmp_path) == []
    (tmp_path / "fields.jsonl").write_text("", encoding="utf-8")
    assert stale_files(compile_source(FIXTURE_SOURCE), tmp_path) == ["fields.jsonl"]


def _problems(src) -> list[str]:
    with pytest.raises(BuildError) as e:
        compile_source(src)
    return e.value.problems


def test_unknown_unit_is_reported_with_its_line(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "eco-mini.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("units: [市水务局, 属地街道/镇]", "units: [市河涌管理局]"),
                 encoding="utf-8")
    problems = _problems(src)
    assert problems == [f"eco-mini.yaml:{line_of(f, '市河涌管理局')}: unknown handling unit '市河涌管理局' "
                        f"(matter black-odorous-river)"]


def test_declared_counts_must_match(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "fund-mini.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("templates: 9", "templates: 10"), encoding="utf-8")
    (p,) = _problems(src)
    assert p.startswith("fund-mini.yaml:") and "declares templates: 10 but its matters yield 9" in p
    assert compile_source(src, partial=True).templates  # a file still being authored passes with partial=True


def test_conflicting_field_definitions_and_common_fields(tmp_path):
    src = copy_source(tmp_path / "src")
    (src / "fund-mini.yaml").write_text(
        (src / "fund-mini.yaml").read_text(encoding="utf-8").replace(
            "groups:", "fields:\n  pollutant: {label: 污染类型, type: text}\ngroups:", 1)
        .replace("      - name: 公积金窗口服务\n", "      - name: 公积金窗口服务\n        fields: [district]\n"),
        encoding="utf-8")
    problems = _problems(src)
    assert any("field pollutant conflicts with its definition in eco-mini.yaml" in p for p in problems)
    assert any("district is a common field" in p for p in problems)
    assert all(p.startswith("fund-mini.yaml:") for p in problems)


def test_undefined_field_and_yaml_syntax(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "eco-mini.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("fields: [pollutant]\n        urgency",
                                                       "fields: [smell]\n        urgency"), encoding="utf-8")
    (p,) = _problems(src)
    assert p == f"eco-mini.yaml:{line_of(f, '[smell]')}: field smell is not defined in fields.yaml or any category file"
    f.write_text("category_l1: 生态环境\nid: eco\ngroups: [\n  - x\n", encoding="utf-8")
    (p,) = _problems(src)
    assert p.startswith("eco-mini.yaml:") and "YAML syntax" in p


def test_schema_errors_point_at_the_offending_line(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "eco-mini.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("appeals: [投诉, 建议]", "appeals: [投诉, 意见]"), encoding="utf-8")
    problems = _problems(src)
    assert any(p.startswith(f"eco-mini.yaml:{line_of(f, '[投诉, 意见]')}: groups.0.matters.2.appeals.1")
               for p in problems), problems


def test_duplicate_matter_names_across_files(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "fund-mini.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("name: 公积金窗口服务", "name: 河涌黑臭"), encoding="utf-8")
    problems = _problems(src)
    assert any("matter name 河涌黑臭 is also used by eco-mini.yaml" in p for p in problems)


def test_title_skeleton_must_leave_room(tmp_path):
    src = copy_source(tmp_path / "src")
    f = src / "fund-mini.yaml"
    original = f.read_text(encoding="utf-8")
    # 20 characters: allowed as a subject, but 关于…的建议 around it leaves no room for a place
    f.write_text(original.replace("subject: 公积金窗口服务态度", "subject: 公积金中心窗口工作人员服务态度差排队太久"),
                 encoding="utf-8")
    (p,) = _problems(src)
    assert p.startswith(f"fund-mini.yaml:{line_of(f, '排队太久')}:") and "before any place or party is named" in p
    f.write_text(original.replace("subject: 单位未缴存公积金",
                                  "subject: 单位未缴存公积金\n        title: '投诉{shop_name}问题'"), encoding="utf-8")
    problems = _problems(src)
    assert any("unknown placeholders ['shop_name']" in p for p in problems)


def test_every_generated_title_pattern_fits():
    from assistant.templates.build import title_skeleton

    for t in compile_source(FIXTURE_SOURCE).templates:
        skeleton = title_skeleton(t["title_pattern"], t["subject"], t["matter"], t["appeal_type"])
        assert t["subject"] in skeleton and len(skeleton) <= TITLE_MAX_CHARS
        assert t["appeal_type"] in APPEAL_TYPES
