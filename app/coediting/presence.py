"""Who has a section open right now, editing or reading it, shared by every app instance.

Pages with a section open send a heartbeat every HEARTBEAT_SECONDS; someone is present
while their last heartbeat is younger than TTL_SECONDS, and "editing for 3 min" counts
from the first heartbeat of an unbroken run. Two stores behind one interface:

- RedisPresence (when REDIS_URL is set): per section a sorted set of "user:mode" scored by
  the last heartbeat, and a hash of when each run started; both expire on their own.
- DatabasePresence (otherwise): one row per (section, person, mode), upserted by each
  heartbeat; expired rows are removed as heartbeats arrive.

Either way several instances behind a load balancer see the same people.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from app.coediting.models import PRESENCE_MODES, SectionPresence
from app.database import is_postgresql
from app.extensions import db
from app.partnerships.models import Membership, Party
from app.types import utcnow

HEARTBEAT_SECONDS = 15
TTL_SECONDS = 45

log = logging.getLogger("jointly.presence")


@dataclass(frozen=True)
class Presence:
    """One person in a section: `since` is when this run of editing (or reading) began."""

    user_id: int
    mode: str
    since: datetime
    seen_at: datetime


class PresenceStore:
    def touch(self, partnership_id: int, section_key: str, user_id: int, mode: str, now: datetime) -> None:
        raise NotImplementedError

    def leave(self, partnership_id: int, section_key: str, user_id: int, mode: str) -> None:
        raise NotImplementedError

    def present(self, partnership_id: int, section_key: str, now: datetime) -> list[Presence]:
        raise NotImplementedError


class DatabasePresence(PresenceStore):
    def touch(self, partnership_id, section_key, user_id, mode, now):
        expired = now - timedelta(seconds=TTL_SECONDS)
        where = (
            SectionPresence.partnership_id == partnership_id,
            SectionPresence.section_key == section_key,
        )
        db.session.execute(sa.delete(SectionPresence).where(*where, SectionPresence.seen_at < expired)
                           .execution_options(synchronize_session=False))
        values = {"partnership_id": partnership_id, "section_key": section_key, "user_id": user_id, "mode": mode,
                  "since": now, "seen_at": now}
        if is_postgresql():
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = insert(SectionPresence).values(**values)
        # A run that lapsed was deleted above, so an existing row is a run still going: keep its start.
        statement = statement.on_conflict_do_update(
            index_elements=["partnership_id", "section_key", "user_id", "mode"],
            set_={"seen_at": statement.excluded.seen_at},
        )
        db.session.execute(statement)

    def leave(self, partnership_id, section_key, user_id, mode):
        db.session.execute(
            sa.delete(SectionPresence)
            .where(SectionPresence.partnership_id == partnership_id, SectionPresence.section_key == section_key,
                   SectionPresence.user_id == user_id, SectionPresence.mode == mode)
            .execution_options(synchronize_session=False)
        )

    def present(self, partnership_id, section_key, now):
        expired = now - timedelta(seconds=TTL_SECONDS)
        rows = db.session.execute(
            sa.select(SectionPresence.user_id, SectionPresence.mode, SectionPresence.since, SectionPresence.seen_at)
            .where(SectionPresence.partnership_id == partnership_id, SectionPresence.section_key == section_key,
                   SectionPresence.seen_at >= expired)
        ).all()
        return [Presence(*row) for row in rows]


class RedisPresence(PresenceStore):
    def __init__(self, client, prefix: str):
        self.client = client
        self.prefix = prefix

    def _keys(self, partnership_id, section_key) -> tuple[str, str]:
        base = f"{self.prefix}:presence:{partnership_id}:{section_key}"
        return base, base + ":since"

    def touch(self, partnership_id, section_key, user_id, mode, now):
        seen, since = self._keys(partnership_id, section_key)
        member = f"{user_id}:{mode}"
        stamp = now.timestamp()
        expired = stamp - TTL_SECONDS
        previous = self.client.zscore(seen, member)
        stale = [m.decode() if isinstance(m, bytes) else m for m in self.client.zrangebyscore(seen, "-inf", expired)]
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(seen, "-inf", expired)
        if stale:
            pipe.hdel(since, *stale)
        pipe.zadd(seen, {member: stamp})
        if previous is None or previous < expired:
            pipe.hset(since, member, stamp)  # a new run starts now
        else:
            pipe.hsetnx(since, member, stamp)
        pipe.expire(seen, TTL_SECONDS * 2)
        pipe.expire(since, TTL_SECONDS * 2)
        pipe.execute()

    def leave(self, partnership_id, section_key, user_id, mode):
        seen, since = self._keys(partnership_id, section_key)
        member = f"{user_id}:{mode}"
        pipe = self.client.pipeline()
        pipe.zrem(seen, member)
        pipe.hdel(since, member)
        pipe.execute()

    def present(self, partnership_id, section_key, now):
        seen, since = self._keys(partnership_id, section_key)
        entries = self.client.zrangebyscore(seen, now.timestamp() - TTL_SECONDS, "+inf", withscores=True)
        if not entries:
            return []
        members = [m.decode() if isinstance(m, bytes) else m for m, _score in entries]
        starts = self.client.hmget(since, members)
        found = []
        for (member, score), start in zip(zip(members, (s for _m, s in entries), strict=True), starts, strict=True):
            user_id, _, mode = member.partition(":")
            if not user_id.isdigit() or mode not in PRESENCE_MODES:
                continue
            seen_at = datetime.fromtimestamp(score, UTC)
            began = datetime.fromtimestamp(float(start), UTC) if start is not None else seen_at
            found.append(Presence(int(user_id), mode, began, seen_at))
        return found


def store() -> PresenceStore:
    """Redis when REDIS_URL is set, the database otherwise (one client per app, reused)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return DatabasePresence()
    cached = current_app.extensions.get("jointly_presence")
    if cached is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "jointly"
        cached = current_app.extensions["jointly_presence"] = RedisPresence(client, prefix)
    return cached


