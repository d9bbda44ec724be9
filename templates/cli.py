"""`assistant templates …`: look into the record-template catalogue (stats, show, search, validate)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)

CatalogueOpt = Annotated[Optional[Path], typer.Option(
    "--catalogue", help="目录文件或文件夹（默认：配置的 catalogue_path，否则为内置目录）")]


def _load(path: Path | None):
    from assistant.templates.catalogue import CatalogueError, load_catalogue

    try:
        return load_catalogue(path)
    except CatalogueError as e:
        typer.secho(f"目录无法加载：{e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _console():
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=160)  # piped: do not squeeze the tables


@app.command()
def stats(catalogue: CatalogueOpt = None) -> None:
    """按一级分类和诉求类型统计事项与模板数量。"""
    from rich.table import Table

    from assistant.templates.schema import APPEAL_TYPES

    cat = _load(catalogue)
    table = Table(title=f"诉求记录模板目录（{cat.source}）")
    table.add_column("一级分类", no_wrap=True)
    for col in ("分组", "事项", "模板", *APPEAL_TYPES):
        table.add_column(col, justify="right")
    l1_ids = {c.name: c.id for c in cat.categories if c.level == 1}
    totals = [0] * (3 + len(APPEAL_TYPES))
    for name in cat.l1_names:
        groups = cat.children(l1_ids[name])
        leaves = sum(len(cat.children(g.id)) for g in groups)
        tpls = [t for t in cat.templates if t.category_l1 == name]
        row = [len(groups), leaves, len(tpls), *(sum(t.appeal_type == a for t in tpls) for a in APPEAL_TYPES)]
        totals = [a + b for a, b in zip(totals, row)]
        table.add_row(name, *map(str, row))
    table.add_section()
    table.add_row("合计", *map(str, totals))
    _console().print(table)


@app.command()
def show(template_id: Annotated[str, typer.Argument(help="模板 ID（或事项 ID，列出其全部模板）")],
         catalogue: CatalogueOpt = None) -> None:
    """显示一个模板的完整内容。"""
    from rich.panel import Panel
    from rich.table import Table

    from assistant.templates.title import render_title

    cat = _load(catalogue)
    console = _console()
    t = cat.get(template_id)
    if t is None:
        siblings = cat.by_matter(template_id)
        if not siblings:
            typer.secho(f"没有模板或事项 {template_id}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1)
        console.print(f"事项 {template_id}（{siblings[0].matter}）的模板：")
        for s in siblings:
            console.print(f"  {s.id}  {s.name}")
        return
    lines = [
        f"[bold]{t.name}[/bold]  （{t.id}）",
        f"分类：{t.category_l1} › {t.category_l2} › {t.matter}",
        f"诉求类型：{t.appeal_type}    紧急程度：{ {'normal': '一般', 'priority': '优先', 'urgent': '紧急'}[t.urgency] }",
        f"说明：{t.description}",
        f"承办单位：{'、'.join(t.handling_units)}{'（按事发地所在区分派）' if t.district_handled else ''}",
        f"标题格式：{t.title_pattern}",
        f"标题示例：{render_title(t, {})}",
        f"触发语：{'；'.join(t.triggers)}",
        "来电示例：" + "".join(f"\n  · {e}" for e in t.examples),
    ]
    console.print(Panel("\n".join(lines), title="诉求记录模板", expand=False))
    table = Table(title="字段")
    for col in ("字段", "名称", "类型", "必填", "选项", "提示词"):
        table.add_column(col)
    for f in t.fields:
        table.add_row(f.key, f.label, str(f.type), "是" if f.required else "", "、".join(f.options),
                      "、".join(f.hints))
    console.print(table)


@app.command()
def search(text: Annotated[str, typer.Argument(help="来电内容，例如：楼下烧烤店天天吵到半夜")],
           k: Annotated[int, typer.Option("-k", "--top", min=1, help="返回条数")] = 5,
           appeal: Annotated[Optional[str], typer.Option("--appeal", help="只看某一诉求类型（咨询/求助/投诉/举报/建议/表扬）")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
           catalogue: CatalogueOpt = None) -> None:
    """按来电内容检索最匹配的模板（附得分）。"""
    from rich.table import Table

    from assistant.templates.search import TemplateSearch

    cat = _load(catalogue)
    index = TemplateSearch(cat)
    start = time.perf_counter()
    try:
        hits = index.search(text, k=k, appeal_type=appeal)
    except ValueError as e:
        typer.secho(str(e), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    ms = (time.perf_counter() - start) * 1000
    if as_json:
        typer.echo(json.dumps([{"id": h.template.id, "name": h.template.name, "appeal_type": h.template.appeal_type,
                                "category": [h.template.category_l1, h.template.category_l2, h.template.matter],
                                "score": round(h.score, 4)} for h in hits], ensure_ascii=False, indent=1))
        return
    if not hits:
        typer.echo("没有匹配的模板。")
        return
    table = Table(title=f"检索：{text}（{ms:.1f} 毫秒）")
    for col in ("#", "得分", "模板", "诉求类型", "分类"):
        table.add_column(col)
    table.add_column("ID", overflow="fold")
    for i, h in enumerate(hits, 1):
        t = h.template
        table.add_row(str(i), f"{h.score:.2f}", t.name, t.appeal_type, f"{t.category_l1} › {t.category_l2}", t.id)
    _console().print(table)


@app.command()
def validate(catalogue: CatalogueOpt = None,
             counts: Annotated[bool, typer.Option("--counts/--no-counts",
                                                  help="检查 16 个一级分类、1900 个事项、4947 个模板")] = True,
             source: Annotated[bool, typer.Option("--source/--no-source",
                                                  help="同时编译 templates/source 并检查数据文件是否最新")] = True) -> None:
    """校验目录：重复、未知承办单位、标题格式、示例缺失、数量。"""
    from assistant.templates.schema import EXPECTED_COUNTS
    from assistant.templates.units import UnitRegistryError, load_units
    from assistant.templates.validate import counts as count_of
    from assistant.templates.validate import validate_catalogue

    problems: list[str] = []
    if source and catalogue is None:
        from assistant.templates.build import BuildError, compile_source, stale_files

        try:
            compiled = compile_source(expected=EXPECTED_COUNTS if counts else None)
            problems += [f"templates/data/{n} 与源文件不一致（请运行 python -m assistant.templates.build）"
                         for n in stale_files(compiled)]
        except BuildError as e:
            problems += e.problems
    cat = _load(catalogue)
    try:
        units = load_units()
    except UnitRegistryError as e:
        typer.secho(f"无法检查承办单位：{e}", fg=typer.colors.YELLOW, err=True)
        units = None
    problems += validate_catalogue(cat, units, EXPECTED_COUNTS if counts else None)
    c = count_of(cat)
    typer.echo(f"{cat.source}：{c['l1']} 个一级分类，{c['l2']} 个二级分组，{c['leaves']} 个事项，{c['templates']} 个模板")
    if problems:
        for p in problems:
            typer.secho(p, fg=typer.colors.RED, err=True)
        typer.secho(f"发现 {len(problems)} 个问题。", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    typer.secho("校验通过。", fg=typer.colors.GREEN)
