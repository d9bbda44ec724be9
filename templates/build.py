"""Compile the authored catalogue (templates/source/*.yaml) into the data the product loads (templates/data/*.jsonl).

    python -m assistant.templates.build            # compile, validate, write templates/data/
    python -m assistant.templates.build --check    # fail when templates/data/ is not what the source compiles to

Output is deterministic: level-1 files in CATEGORY_L1 order, groups and matters as authored, appeal types in
APPEAL_TYPES order; one JSON object per line, keys sorted, UTF-8 text. A template references its fields by key;
the definitions are in fields.jsonl, so a field reads the same in every template.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.templates.schema import (
    APPEAL_SLUGS, CATEGORY_L1, EXPECTED_COUNTS, TITLE_BUILTINS, TITLE_SKELETON_MAX, TITLE_VERBS, Category, Template,
    TemplateField,
    title_placeholders,
)
from assistant.templates.source_format import FieldLibrary, SourceField, SourceFile, SourceMatter
from assistant.templates.units import UnitRegistry

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_DIR = PACKAGE_DIR / "source"
DATA_DIR = PACKAGE_DIR / "data"
FIELDS_FILE = "fields.yaml"
NON_CATEGORY_FILES = {FIELDS_FILE, "units.yaml"}
OUTPUT_FILES = ("categories.jsonl", "fields.jsonl", "templates.jsonl")

_LOCATION = "{district}{street}{address}"
_DEFAULT_TITLES = {
    **{a: TITLE_VERBS[a] + _LOCATION + "{involved_party}{subject}问题" for a in ("咨询", "求助", "投诉", "举报")},
    "建议": "关于" + _LOCATION + "{subject}的建议",
    "表扬": "表扬" + _LOCATION + "{involved_party}{subject}",
}
_DESCRIPTIONS = {
    "咨询": "市民咨询{matter}相关政策、条件或办理流程",
    "求助": "市民反映{subject}，请求协调处理",
    "投诉": "市民投诉{subject}问题，要求查处整改",
    "举报": "市民举报{subject}，要求核查处理",
    "建议": "市民就{matter}提出意见建议",
    "表扬": "市民表扬{matter}中的优质服务",
}


class BuildError(Exception):
    """The source does not compile; `problems` lists every one found, each starting with file:line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the catalogue source:\n" + "\n".join(problems))


@dataclass
class Compiled:
    categories: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    templates: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)   # problems skipped in a partial build

    def lines(self) -> dict[str, str]:
        """File name → file text."""
        return {name: "".join(_json_line(r) for r in records)
                for name, records in zip(OUTPUT_FILES, (self.categories, self.fields, self.templates))}


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(", ", ": ")) + "\n"


def default_title_pattern(appeal_type: str) -> str:
    return _DEFAULT_TITLES[appeal_type]


def title_skeleton(pattern: str, subject: str, matter: str, appeal_type: str) -> str:
    """The title with only the template's own words filled in: what every rendered title at least contains."""
    builtins = {"subject": subject, "matter": matter, "appeal_type": appeal_type}
    return pattern.format_map({k: builtins.get(k, "") for k in title_placeholders(pattern)})


# --- reading YAML with line numbers -------------------------------------------------------------------------------

