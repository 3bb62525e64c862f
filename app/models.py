"""Imports every model, so Alembic and `db.create_all` see the whole schema."""

from app.accounts.models import Organisation, PasswordReset, RecoveryCode, User  # noqa: F401
from app.audit.models import AuditChainHead, AuditEvent  # noqa: F401
from app.partnerships.models import Invitation, Membership, Partnership, Party  # noqa: F401
