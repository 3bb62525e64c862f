"""Imports every model, so Alembic and `db.create_all` see the whole schema."""

from app.accounts.models import CalendarFeed, Organisation, PasswordReset, RecoveryCode, User  # noqa: F401
from app.attachments.models import Attachment, AttachmentVersion  # noqa: F401
from app.audit.models import AuditChain, AuditCheckpoint, AuditEvent, AuditVerification  # noqa: F401
from app.coediting.models import Comment, CommentThread, EditConflict, SectionPresence  # noqa: F401
from app.consent.models import Proposal, ProposalResponse  # noqa: F401
from app.evidence.models import EvidencePack  # noqa: F401
from app.jobs.models import JobProblem  # noqa: F401
from app.mail.models import OutboundMail  # noqa: F401
from app.notifications.models import Notification, NotificationDigest, NotificationPreference  # noqa: F401
from app.partnerships.models import Invitation, Membership, Partnership, Party  # noqa: F401
from app.plan_import.models import PendingImport  # noqa: F401
from app.plan_sections.models import PlanSection, SectionReview, SectionRevision  # noqa: F401
from app.plan_versions.models import (  # noqa: F401
    DraftPdf,
    OrganisationSigningKey,
    PlanDocument,
    PlanSignature,
    PlanVersion,
)
from app.promises.models import Decision, Meeting, PromiseRecord  # noqa: F401
from app.review_cycle.models import (  # noqa: F401
    Adaptation,
    Assessment,
    AssessmentSubmission,
    CycleRevision,
    HealthDimension,
    ImprovementAction,
    ReviewCycle,
    ReviewReportDocument,
    StageAgreement,
)
from app.search.models import SearchEntry  # noqa: F401
from app.submissions import FormSubmission  # noqa: F401
