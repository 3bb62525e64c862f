"""Account-level access rules for views, beside partnerships.access (which gates a partnership's pages)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def org_admin_required(view):
    """The view is for the admins of the signed-in person's organisation; 403 for anyone else."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_org_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
