"""Suggested handling unit (承办单位): the template's default unit, sent to the district (or 街道/镇) of the event's
location when the template says the matter is handled locally."""

from __future__ import annotations

from assistant.templates.schema import Template
from assistant.templates.units import LOCAL_DISTRICT, LOCAL_STREET


def local_government(district: str | None, street: str | None, level: str) -> str | None:
    """The government office of a place: 同和街道办事处, 鳌头镇人民政府, 白云区人民政府."""
    if level == "street" and street:
        return f"{street}人民政府" if street.endswith("镇") else f"{street}办事处"
    if district:
        return f"{district}人民政府"
    return None


def suggest_unit(template: Template, district: str | None, street: str | None) -> str | None:
    for unit in template.handling_units:
        if unit == LOCAL_STREET:
            local = local_government(district, street, "street")
        elif unit == LOCAL_DISTRICT:
            local = local_government(district, None, "district")
        else:
            # A municipal department's matter that the district handles goes to the district when it is known.
            local = local_government(district, None, "district") if template.district_handled else None
            return local or unit
        if local:
            return local
    return None
