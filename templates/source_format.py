"""Models of the authoring format: templates/source/<l1-id>.yaml and fields.yaml (see templates/source/FORMAT.md).

These check one file's shape; cross-file rules (unique keys, known units, counts) live in the builder.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from assistant.templates.schema import APPEAL_TYPES, CATEGORY_L1, FieldKey, FieldType

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=48)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
AppealType = Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]


class SourceField(BaseModel):
    """A field definition in fields.yaml or under `fields:` of a category file (the key is the mapping key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text
    type: FieldType
    # true/false, or the appeal types for which the field is required.
    required: bool | tuple[AppealType, ...] = False
    # Location fields only matter when the ticket goes to the district where it happened.
    required_only_if_district_handled: bool = False
    options: tuple[Text, ...] = ()
    hints: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _enum_has_options(self) -> "SourceField":
        if (self.type is FieldType.enum) != bool(self.options):
            raise ValueError("options are required for enum fields and only for them")
        return self

    def required_for(self, appeal_type: str, district_handled: bool) -> bool:
        if self.required_only_if_district_handled and not district_handled:
            return False
        return self.required if isinstance(self.required, bool) else appeal_type in self.required


class FieldLibrary(BaseModel):
    """fields.yaml: the common fields every template carries, in panel order."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: dict[FieldKey, SourceField]
    # Common keys placed after the matter-specific ones (the caller's demand closes the form).
    trailing: tuple[FieldKey, ...] = ()

    @model_validator(mode="after")
    def _trailing_known(self) -> "FieldLibrary":
        unknown = set(self.trailing) - set(self.fields)
        if unknown:
            raise ValueError(f"trailing lists undefined fields {sorted(unknown)}")
        return self


class SourceMatter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=14)]
    id: Slug
    appeals: tuple[AppealType, ...] = Field(min_length=1)
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=20)]
    triggers: tuple[Text, ...] = Field(min_length=3, max_length=6)
    examples: dict[AppealType, tuple[Text, ...]]
    fields: tuple[FieldKey, ...] = ()
    urgency: Literal["normal", "priority", "urgent"] = "normal"
    units: tuple[Text, ...] | None = None
    district_handled: bool | None = None
    # One pattern for all appeal types, or one per appeal type.
    title: Text | dict[AppealType, Text] | None = None

    @field_validator("appeals")
    @classmethod
    def _unique_appeals(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(v)) != len(v):
            raise ValueError("appeal type listed twice")
        return tuple(a for a in APPEAL_TYPES if a in v)  # canonical order

    @model_validator(mode="after")
    def _examples_per_appeal(self) -> "SourceMatter":
        missing = [a for a in self.appeals if len(self.examples.get(a, ())) < 2]
        if missing:
            raise ValueError(f"matter {self.id}: fewer than 2 examples for {'、'.join(missing)}")
        extra = set(self.examples) - set(self.appeals)
        if extra:
            raise ValueError(f"matter {self.id}: examples for unlisted appeal types {'、'.join(sorted(extra))}")
        if self.name in self.triggers:
            raise ValueError(f"matter {self.id}: a trigger repeats the matter name")
        if len(set(self.fields)) != len(self.fields):
            raise ValueError(f"matter {self.id}: field listed twice")
        if isinstance(self.title, dict) and set(self.title) - set(self.appeals):
            raise ValueError(f"matter {self.id}: title for an unlisted appeal type")
        return self


class SourceGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=16)]
    id: Slug
    units: tuple[Text, ...] = Field(min_length=1)
    district_handled: bool
    matters: tuple[SourceMatter, ...] = Field(min_length=1)


class SourceFile(BaseModel):
    """One level-1 category file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category_l1: str
    id: Slug
    leaves: int = Field(gt=0)
    templates: int = Field(gt=0)
    fields: dict[FieldKey, SourceField] = {}
    groups: tuple[SourceGroup, ...] = Field(min_length=1)

    @field_validator("category_l1")
    @classmethod
    def _known_l1(cls, v: str) -> str:
        if v not in CATEGORY_L1:
            raise ValueError(f"{v!r} is not one of the 16 level-1 names")
        return v

    @model_validator(mode="after")
    def _unique_ids(self) -> "SourceFile":
        matters = [m for g in self.groups for m in g.matters]
        problems = []
        for what, ids in (("group id", [g.id for g in self.groups]), ("matter id", [m.id for m in matters]),
                          ("group name", [g.name for g in self.groups]), ("matter name", [m.name for m in matters])):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                problems.append(f"duplicate {what}s: {', '.join(dup)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def count_problems(self) -> list[str]:
        """Mismatches between the declared `leaves` / `templates` and what the file defines."""
        matters = [m for g in self.groups for m in g.matters]
        problems = []
        if len(matters) != self.leaves:
            problems.append(f"declares leaves: {self.leaves} but defines {len(matters)} matters")
        n_templates = sum(len(m.appeals) for m in matters)
        if n_templates != self.templates:
            problems.append(f"declares templates: {self.templates} but its matters yield {n_templates}")
        return problems