def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node a pydantic error location points to (the deepest one found)."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _read_yaml(path: Path, problems: list[str]) -> tuple[Any, yaml.Node | None]:
    text = path.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader), yaml.compose(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(f"{path.name}:{line}: YAML syntax: {getattr(e, 'problem', None) or e}")
        return None, None


def _validation_problems(path: Path, node: yaml.Node | None, err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        loc = e["loc"]
        where = ".".join(str(p) for p in loc)
        out.append(f"{path.name}:{_line_of(node, loc)}: {where + ': ' if where else ''}{e['msg']}")
    return out


# --- compiling ----------------------------------------------------------------------------------------------------

def load_source(source_dir: Path, problems: list[str]) -> tuple[FieldLibrary | None, list[tuple[Path, SourceFile]]]:
    lib = None
    # A source folder without its own field library (a test fixture, a deployment's extra files) uses the project's.
    lib_path = source_dir / FIELDS_FILE
    if not lib_path.is_file():
        lib_path = SOURCE_DIR / FIELDS_FILE
    if not lib_path.is_file():
        problems.append(f"{FIELDS_FILE}:1: the common field library is missing")
    else:
        data, node = _read_yaml(lib_path, problems)
        if data is not None:
            try:
                lib = FieldLibrary.model_validate(data)
            except ValidationError as e:
                problems += _validation_problems(lib_path, node, e)
    files = []
    for path in sorted(source_dir.glob("*.yaml")):
        if path.name in NON_CATEGORY_FILES:
            continue
        data, node = _read_yaml(path, problems)
        if data is None:
            continue
        try:
            files.append((path, SourceFile.model_validate(data)))
        except ValidationError as e:
            problems += _validation_problems(path, node, e)
    return lib, files


def compile_source(source_dir: Path = SOURCE_DIR, units: UnitRegistry | None = None,
                   expected: dict[str, int] | None = None, partial: bool = False) -> Compiled:
    """Validate and compile a source folder; BuildError lists every problem. `expected`: catalogue counts to
    enforce. `partial`: compile what is sound while files are still being authored: problems (and the files or
    templates they concern) are left out and listed in `Compiled.warnings` instead of raising."""
    if units is None:
        from assistant.templates.units import load_units

        units = load_units()
    problems: list[str] = []
    lib, files = load_source(source_dir, problems)
    if lib is None or (problems and not partial):
        raise BuildError(problems)
    nodes = {path: _read_yaml(path, [])[1] for path, _ in files}

    def where(path: Path, loc: tuple[Any, ...]) -> str:
        return f"{path.name}:{_line_of(nodes[path], loc)}"

    # Field definitions: one meaning per key across all files.
    defs: dict[str, SourceField] = dict(lib.fields)
    origin = {k: FIELDS_FILE for k in defs}
    for path, sf in files:
        for key, d in sf.fields.items():
            if key in defs and defs[key] != d:
                problems.append(f"{where(path, ('fields', key))}: field {key} conflicts with its definition in "
                                f"{origin[key]}")
            elif key not in defs:
                defs[key], origin[key] = d, path.name

    compiled = Compiled()
    seen_l1: dict[str, str] = {}
    seen_file_ids: dict[str, str] = {}
    models = field_models(defs)
    seen_matters: dict[str, str] = {}
    files.sort(key=lambda pf: CATEGORY_L1.index(pf[1].category_l1))
    for path, sf in files:
        if sf.category_l1 in seen_l1:
            problems.append(f"{where(path, ('category_l1',))}: {sf.category_l1} is also defined by "
                            f"{seen_l1[sf.category_l1]}")
            continue
        seen_l1[sf.category_l1] = path.name
        problems += [f"{where(path, ('leaves',))}: {p}" for p in sf.count_problems()]
        if sf.id in seen_file_ids:
            problems.append(f"{where(path, ('id',))}: id {sf.id} is also used by {seen_file_ids[sf.id]}")
        seen_file_ids[sf.id] = path.name
        compiled.categories.append({"id": sf.id, "level": 1, "name": sf.category_l1, "parent": None})
        group_ids = {f"{sf.id}.{g.id}" for g in sf.groups}
        for gi, group in enumerate(sf.groups):
            gid = f"{sf.id}.{group.id}"
            compiled.categories.append({"id": gid, "level": 2, "name": group.name, "parent": sf.id})
            for mi, matter in enumerate(group.matters):
                loc = ("groups", gi, "matters", mi)
                mid = f"{sf.id}.{matter.id}"
                if mid in group_ids:
                    problems.append(f"{where(path, loc + ('id',))}: matter id {matter.id} is also a group id")
                if matter.name in seen_matters:
                    problems.append(f"{where(path, loc + ('name',))}: matter name {matter.name} is also used by "
                                    f"{seen_matters[matter.name]}")
                seen_matters[matter.name] = f"{path.name} ({sf.category_l1})"
                compiled.categories.append({"id": mid, "level": 3, "name": matter.name, "parent": gid})
                compiled.templates += _matter_templates(
                    sf, group, matter, mid, lib, defs, models, units, problems, lambda sub: where(path, loc + sub))

    for record in compiled.categories:
        try:
            Category.model_validate(record)
        except ValidationError as e:
            problems.append(f"category {record['id']}: {e.errors()[0]['msg']}")
    compiled.fields = [{"key": k, "label": d.label, "type": str(d.type), "options": list(d.options),
                        "hints": list(d.hints), "common": k in lib.fields} for k, d in defs.items()]
    if expected is not None:
        problems += _count_problems(compiled, expected)
    if problems and not partial:
        raise BuildError(problems)
    compiled.warnings = problems
    return compiled


def _matter_templates(sf: SourceFile, group, matter: SourceMatter, mid: str, lib: FieldLibrary,
                      defs: dict[str, SourceField], models: dict[tuple[str, bool], TemplateField],
                      units: UnitRegistry, problems: list[str], where) -> list[dict]:
    own = []
    for i, key in enumerate(matter.fields):
        if key in lib.fields:
            problems.append(f"{where(('fields', i))}: {key} is a common field; the generator adds it")
        elif key not in defs:
            problems.append(f"{where(('fields', i))}: field {key} is not defined in {FIELDS_FILE} or any "
                            f"category file")
        else:
            own.append(key)
    lead = [k for k in lib.fields if k not in lib.trailing]
    keys = lead + own + list(lib.trailing)

    unit_names = []
    raw_units = matter.units if matter.units is not None else group.units
    for i, name in enumerate(raw_units):
        found = units.expand(name)
        if not found:
            loc = ("units", i) if matter.units is not None else ()
            problems.append(f"{where(loc)}: unknown handling unit {name!r} (matter {matter.id})")
        unit_names += [u.name for u in found if u.name not in unit_names]
    district_handled = group.district_handled if matter.district_handled is None else matter.district_handled

    out = []
    for appeal in matter.appeals:
        if isinstance(matter.title, dict):
            pattern = matter.title.get(appeal) or default_title_pattern(appeal)
        else:
            pattern = matter.title or default_title_pattern(appeal)
        try:
            unknown = set(title_placeholders(pattern)) - TITLE_BUILTINS - set(keys)
            if unknown:
                raise ValueError(f"title pattern {pattern!r} uses unknown placeholders {sorted(unknown)}")
            skeleton = title_skeleton(pattern, matter.subject, matter.name, appeal)
            if len(skeleton) > TITLE_SKELETON_MAX:
                raise ValueError(f"title {skeleton!r} is {len(skeleton)} characters before any place or party "
                                 f"is named (at most {TITLE_SKELETON_MAX}): shorten the subject")
        except ValueError as e:
            problems.append(f"{where(('title',) if matter.title else ('subject',))}: {e}")
            continue
        record = {
            "id": f"{mid}.{APPEAL_SLUGS[appeal]}",
            "category_l1": sf.category_l1,
            "category_l2": group.name,
            "matter": matter.name,
            "matter_id": mid,
            "appeal_type": appeal,
            "name": f"{matter.name}{appeal}",
            "description": _DESCRIPTIONS[appeal].format(matter=matter.name, subject=matter.subject),
            "subject": matter.subject,
            "triggers": list(matter.triggers),
            "examples": list(matter.examples[appeal]),
            "fields": keys,
            "required": [k for k in keys if defs[k].required_for(appeal, district_handled)],
            "title_pattern": pattern,
            "handling_units": unit_names,
            "district_handled": district_handled,
            "urgency": matter.urgency,
        }
        try:
            template_from_record(record, models)
        except ValidationError as e:
            if unit_names:  # no units: already reported
                problems.append(f"{where(())}: template {record['id']}: {e.errors()[0]['msg']}")
            continue
        out.append(record)
    return out


def _count_problems(compiled: Compiled, expected: dict[str, int]) -> list[str]:
    got = {
        "l1": sum(1 for c in compiled.categories if c["level"] == 1),
        "leaves": sum(1 for c in compiled.categories if c["level"] == 3),
        "templates": len(compiled.templates),
    }
    names = {"l1": "level-1 categories", "leaves": "leaf matters", "templates": "templates"}
    problems = [f"catalogue: {got[k]} {names[k]}, expected {v}" for k, v in expected.items() if got.get(k) != v]
    if "l1" in expected and expected["l1"] == len(CATEGORY_L1):
        missing = [n for n in CATEGORY_L1 if n not in {c["name"] for c in compiled.categories if c["level"] == 1}]
        if missing:
            problems.append(f"catalogue: no source file for {'、'.join(missing)}")
    return problems


# --- records ↔ models (shared with the loader) --------------------------------------------------------------------

def field_models(defs: dict[str, SourceField]) -> dict[tuple[str, bool], TemplateField]:
    """One TemplateField per (key, required): templates share them instead of each holding copies."""
    return {(k, req): TemplateField(key=k, label=d.label, type=d.type, required=req, options=d.options,
                                    hints=d.hints)
            for k, d in defs.items() for req in (False, True)}


def template_from_record(record: dict[str, Any], fields: dict[tuple[str, bool], TemplateField]) -> Template:
    required = set(record["required"])
    data = {k: v for k, v in record.items() if k != "required"}
    data["fields"] = tuple(fields[(k, k in required)] for k in record["fields"])
    return Template.model_validate(data)


def write(compiled: Compiled, out_dir: Path = DATA_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in compiled.lines().items():
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_files(compiled: Compiled, out_dir: Path = DATA_DIR) -> list[str]:
    """Names of output files whose content differs from what the source compiles to."""
    return [name for name, text in compiled.lines().items()
            if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.templates.build", description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE_DIR)
    ap.add_argument("--out", type=Path, default=DATA_DIR)
    ap.add_argument("--check", action="store_true", help="only check that --out is up to date")
    ap.add_argument("--no-counts", action="store_true", help="skip the 16 / 1,900 / 4,947 count check")
    ap.add_argument("--partial", action="store_true",
                    help="accept files that define fewer matters than they declare (implies --no-counts)")
    args = ap.parse_args(argv)
    try:
        expected = None if args.no_counts or args.partial else EXPECTED_COUNTS
        compiled = compile_source(args.source, expected=expected, partial=args.partial)
    except BuildError as e:
        print(e, file=sys.stderr)
        return 1
    if args.check:
        stale = stale_files(compiled, args.out)
        if stale:
            print(f"out of date: {', '.join(stale)} (run python -m assistant.templates.build)", file=sys.stderr)
            return 1
        print("templates/data is up to date")
        return 0
    for w in compiled.warnings:
        print(f"partial build, left out: {w}", file=sys.stderr)
    for path in write(compiled, args.out):
        print(f"wrote {path}")
    n1 = sum(1 for c in compiled.categories if c["level"] == 1)
    n3 = sum(1 for c in compiled.categories if c["level"] == 3)
    print(f"{n1} level-1 categories, {n3} leaf matters, {len(compiled.templates)} templates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
