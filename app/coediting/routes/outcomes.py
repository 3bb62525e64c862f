"""What a person is told after a save, whichever way it ended (saved, merged, no change, kept)."""

from flask import flash, redirect, request, url_for

from app.coediting.saving import SaveOutcome
from app.consent import services as consent


def people_and_numbers(revisions) -> str:
    """“Dana Reyes's changes (revision 14)” / “the changes of Dana Reyes and Luis Ortega (revisions 14–16)”."""
    names: list[str] = []
    for revision in revisions:
        if revision.author.full_name not in names:
            names.append(revision.author.full_name)
    numbers = [r.number for r in revisions]
    if not numbers:
        return "the latest changes"
    span = f"revision {numbers[0]}" if len(numbers) == 1 else f"revisions {numbers[0]}–{numbers[-1]}"
    if len(names) == 1:
        return f"{names[0]}'s changes ({span})"
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return f"the changes of {listed} ({span})"


def after_save(section_type, outcome: SaveOutcome, *, saved: str, unchanged: str):
    """Say what a committed save did, and go where the person should look next."""
    partnership_id = request.view_args["partnership_id"]
    section_url = url_for("coediting.section", partnership_id=partnership_id, section_key=section_type.key)
    if outcome.status == "conflict":
        conflict = outcome.conflict
        theirs = conflict.their_revision
        flash(
            f"Some of your changes overlap with {theirs.author.full_name}'s (revision {theirs.number}). "
            "Nothing is lost: your version is kept here until you choose what to keep.",
            "warning",
        )
        return redirect(url_for("coediting.conflict", partnership_id=partnership_id, section_key=section_type.key,
                                conflict_id=conflict.id))
    if outcome.status == "proposed":
        proposal = outcome.proposal
        proposal_url = url_for("consent.show", partnership_id=partnership_id, proposal_id=proposal.id)
        if proposal.status == "agreed":  # no other party to ask: made at once
            flash(f"{section_type.title} is saved: no other party takes part to be asked.", "success")
            return redirect(section_url)
        asked = ", ".join(party.name for party in consent.asked_parties(proposal))
        flash(f"Proposed to {asked}: your change is made when every other party agrees. "
              "The section reads as before until then.", "success")
        return redirect(proposal_url)
    if outcome.status == "unchanged":
        if outcome.merged_with:
            flash(f"Your changes were already in the section, with {people_and_numbers(outcome.merged_with)}. "
                  "Nothing new to save.", "info")
        else:
            flash(unchanged, "info")
        return redirect(section_url)
    number = outcome.revision.number
    if outcome.status == "merged":
        flash(f"Merged with {people_and_numbers(outcome.merged_with)} and saved as revision {number}.", "success")
    else:
        flash(saved.format(number=number, title=section_type.title), "success")
    return redirect(section_url)
