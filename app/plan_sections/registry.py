"""The one registry of ERMP section types.

Each module in app/plan_sections/types/ declares one SectionType and registers it
here; the registry finds those modules itself, so an eleventh section type is one
new module (and its summary template, if it has a summary).
"""

import importlib
import pkgutil

from flask import abort

from app.plan_sections.schema import SectionType

_TYPES: dict[str, SectionType] = {}


def register(section_type: SectionType) -> SectionType:
    if section_type.key in _TYPES:
        raise ValueError(f"section type {section_type.key!r} is registered twice")
    if any(t.number == section_type.number for t in _TYPES.values()):
        raise ValueError(f"two section types are number {section_type.number}")
    _TYPES[section_type.key] = section_type
    return section_type


def _discover() -> None:
    from app.plan_sections import types

    for module in pkgutil.iter_modules(types.__path__):
        importlib.import_module(f"{types.__name__}.{module.name}")


def section_types() -> list[SectionType]:
    """Every section type, in the plan's order."""
    return sorted(_TYPES.values(), key=lambda t: t.number)


def get_section_type(key: str) -> SectionType | None:
    return _TYPES.get(key)


def section_type_or_404(key: str) -> SectionType:
    """The section type a URL names; an unknown key is a page that does not exist."""
    section_type = _TYPES.get(key)
    if section_type is None:
        abort(404)
    return section_type


def section_keys() -> list[str]:
    return [t.key for t in section_types()]


_discover()
