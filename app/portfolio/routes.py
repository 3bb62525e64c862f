"""The portfolio page: the partnerships the signed-in person is a member of."""

from flask import current_app, render_template, request
from flask_login import current_user, login_required

from app.partnerships.forms import STATUS_CHOICES, TYPE_CHOICES
from app.partnerships.services import may_start_partnership
from app.portfolio import bp
from app.portfolio.services import PAGE_SIZE, build_portfolio, sort_options
from app.registries import PORTFOLIO_METRICS


@bp.get("/home")
@login_required
def index():
    """The organisation's portfolio: the partnerships the user is a member of."""
    metrics = PORTFOLIO_METRICS.all()
    portfolio = build_portfolio(
        current_user,
        sort=request.args.get("sort"),
        order=request.args.get("order"),
        type_filter=request.args.get("type"),
        status_filter=request.args.get("status"),
        after=request.args.get("after"),
        before=request.args.get("before"),
    )
    return render_template(
        "portfolio/index.html",
        portfolio=portfolio,
        page_size=PAGE_SIZE,
        metrics=metrics,
        cells={m.key: getattr(current_app.jinja_env.get_template(m.template).module, m.macro) for m in metrics},
        sort_options=sort_options(),
        type_choices=TYPE_CHOICES,
        status_choices=STATUS_CHOICES,
        can_start=may_start_partnership(current_user),
    )
