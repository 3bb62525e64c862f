"""Paths for stored links come from the route table, the same with or without a request."""

from flask import url_for

from app.links import path_for


def test_a_path_outside_a_request_is_the_one_url_for_gives_inside_one(app):
    outside = path_for("review_cycle.action", partnership_id=3, cycle_id=7, action_id=12)
    assert outside == "/partnerships/3/reviews/7/actions/12"
    with app.test_request_context(base_url="https://jointly.example"):
        assert path_for("review_cycle.action", partnership_id=3, cycle_id=7, action_id=12) == outside
        assert url_for("review_cycle.action", partnership_id=3, cycle_id=7, action_id=12) == outside


def test_an_anchor_and_values_the_route_does_not_take(app):
    path = path_for("coediting.comments", partnership_id=3, section_key="risk_assessment", _anchor="comment-5")
    assert path == "/partnerships/3/plan/risk_assessment/comments#comment-5"
    assert path_for("consent.index", partnership_id=3, page=2) == "/partnerships/3/proposals?page=2"
