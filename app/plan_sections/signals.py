"""What the plan sections feature tells the features above it.

A feature may open a section's editor for a purpose of its own (the review cycle's Adapt
stage: `?cycle=<id>`). While the editor is shown, `editor_opened.send(membership,
values=request.values)` asks for such purposes; a feature that recognises its own answers
with an `EditorPart`, which the editor includes (in its form, so it comes back with the save).
After a save that made a revision, `edit_saved.send(membership, revision=revision,
parts=parts)` tells them; receivers link it and never commit.
"""

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()

editor_opened = _signals.signal("editor-opened")
edit_saved = _signals.signal("edit-saved")


@dataclass(frozen=True)
class EditorPart:
    feature: str  # whose part it is ("review_cycle")
    template: str  # included in the editor's form, with `part` set to this
    values: dict