def _store_errors():
    import redis

    return (redis.RedisError,)


def heartbeat(membership: Membership, section_key: str, mode: str, *, leaving: bool = False,
              now: datetime | None = None) -> bool:
    """Record that the member has the section open (or closed it). False when the store is down."""
    if mode not in PRESENCE_MODES:
        raise ValueError(f"unknown presence mode {mode!r}")
    try:
        if leaving:
            store().leave(membership.partnership_id, section_key, membership.user_id, mode)
        else:
            store().touch(membership.partnership_id, section_key, membership.user_id, mode, now or utcnow())
    except _store_errors() as error:
        log.warning("presence store unavailable: %s", type(error).__name__)
        return False
    return True


@dataclass(frozen=True)
class PresentPerson:
    user_id: int
    name: str
    party: str
    mode: str
    since: datetime

    def minutes(self, now: datetime) -> int:
        return max(int((now - self.since).total_seconds() // 60), 0)

    def sentence(self, now: datetime) -> str:
        """“Dana Reyes, Contoso Manufacturing — editing for 3 min”."""
        minutes = self.minutes(now)
        if self.mode == "editing":
            doing = "editing for less than a minute" if minutes < 1 else f"editing for {_duration(minutes)}"
        else:
            doing = "viewing"
        return f"{self.name}, {self.party} — {doing}"


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def people_present(partnership_id: int, section_key: str, *, exclude_user_id: int | None = None,
                   now: datetime | None = None) -> list[PresentPerson]:
    """Members with the section open, editors first, each once (editing wins over viewing).
    Only current members are shown: someone removed mid-session disappears at once."""
    now = now or utcnow()
    try:
        entries = store().present(partnership_id, section_key, now)
    except _store_errors() as error:
        log.warning("presence store unavailable: %s", type(error).__name__)
        return []
    entries = [e for e in entries if e.user_id != exclude_user_id]
    if not entries:
        return []
    members = {
        m.user_id: m
        for m in db.session.scalars(
            sa.select(Membership)
            .where(Membership.partnership_id == partnership_id,
                   Membership.user_id.in_({e.user_id for e in entries}))
            .options(joinedload(Membership.user), joinedload(Membership.party).joinedload(Party.organisation))
        )
    }
    best: dict[int, Presence] = {}
    for entry in entries:
        if entry.user_id not in members:
            continue
        held = best.get(entry.user_id)
        if held is None or (entry.mode == "editing" and held.mode != "editing"):
            best[entry.user_id] = entry
    people = [
        PresentPerson(uid, members[uid].user.full_name, members[uid].party.name, entry.mode, entry.since)
        for uid, entry in best.items()
    ]
    return sorted(people, key=lambda p: (p.mode != "editing", p.since, p.name))
