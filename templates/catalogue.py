"""Load the compiled catalogue (categories.jsonl, fields.jsonl, templates.jsonl) into typed, indexed objects.

The packaged catalogue is the default; a deployment points ASSISTANT_CATALOGUE_PATH at its own: a folder laid out
like templates/data/, or a templates .jsonl file (fields.jsonl / categories.jsonl beside it are used when present;
field keys it does not define come from the packaged library). A malformed file raises CatalogueError naming the
file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import from_json

from assistant.templates.schema import CATEGORY_L1, Category, Template, TemplateField, ValidatedFields

TEMPLATES_FILE = "templates.jsonl"
FIELDS_FILE = "fields.jsonl"
CATEGORIES_FILE = "categories.jsonl"
PACKAGED = "<packaged>"


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message starts with file:line."""

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path, self.line = str(path), line
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


@dataclass(eq=False)
class Catalogue:
    templates: tuple[Template, ...]
    categories: tuple[Category, ...]
    fields: dict[str, TemplateField]            # the field library (definitions; `required` is per template)
    common_fields: tuple[str, ...] = ()         # the keys every template carries
    source: str = PACKAGED
    _by_id: dict[str, Template] = field(init=False, repr=False)
    _by_matter: dict[str, tuple[Template, ...]] = field(init=False, repr=False)
    _categories: dict[str, Category] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {t.id: t for t in self.templates}
        by_matter: dict[str, list[Template]] = {}
        for t in self.templates:
            by_matter.setdefault(t.matter_id, []).append(t)
        self._by_matter = {k: tuple(v) for k, v in by_matter.items()}
        self._categories = {c.id: c for c in self.categories}

    def __len__(self) -> int:
        return len(self.templates)

    def __iter__(self) -> Iterator[Template]:
        return iter(self.templates)

    def __contains__(self, template_id: object) -> bool:
        return template_id in self._by_id

    def get(self, template_id: str) -> Template | None:
        return self._by_id.get(template_id)

    def __getitem__(self, template_id: str) -> Template:
        try:
            return self._by_id[template_id]
        except KeyError:
            raise KeyError(f"no template {template_id!r} in the catalogue") from None

    def by_matter(self, matter_id: str) -> tuple[Template, ...]:
        """The templates of one leaf matter (one per appeal type it admits), in appeal-type order."""
        return self._by_matter.get(matter_id, ())

    def category(self, category_id: str) -> Category | None:
        return self._categories.get(category_id)

    def children(self, category_id: str | None) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.parent == category_id)

    def matters(self) -> tuple[Category, ...]:
        return tuple(c for c in self.categories if c.level == 3)

    @cached_property
    def l1_names(self) -> tuple[str, ...]:
        present = {c.name for c in self.categories if c.level == 1}
        return tuple(n for n in CATEGORY_L1 if n in present)

    @cached_property
    def units(self):  # -> UnitRegistry (imported lazily: it reads the shared gazetteer)
        from assistant.templates.units import load_units

        return load_units()


# --- reading ------------------------------------------------------------------------------------------------------

