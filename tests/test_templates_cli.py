"""`assistant templates …` commands, run in-process."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.templates.cli import app

from templates_helpers import compiled_fixture

runner = CliRunner()


def test_stats_counts_per_level_and_appeal_type(tmp_path):
    cat = compiled_fixture(tmp_path / "cat")
    r = runner.invoke(app, ["stats", "--catalogue", str(cat)], env={"COLUMNS": "160"})
    assert r.exit_code == 0, r.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in r.output.splitlines() if line.startswith("│")}
    assert rows["生态环境"][:3] == ["2", "5", "12"] and rows["住房公积金"][:3] == ["2", "3", "9"]
    assert rows["合计"][2] == "21"


def test_show_a_template_and_a_matter(tmp_path):
    cat = compiled_fixture(tmp_path / "cat")
    r = runner.invoke(app, ["show", "eco.catering-noise.complaint", "--catalogue", str(cat)], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for text in ("餐饮娱乐场所噪声投诉", "生态环境 › 噪声污染 › 餐饮娱乐场所噪声", "广州市生态环境局", "噪声来源", "楼下烧烤店"):
        assert text in r.output
    r = runner.invoke(app, ["show", "eco.catering-noise", "--catalogue", str(cat)])
    assert r.exit_code == 0 and "eco.catering-noise.report" in r.output
    r = runner.invoke(app, ["show", "eco.nothing", "--catalogue", str(cat)])
    assert r.exit_code == 1


def test_search_json(tmp_path):
    cat = compiled_fixture(tmp_path / "cat")
    r = runner.invoke(app, ["search", "楼下烧烤店天天吵到半夜", "-k", "2", "--json", "--catalogue", str(cat)])
    assert r.exit_code == 0, r.output
    hits = json.loads(r.output)
    assert len(hits) == 2 and hits[0]["id"].startswith("eco.catering-noise") and hits[0]["score"] >= hits[1]["score"]
    r = runner.invoke(app, ["search", "楼下烧烤店", "--appeal", "抱怨", "--catalogue", str(cat)])
    assert r.exit_code == 2


def test_validate(tmp_path):
    cat = compiled_fixture(tmp_path / "cat")
    r = runner.invoke(app, ["validate", "--catalogue", str(cat), "--no-counts"])
    assert r.exit_code == 0 and "校验通过" in r.output, r.output
    r = runner.invoke(app, ["validate", "--catalogue", str(cat)])      # the fixture is not 16 / 1,900 / 4,947
    assert r.exit_code == 1 and "8 leaf matters, expected 1900" in r.output
    with (cat / "templates.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json}\n")
    r = runner.invoke(app, ["validate", "--catalogue", str(cat), "--no-counts"])
    assert r.exit_code == 2 and "templates.jsonl:22: invalid JSON" in r.output
