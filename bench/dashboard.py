"""Item 6: the portfolio dashboard (/home) of an organisation in 200 partnerships against one in 20.

Two organisations are signed up on a copy of the demo database, each with a user who
creates its partnerships through the service (with the demo's Contoso as the other
party, a plan section saved in each): 20 for one, 200 for the other. The two dashboards'
first pages (25 partnerships each: the portfolio is paged) are timed alternately through the
test client, and their queries counted.
"""

import os
from datetime import date

from bench.common import DEMO_PASSWORD, Row, alternating_medians, demo_database, log, make_app, signed_in_client
from bench.history import page_figures

SIZES = (20, 200)
TYPES = ("key_supplier", "joint_venture", "strategic_alliance", "outsourcing", "customer")


def build(app, size: int) -> str:
    """An organisation whose first user is in `size` partnerships; that user's email."""
    import sqlalchemy as sa

    from app.accounts import services as accounts
    from app.accounts.models import Organisation
    from app.extensions import db
    from app.partnerships import services as partnerships
    from app.partnerships.models import PartnershipType

    email = f"portfolio{size}@bench.example"
    types = [t.value for t in PartnershipType]
    with app.app_context():
        user = accounts.sign_up(organisation_name=f"Portfolio {size} Ltd", full_name=f"Pat Portfolio {size}",
                                email=email, password=DEMO_PASSWORD, time_zone="Europe/London")
        other = db.session.scalar(sa.select(Organisation.id).where(Organisation.name == "Contoso Manufacturing"))
        for number in range(size):
            partnership = partnerships.create_partnership(
                user, name=f"Partnership {number + 1:03d} of {size}", type=types[number % len(types)],
                purpose="Benchmark partnership: a joint plan between two parties.",
                start_date=date(2020 + number % 6, 1 + number % 12, 1), review_cadence_months=3,
            )
            partnerships.add_party(partnership, other, actor=user)
        db.session.commit()
    return email


def run() -> list:
    repeat = int(os.environ.get("BENCH_PAGE_REPEAT", "15"))
    with demo_database("dashboard") as url:
        app = make_app(url)
        clients, counts = [], []
        for size in SIZES:
            log(f"dashboard: an organisation in {size} partnerships")
            client = signed_in_client(app, build(app, size))
            counts.append(page_figures(client, "/home"))
            clients.append(client)
        times = alternating_medians([lambda c=c: c.get("/home") for c in clients], repeat, warmup=3)
    same = "same" if counts[0] == counts[1] else "**differ**"
    from app.portfolio.services import PAGE_SIZE

    return [Row("6 dashboard", "dashboard, 200 vs 20 partnerships", times[1] * 1000, times[0] * 1000, "ms", 2.0,
                f"first page, {PAGE_SIZE} a page; queries 20/200: {counts[0]}/{counts[1]} ({same})")]