def _records(text: str, path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = from_json(line)
        except ValueError as e:
            raise CatalogueError(path, lineno, f"invalid JSON ({e})") from None
        if not isinstance(record, dict):
            raise CatalogueError(path, lineno, f"expected a JSON object, got {type(record).__name__}")
        yield lineno, record


def _describe(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'record'}: {e['msg']}" for e in err.errors()[:3])


def _read_fields(text: str, path: str, into: dict[str, TemplateField], common: list[str]) -> None:
    for lineno, rec in _records(text, path):
        if rec.get("common") and rec.get("key") not in common:
            common.append(rec.get("key"))
        rec = {k: v for k, v in rec.items() if k != "common"}
        try:
            f = TemplateField.model_validate(rec)
        except ValidationError as e:
            raise CatalogueError(path, lineno, f"field {rec.get('key', '?')}: {_describe(e)}") from None
        into[f.key] = f


def _read_templates(text: str, path: str, fields: dict[str, TemplateField]) -> tuple[Template, ...]:
    # Templates share one TemplateField per (key, required) instead of holding copies.
    shared = {(k, req): f if f.required == req else f.model_copy(update={"required": req})
              for k, f in fields.items() for req in (False, True)}
    seen: dict[str, int] = {}
    out = []
    for lineno, rec in _records(text, path):
        tid = rec.get("id", "?")
        keys, req = rec.get("fields"), rec.pop("required", [])
        try:
            req = set(req)
            rec["fields"] = ValidatedFields(shared[(k, k in req)] for k in keys)
        except (KeyError, TypeError):
            raise CatalogueError(path, lineno, _field_problem(tid, keys, req, fields)) from None
        if not req <= set(keys):
            raise CatalogueError(path, lineno, f"template {tid}: 'required' lists keys that are not in 'fields'")
        try:
            t = Template.model_validate(rec)
        except ValidationError as e:
            raise CatalogueError(path, lineno, f"template {tid}: {_describe(e)}") from None
        if seen.setdefault(t.id, lineno) != lineno:
            raise CatalogueError(path, lineno, f"duplicate template id {t.id} (first on line {seen[t.id]})")
        out.append(t)
    if not out:
        raise CatalogueError(path, None, "no templates")
    return tuple(out)


def _field_problem(tid: str, keys: object, required: object, fields: dict[str, TemplateField]) -> str:
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return f"template {tid}: 'fields' must be a list of field keys"
    if not isinstance(required, (list, set)) or not all(isinstance(k, str) for k in required):
        return f"template {tid}: 'required' must be a list of field keys"
    return f"template {tid}: undefined field(s) {', '.join(k for k in keys if k not in fields)}"


def _read_categories(text: str, path: str) -> tuple[Category, ...]:
    out, seen = [], {}
    for lineno, rec in _records(text, path):
        try:
            c = Category.model_validate(rec)
        except ValidationError as e:
            raise CatalogueError(path, lineno, f"category {rec.get('id', '?')}: {_describe(e)}") from None
        if c.id in seen:
            raise CatalogueError(path, lineno, f"duplicate category id {c.id} (first on line {seen[c.id]})")
        if c.parent is not None and c.parent not in seen:
            raise CatalogueError(path, lineno, f"category {c.id}: parent {c.parent} is not defined above it")
        seen[c.id] = lineno
        out.append(c)
    return tuple(out)


def _derived_categories(templates: tuple[Template, ...]) -> tuple[Category, ...]:
    """A tree from the templates' own paths, for a custom catalogue shipped without categories.jsonl."""
    out: dict[str, Category] = {}
    groups: dict[tuple[str, str], str] = {}
    for t in templates:
        l1 = t.matter_id.split(".")[0]
        out.setdefault(l1, Category(id=l1, level=1, name=t.category_l1))
        gid = groups.setdefault((l1, t.category_l2), f"{l1}.group-{len(groups) + 1}")
        out.setdefault(gid, Category(id=gid, level=2, name=t.category_l2, parent=l1))
        out.setdefault(t.matter_id, Category(id=t.matter_id, level=3, name=t.matter, parent=gid))
    return tuple(out.values())


def _check_tree(templates: tuple[Template, ...], categories: tuple[Category, ...], path: str) -> None:
    by_id = {c.id: c for c in categories}
    for t in templates:
        leaf = by_id.get(t.matter_id)
        if leaf is None or leaf.level != 3 or leaf.name != t.matter:
            raise CatalogueError(path, None, f"template {t.id}: matter {t.matter_id} ({t.matter}) is not a leaf of "
                                             f"the category tree")


def _packaged_text(name: str) -> str | None:
    res = resources.files("assistant.templates").joinpath("data", name)
    return res.read_text(encoding="utf-8") if res.is_file() else None


def _load(source: str) -> Catalogue:
    fields: dict[str, TemplateField] = {}
    common: list[str] = []
    packaged_fields = _packaged_text(FIELDS_FILE)
    if packaged_fields is not None:
        _read_fields(packaged_fields, f"{PACKAGED}/{FIELDS_FILE}", fields, common)
    if source == PACKAGED:
        text = _packaged_text(TEMPLATES_FILE)
        if text is None:
            raise CatalogueError(PACKAGED, None, "the packaged catalogue is missing: run "
                                                 "python -m assistant.templates.build")
        templates = _read_templates(text, f"{PACKAGED}/{TEMPLATES_FILE}", fields)
        cats_text = _packaged_text(CATEGORIES_FILE)
        categories = (_read_categories(cats_text, f"{PACKAGED}/{CATEGORIES_FILE}") if cats_text is not None
                      else _derived_categories(templates))
        _check_tree(templates, categories, PACKAGED)
        return Catalogue(templates, categories, fields, tuple(common), PACKAGED)

    path = Path(source)
    folder, tpl_path = (path, path / TEMPLATES_FILE) if path.is_dir() else (path.parent, path)
    if not tpl_path.is_file():
        raise CatalogueError(tpl_path, None, "catalogue file not found")
    if (folder / FIELDS_FILE).is_file() and (folder / FIELDS_FILE) != tpl_path:
        _read_fields((folder / FIELDS_FILE).read_text(encoding="utf-8"), str(folder / FIELDS_FILE), fields, common)
    templates = _read_templates(tpl_path.read_text(encoding="utf-8"), str(tpl_path), fields)
    cats_path = folder / CATEGORIES_FILE
    categories = (_read_categories(cats_path.read_text(encoding="utf-8"), str(cats_path))
                  if cats_path.is_file() and cats_path != tpl_path else _derived_categories(templates))
    _check_tree(templates, categories, str(cats_path if cats_path.is_file() else tpl_path))
    return Catalogue(templates, categories, fields, tuple(common), str(path))


@lru_cache(maxsize=4)
def _cached(source: str, signature: tuple) -> Catalogue:
    return _load(source)


def _signature(source: str) -> tuple:
    """Size and modification time of the files a source reads: an edited catalogue is loaded afresh."""
    if source == PACKAGED:
        folder = resources.files("assistant.templates").joinpath("data")
        paths = [Path(str(folder.joinpath(n))) for n in (TEMPLATES_FILE, FIELDS_FILE, CATEGORIES_FILE)]
    else:
        path = Path(source)
        folder = path if path.is_dir() else path.parent
        paths = [path / TEMPLATES_FILE if path.is_dir() else path, folder / FIELDS_FILE, folder / CATEGORIES_FILE]
    sig = []
    for p in paths:
        try:
            st = p.stat()
            sig.append((st.st_size, st.st_mtime_ns))
        except OSError:
            sig.append(None)
    return tuple(sig)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The catalogue at `path`, else settings.catalogue_path, else the packaged one; cached per source (and
    reloaded when its files change)."""
    if path is None:
        from assistant.config import get_settings

        path = get_settings().catalogue_path
    source = PACKAGED if path is None else str(Path(path).expanduser().resolve())
    return _cached(source, _signature(source))


load_catalogue.cache_clear = _cached.cache_clear  # type: ignore[attr-defined]
