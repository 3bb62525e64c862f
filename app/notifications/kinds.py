"""Every kind of notification, declared in one place, and how each can be delivered.

A kind says what happened ("signature requested"), how people are told by default,
and which delivery choices make sense for it. Features call
`app.notifications.services.notify` with a kind's key; a feature that brings a new
kind declares it in its own package and adds it to `KINDS` from its `init_app`.
"""

import enum
from dataclasses import dataclass

from app.registries import Registry


class Delivery(enum.StrEnum):
    IN_APP = "in_app"  # the bell only
    EMAIL_NOW = "email_now"  # the bell, and an email right away (batched kinds: once edits pause)
    DAILY_DIGEST = "daily_digest"  # the bell, and one email a day listing what is new

    @property
    def label(self) -> str:
        return DELIVERY_LABELS[self]


DELIVERY_LABELS = {
    Delivery.IN_APP: "In the app only",
    Delivery.EMAIL_NOW: "Email right away",
    Delivery.DAILY_DIGEST: "Daily digest email",
}


@dataclass(frozen=True)
class NotificationKind:
    key: str
    label: str
    description: str
    group: str
    default: Delivery = Delivery.EMAIL_NOW
    # Saves coalesce into one unread notification per topic; its email goes out
    # from `send-reminders` once the topic has been quiet for a while.
    batched: bool = False
    # False when the feature sends its own email (an invitation carries a one-time
    # link only the email may hold): the kind is then in-app only, never mailed twice.
    emailable: bool = True
    # templates/email/<email_template>.txt and .html render the immediate email.
    email_template: str = "notification"

    @property
    def choices(self) -> tuple[Delivery, ...]:
        if not self.emailable:
            return (Delivery.IN_APP,)
        return tuple(Delivery)

    def __post_init__(self) -> None:
        if self.default not in self.choices:
            raise ValueError(f"{self.key}: default delivery {self.default} is not one of its choices")


KINDS = Registry[NotificationKind]("notification_kinds", key=lambda kind: kind.key)


def get_kind(key: str) -> NotificationKind:
    kind = KINDS.get(key)
    if kind is None:
        raise ValueError(f"unknown notification kind {key!r}; add it to KINDS in its feature's init_app")
    return kind


def kinds_by_group() -> list[tuple[str, list[NotificationKind]]]:
    groups: dict[str, list[NotificationKind]] = {}
    for kind in KINDS.all():
        groups.setdefault(kind.group, []).append(kind)
    return list(groups.items())


INVITATIONS = "Invitations"
SIGNING = "Plan versions and signatures"
PLAN = "The plan"
REVIEW = "Reviews"
ACTIONS = "Improvement actions"
COMMENTS = "Comments"

# Kinds declared in this one place (notifications' init_app adds them); a feature that brings
# its own kinds adds them from its init_app.
CORE_KINDS = (
    NotificationKind(
        "invitation",
        "Invitations to a partnership",
        "Someone invites you to a partnership. The invitation email with its link is always sent.",
        INVITATIONS,
        default=Delivery.IN_APP,
        emailable=False,
    ),
    NotificationKind(
        "signature_requested",
        "Signature requested",
        "A plan version is issued for signature and you sign for your party.",
        SIGNING,
    ),
    NotificationKind(
        "version_signed",
        "A party signed",
        "A party signs a plan version that is out for signature.",
        SIGNING,
        default=Delivery.DAILY_DIGEST,
    ),
    NotificationKind(
        "signature_declined",
        "Signature declined",
        "A party declines to sign a plan version, with its reason.",
        SIGNING,
    ),
    NotificationKind(
        "baseline_signed",
        "New signed baseline",
        "Every party has signed: the version becomes the plan's signed baseline.",
        SIGNING,
    ),
    NotificationKind(
        "section_changed_by_other_party",
        "Plan changes by another party",
        "Another party changes a section of the plan. Saves are grouped: one email lists the "
        "sections changed, once the editing has paused.",
        PLAN,
        batched=True,
    ),
    NotificationKind(
        "review_due",
        "Review due",
        "The partnership's next review is coming up or overdue.",
        REVIEW,
    ),
    NotificationKind(
        "review_stage_changed",
        "Review stage changes",
        "The review cycle moves to its next stage, or a party agrees to move on.",
        REVIEW,
        default=Delivery.DAILY_DIGEST,
    ),
    NotificationKind(
        "review_submitted_by_other_party",
        "Another party submitted its review",
        "Another party submits its scores. You learn that it did, never what it scored, "
        "until every party has submitted.",
        REVIEW,
    ),
    NotificationKind(
        "action_assigned",
        "Action assigned to you",
        "An improvement action is assigned to you.",
        ACTIONS,
    ),
    NotificationKind(
        "action_overdue",
        "Action overdue",
        "An action you own passes its due date.",
        ACTIONS,
    ),
    NotificationKind(
        "mention",
        "Mentions",
        "Someone mentions you in a comment.",
        COMMENTS,
    ),
)
