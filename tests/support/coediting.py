"""Saving as co-editors do in tests: from an explicit base revision, with content changed here and there."""

import copy

from app.coediting import saving
from app.extensions import db
from tests.support.plans import Plan


def save_from(on: Plan, user, key: str, content: dict, base_id, note=None, **kwargs):
    """save_edit as `user` from an explicit base revision id; commits."""
    outcome = saving.save_edit(on.member(user), on.section(key), content, base_id, note, **kwargs)
    db.session.commit()
    return outcome


def changed(content: dict, **edits) -> dict:
    """A copy of `content` with risk titles (risk_<n>=title), the narrative or fields changed."""
    result = copy.deepcopy(content)
    for name, value in edits.items():
        if name == "narrative":
            result["narrative"] = value
        elif name.startswith("risk_"):
            index, _, field_name = name[5:].partition("_")
            result["items"]["risks"][int(index)][field_name or "title"] = value
    return result
