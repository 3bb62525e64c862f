"""A state-machine property test (Hypothesis): random submissions, drafts, agreements and edits by
random members of both parties. Whatever the order, no party sees another's assessment before the
last submission, no stage is skipped, and the cycle moves only when every party's admin agreed."""

from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from app.extensions import db
from app.partnerships.access import load_membership
from app.review_cycle import assessments, cycles, improvement, stages
from app.review_cycle.models import CLOSED, STAGES, ReviewCycle
from app.review_cycle.report import results_for
from app.rules import RuleViolation
from tests.support.factories import join, make_partnership
from tests.support.review_cycle import assessment_input

ORDER = [*STAGES, CLOSED]
PEOPLE = ["a.admin", "a.editor", "a.viewer", "b.admin", "b.editor", "b.viewer"]


def test_blindness_and_gates_hold_in_any_order(world):
    counter = iter(range(10_000))
    reached: set[str] = set()

    class Cycle(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.partnership = make_partnership(world.a.admin, f"Machine {next(counter)}")
            for side in ("a", "b"):
                people = getattr(world, side)
                for role in ("admin", "editor", "viewer"):
                    user = getattr(people, role)
                    if user.id != world.a.admin.id:
                        join(self.partnership, user, role)
            db.session.commit()
            self.members = {
                name: load_membership(self.partnership.id, getattr(getattr(world, name[0]), name[2:]))
                for name in PEOPLE
            }
            self.cycle = cycles.open_cycle(self.members["a.admin"], "2026-Q1")
            db.session.commit()
            self.submitted: set[int] = set()
            self.agreed: set[int] = set()
            self.stage = "review"
            self.parties = {m.party_id for m in self.members.values()}

        def _attempt(self, work_fn) -> bool:
            try:
                work_fn()
            except RuleViolation:
                db.session.rollback()
                return False
            db.session.commit()
            return True

        def _advanced(self, before: str) -> None:
            db.session.refresh(self.cycle)
            moved = ORDER.index(self.cycle.stage) - ORDER.index(before)
            assert moved in (0, 1), f"{before} -> {self.cycle.stage}"
            if moved:
                assert self.agreed >= self.parties, "advanced without every party's agreement"
                self.agreed = set()
            self.stage = self.cycle.stage
            reached.add(self.stage)

        @rule(who=st.sampled_from(["a.editor", "b.editor", *PEOPLE]), score=st.integers(1, 5), final=st.booleans())
        def write_assessment(self, who, score, final):
            member = self.members[who]
            given = assessment_input(self.cycle, member.party_id, score, comment=f"{who} says {score}")
            call = assessments.submit if final else assessments.save_draft
            done = self._attempt(lambda: call(member, self.cycle, given))
            allowed = member.role != "viewer" and self.stage == "review" and member.party_id not in self.submitted
            assert done == allowed
            if done and final:
                self.submitted.add(member.party_id)
            self._advanced(self.stage)

        # Mostly admins agreeing to leave the current stage (None), so runs get far; sometimes anyone,
        # any stage, in or out of order.
        @rule(who=st.sampled_from(["a.admin", "b.admin", "a.admin", "b.admin", *PEOPLE]),
              stage=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(STAGES)))
        def agree(self, who, stage):
            member, before = self.members[who], self.stage
            stage = stage or (before if before != CLOSED else STAGES[-1])
            done = self._attempt(lambda: stages.agree(member, self.cycle, stage))
            allowed = (member.role == "admin" and stage == before and member.party_id not in self.agreed
                       and (before != "review" or self.submitted == self.parties))
            assert done == allowed, (who, stage, before)
            if done:
                self.agreed.add(member.party_id)
            self._advanced(before)

        @rule(who=st.sampled_from(PEOPLE))
        def change_something(self, who):
            member, before = self.members[who], self.stage
            if before == "adapt":
                done = self._attempt(lambda: improvement.add_adaptation(member, self.cycle, "Meet weekly", "", None))
            elif before == "improve":
                done = self._attempt(lambda: improvement.add_action(member, self.cycle, {
                    "title": "Act", "description": "", "owner_party_id": member.party_id, "owner_user_id": None,
                    "due_on": date(2030, 1, 1), "link": ""}))
            else:
                return
            assert done == (member.role != "viewer")
            if done:
                self.agreed = set()  # agreements given so far lapse
            self._advanced(before)

        @invariant()
        def nothing_leaks_before_the_reveal(self):
            if not hasattr(self, "cycle"):
                return
            revealed = self.submitted == self.parties
            assert (self.cycle.revealed_at is not None) == revealed
            for member in self.members.values():
                seen = set(assessments.visible_assessments(self.cycle, member))
                assert seen <= ({member.party_id} | (self.parties if revealed else set()))
                assert (results_for(self.cycle, member, date.today()) is None) == (not revealed)

        @invariant()
        def the_database_agrees_with_the_model(self):
            if hasattr(self, "cycle"):
                stored = db.session.scalar(sa.select(ReviewCycle.stage).where(ReviewCycle.id == self.cycle.id))
                assert stored == self.stage
                live = {a.party_id for a in stages.live_agreements(self.cycle)} if self.stage != CLOSED else set()
                assert live == self.agreed

    run_state_machine_as_test(Cycle, settings=settings(
        max_examples=30, stateful_step_count=40, deadline=None, derandomize=True, database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    ))
    assert "adapt" in reached, reached  # the runs went past the reveal and through a gate
