"""Whole-catalogue checks beyond what each record's schema enforces: duplicates, unknown units, bad title patterns,
missing examples, broken tree, wrong counts. Used by `assistant templates validate` and the tests.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from assistant.templates.catalogue import Catalogue
from assistant.templates.schema import (
    APPEAL_SLUGS, CATEGORY_L1, EXPECTED_COUNTS, TITLE_BUILTINS, TITLE_SKELETON_MAX, title_placeholders,
)
from assistant.templates.units import UnitRegistry

__all__ = ["EXPECTED_COUNTS", "counts", "validate_catalogue"]


def counts(cat: Catalogue) -> dict[str, int]:
    return {
        "l1": sum(1 for c in cat.categories if c.level == 1),
        "l2": sum(1 for c in cat.categories if c.level == 2),
        "leaves": sum(1 for c in cat.categories if c.level == 3),
        "templates": len(cat.templates),
    }


def validate_catalogue(cat: Catalogue, units: UnitRegistry | None = None,
                       expected: dict[str, int] | None = None) -> list[str]:
    """Every problem found, one line each; [] when the catalogue is sound. `expected`: counts to enforce
    (EXPECTED_COUNTS for the real catalogue); `units`: registry to check handling units against."""
    problems: list[str] = []

    # Duplicates.
    matter_names: dict[str, set[str]] = defaultdict(set)
    for t in cat.templates:
        matter_names[t.matter].add(t.matter_id)
    problems += [f"matter name {name} used by several matters: {', '.join(sorted(ids))}"
                 for name, ids in matter_names.items() if len(ids) > 1]
    pairs = Counter((t.matter_id, t.appeal_type) for t in cat.templates)
    problems += [f"matter {m} has {n} {a} templates" for (m, a), n in pairs.items() if n > 1]
    example_owner: dict[str, str] = {}
    for t in cat.templates:
        for ex in t.examples:
            if ex in example_owner and example_owner[ex] != t.id:
                problems.append(f"{t.id}: example {ex!r} also belongs to {example_owner[ex]}")
            example_owner.setdefault(ex, t.id)
        if len(set(t.examples)) != len(t.examples):
            problems.append(f"{t.id}: repeated example")

    # Each template on its own.
    for t in cat.templates:
        if t.id != f"{t.matter_id}.{APPEAL_SLUGS[t.appeal_type]}":
            problems.append(f"{t.id}: id does not follow <matter_id>.{APPEAL_SLUGS[t.appeal_type]}")
        if len(t.examples) < 2:
            problems.append(f"{t.id}: fewer than 2 examples")
        if not t.triggers:
            problems.append(f"{t.id}: no trigger phrases")
        try:
            names = title_placeholders(t.title_pattern)
            unknown = set(names) - TITLE_BUILTINS - {f.key for f in t.fields}
            if unknown:
                problems.append(f"{t.id}: title pattern uses unknown placeholders {sorted(unknown)}")
            own = {"subject": t.subject, "matter": t.matter, "appeal_type": t.appeal_type}
            skeleton = t.title_pattern.format_map({n: own.get(n, "") for n in names})
            if len(skeleton) > TITLE_SKELETON_MAX:
                problems.append(f"{t.id}: title {skeleton!r} is {len(skeleton)} characters with no place or party "
                                f"named (at most {TITLE_SKELETON_MAX})")
            if "subject" not in names and "matter" not in names and len(skeleton) < 4:
                problems.append(f"{t.id}: title pattern {t.title_pattern!r} does not say what the ticket is about")
        except ValueError as e:
            problems.append(f"{t.id}: {e}")
        if units is not None:
            problems += [f"{t.id}: unknown handling unit {u!r}" for u in t.handling_units if units.resolve(u) is None]
        if len(set(t.handling_units)) != len(t.handling_units):
            problems.append(f"{t.id}: handling unit listed twice")
        missing = [k for k in cat.common_fields if t.field(k) is None]
        if missing:
            problems.append(f"{t.id}: lacks common field(s) {', '.join(missing)}")

    # The tree.
    with_templates = {t.matter_id for t in cat.templates}
    parents = {c.parent for c in cat.categories}
    for c in cat.categories:
        if c.level == 3 and c.id not in with_templates:
            problems.append(f"matter {c.id} ({c.name}) has no template")
        if c.level < 3 and c.id not in parents:
            problems.append(f"category {c.id} ({c.name}) has no children")
    l1 = [c.name for c in cat.categories if c.level == 1]
    problems += [f"level-1 category {n} appears {k} times" for n, k in Counter(l1).items() if k > 1]

    if expected:
        got = counts(cat)
        labels = {"l1": "level-1 categories", "l2": "level-2 groups", "leaves": "leaf matters",
                  "templates": "templates"}
        problems += [f"{got[k]} {labels[k]}, expected {v}" for k, v in expected.items() if got[k] != v]
        if expected.get("l1") == len(CATEGORY_L1):
            problems += [f"no level-1 category {n}" for n in CATEGORY_L1 if n not in l1]
    return problems

