"""Typed schema of the record-template catalogue (诉求记录模板).

A template is a leaf matter (事项) of the category tree crossed with an appeal type; it says which fields a
ticket of that kind carries, how its title reads and who handles it. These are the compiled models the product
loads; the authoring format (templates/source/*.yaml) is modelled in `assistant.templates.source_format`.
"""

from __future__ import annotations

import re
import string
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidatorFunctionWrapHandler, WrapValidator, model_validator

CATEGORY_L1: tuple[str, ...] = (
    "城乡建设与住房", "城市管理与市容环卫", "水电气与市政设施", "生态环境", "交通运输", "劳动和社会保障",
    "市场监管与消费维权", "卫生健康与医保", "教育文体旅游", "公安政法", "民政与社会服务", "住房公积金",
    "农村农业", "经济管理与企业服务", "科技与通信", "党务政务与行政效能",
)

APPEAL_TYPES: tuple[str, ...] = ("咨询", "求助", "投诉", "举报", "建议", "表扬")

# ASCII suffix of a template id per appeal type: template id = f"{matter_id}.{APPEAL_SLUGS[appeal]}".
APPEAL_SLUGS: dict[str, str] = {
    "咨询": "consult", "求助": "help", "投诉": "complaint", "举报": "report", "建议": "suggestion", "表扬": "praise",
}

# The verb a clerk opens a title with; a plea for help is recorded as 反映 (反映…停电无通知问题).
TITLE_VERBS: dict[str, str] = {
    "咨询": "咨询", "求助": "反映", "投诉": "投诉", "举报": "举报", "建议": "建议", "表扬": "表扬",
}

TITLE_MAX_CHARS = 30
TITLE_SKELETON_MAX = 24   # a title's own words must leave room for the place and the party it names

# The real catalogue's size (the numbers): level-1 names, leaf matters, templates.
EXPECTED_COUNTS: dict[str, int] = {"l1": len(CATEGORY_L1), "leaves": 1900, "templates": 4947}
URGENCY_TIERS: tuple[str, ...] = ("normal", "priority", "urgent")


class FieldType(StrEnum):
    text = "text"
    phone = "phone"
    person = "person"
    organisation = "organisation"
    address = "address"
    datetime = "datetime"
    amount = "amount"
    count = "count"
    enum = "enum"


L1Name = Literal[CATEGORY_L1]  # type: ignore[valid-type]
AppealType = Literal[APPEAL_TYPES]  # type: ignore[valid-type]
Phrase = Annotated[str, StringConstraints(pattern=r"\S")]  # not blank
AsciiId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]

# Placeholders a title pattern may use besides the template's own field keys.
TITLE_BUILTINS = frozenset({"appeal_type", "matter", "district", "street", "address", "involved_party", "subject"})
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@lru_cache(maxsize=1024)   # thousands of templates share a handful of patterns
def title_placeholders(pattern: str) -> tuple[str, ...]:
    """The placeholder names of a title pattern, in order; ValueError when it is not a plain `{name}` pattern."""
    names = []
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as e:
        raise ValueError(f"malformed title pattern {pattern!r}: {e}") from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"title pattern {pattern!r}: placeholders must be plain {{name}}, got {{{name}}}")
        names.append(name)
    return tuple(names)


class TemplateField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: FieldKey
    label: str = Field(min_length=1, description="Chinese label shown in the panel")
    type: FieldType
    required: bool = False
    options: tuple[str, ...] = ()
    hints: tuple[str, ...] = Field((), description="words that announce this field in speech (extraction hints)")

    @model_validator(mode="after")
    def _enum_has_options(self) -> "TemplateField":
        if (self.type is FieldType.enum) != bool(self.options):
            raise ValueError(f"field {self.key}: options are required for enum fields and only for them")
        if len(set(self.options)) != len(self.options):
            raise ValueError(f"field {self.key}: duplicate options")
        return self


class ValidatedFields(tuple):
    """A tuple of TemplateFields already validated: the loader shares them across templates and passes them in
    this wrapper so that 4,947 templates do not re-check the same few dozen definitions."""


def _reuse_validated(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    return value if type(value) is ValidatedFields else handler(value)


class Category(BaseModel):
    """A node of the matter tree: level 1 (16 fixed names), level 2 groups, level 3 leaf matters (事项)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AsciiId
    level: Literal[1, 2, 3]
    name: str = Field(min_length=2)
    parent: AsciiId | None = None

    @model_validator(mode="after")
    def _parent_by_level(self) -> "Category":
        if (self.level == 1) != (self.parent is None):
            raise ValueError(f"category {self.id}: level 1 nodes and only they have no parent")
        if self.level == 1 and self.name not in CATEGORY_L1:
            raise ValueError(f"unknown level-1 category {self.name!r}")
        return self


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AsciiId
    category_l1: L1Name
    category_l2: str
    matter: str = Field(min_length=2, description="the leaf matter (事项) name")
    matter_id: AsciiId
    appeal_type: AppealType
    name: str = Field(min_length=2)
    description: str = Field(min_length=2)
    subject: str = Field(min_length=2, description="noun phrase a title is built around (夜间施工噪声扰民)")
    triggers: tuple[Phrase, ...] = Field(min_length=1, description="colloquial phrases that point to this template")
    examples: tuple[Phrase, ...] = Field(min_length=2, description="caller utterances as citizens say them")
    fields: Annotated[tuple[TemplateField, ...], WrapValidator(_reuse_validated)]
    title_pattern: str = Field(description="str.format-style pattern over field keys and TITLE_BUILTINS")
    handling_units: tuple[str, ...] = Field(min_length=1)
    district_handled: bool = Field(description="handled by the district of the event's location when known")
    urgency: Literal["normal", "priority", "urgent"] = "normal"

    @model_validator(mode="after")
    def _consistent(self) -> "Template":
        keys = {f.key for f in self.fields}
        if len(keys) != len(self.fields):
            raise ValueError("duplicate field keys")
        unknown = set(title_placeholders(self.title_pattern)) - keys - TITLE_BUILTINS
        if unknown:
            raise ValueError(f"title pattern uses unknown placeholders {sorted(unknown)}")
        return self

    def field(self, key: str) -> TemplateField | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def required_keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.fields if f.required)
