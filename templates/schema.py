"""Typed schema of the record-template catalogue (诉求记录模板).

A template is a leaf matter (事项) of the category tree crossed with an appeal type; it says which fields a
ticket of that kind carries, how its title reads and who handles it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CATEGORY_L1: tuple[str, ...] = (
    "城乡建设与住房", "城市管理与市容环卫", "水电气与市政设施", "生态环境", "交通运输", "劳动和社会保障",
    "市场监管与消费维权", "卫生健康与医保", "教育文体旅游", "公安政法", "民政与社会服务", "住房公积金",
    "农村农业", "经济管理与企业服务", "科技与通信", "党务政务与行政效能",
)

APPEAL_TYPES: tuple[str, ...] = ("咨询", "求助", "投诉", "举报", "建议", "表扬")


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


AsciiId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]

# Placeholders a title pattern may use besides the template's own field keys.
TITLE_BUILTINS = frozenset({"appeal_type", "matter", "district", "street", "address", "involved_party", "subject"})
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


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
        return self


class Category(BaseModel):
    """A node of the matter tree. Level 3 nodes are the leaf matters (事项)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AsciiId
    level: Literal[1, 2, 3]
    name: str = Field(min_length=2)
    parent: AsciiId | None = None


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: AsciiId
    category_l1: str
    category_l2: str
    matter: str = Field(min_length=2, description="the leaf matter (事项) name")
    matter_id: AsciiId
    appeal_type: str
    name: str
    description: str
    triggers: tuple[str, ...] = Field(min_length=1, description="colloquial phrases that point to this template")
    examples: tuple[str, ...] = Field(min_length=2, description="caller utterances as citizens say them")
    fields: tuple[TemplateField, ...]
    title_pattern: str = Field(description="str.format-style pattern over field keys and TITLE_BUILTINS")
    handling_units: tuple[str, ...] = Field(min_length=1)
    district_handled: bool = Field(description="handled by the district of the event's location when known")
    urgency: Literal["normal", "priority", "urgent"] = "normal"

    @model_validator(mode="after")
    def _consistent(self) -> "Template":
        if self.category_l1 not in CATEGORY_L1:
            raise ValueError(f"unknown category_l1 {self.category_l1!r}")
        if self.appeal_type not in APPEAL_TYPES:
            raise ValueError(f"unknown appeal_type {self.appeal_type!r}")
        keys = [f.key for f in self.fields]
        if len(keys) != len(set(keys)):
            raise ValueError("duplicate field keys")
        unknown = set(_PLACEHOLDER.findall(self.title_pattern)) - set(keys) - TITLE_BUILTINS
        if unknown:
            raise ValueError(f"title pattern uses unknown placeholders {sorted(unknown)}")
        return self

    def field(self, key: str) -> TemplateField | None:
        return next((f for f in self.fields if f.key == key), None)
