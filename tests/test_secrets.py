"""Secrets: refused production start without them, generated once for the embedded default,
SECRET_KEY rotation with fallbacks, and organisation signing keys under SIGNING_KEYS_SECRET
(key ids, `ermp rekey`, keys stored before key ids, the restore check)."""

import pytest
import sqlalchemy as sa

from app import MissingSecretsError, create_app
from app.accounts.models import Organisation
from app.extensions import db
from app.plan_versions import identities
from app.plan_versions.models import OrganisationSigningKey
from app.signing import keys
from config import Config, TestConfig


def test_production_refuses_to_start_without_its_secrets(tmp_path, monkeypatch):
    for name in ("SECRET_KEY", "AUDIT_KEY", "SIGNING_KEYS_SECRET"):
        monkeypatch.delenv(name, raising=False)

    def start(**overrides):
        return create_app(Config, {"INSTANCE_PATH": str(tmp_path / "i"), "APP_BASE_URL": "https://jointly.example.com",
                                   "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": None, "AUDIT_KEY": None,
                                   "SIGNING_KEYS_SECRET": None, **overrides})

    with pytest.raises(MissingSecretsError, match="SECRET_KEY, AUDIT_KEY, SIGNING_KEYS_SECRET are not set"):
        start()
    with pytest.raises(MissingSecretsError, match="SIGNING_KEYS_SECRET is not set"):
        start(SECRET_KEY="s" * 40, AUDIT_KEY="k1=" + "a" * 40)
    assert not (tmp_path / "i" / "secret_key").exists()  # nothing written per host
    app = start(SECRET_KEY="s" * 40, AUDIT_KEY="k1=" + "a" * 40, SIGNING_KEYS_SECRET="k1=" + "b" * 40)
    assert app.extensions["keyrings"]["signing"].current_id == "k1"


def test_the_embedded_default_generates_each_secret_once(tmp_path):
    def start():
        return create_app(Config, {"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                   "APP_BASE_URL": "http://127.0.0.1:5000", "SECRET_KEY": None, "AUDIT_KEY": None,
                                   "SIGNING_KEYS_SECRET": None})

    first, second = start(), start()
    for name in ("SECRET_KEY", "AUDIT_KEY", "SIGNING_KEYS_SECRET"):
        assert first.config[name] and first.config[name] == second.config[name]
    assert first.config["AUDIT_KEY"].startswith("k1=")
    assert oct((tmp_path / "audit_key").stat().st_mode & 0o777) == "0o600"


def test_sessions_survive_a_secret_key_rotation_with_fallbacks(make_app, two_parties):
    from tests.support.factories import PASSWORD

    old = make_app(SECRET_KEY="the-old-session-key-0123456789")
    client = old.test_client()
    client.sign_in(two_parties.a.admin.email, PASSWORD)
    cookie = client.get_cookie("jointly_session").value

    rotated = make_app(
        SECRET_KEY="the-new-session-key-9876543210", SECRET_KEY_FALLBACKS=["the-old-session-key-0123456789"]
    )
    kept = rotated.test_client()
    kept.set_cookie("jointly_session", cookie)
    assert kept.get("/account").status_code == 200
    dropped = make_app(SECRET_KEY="the-new-session-key-9876543210")
    cut = dropped.test_client()
    cut.set_cookie("jointly_session", cookie)
    assert cut.get("/account").status_code == 302  # signed out


def _key_of(organisation) -> OrganisationSigningKey:
    return identities.key_for(organisation)


def test_signing_keys_rotate_under_signing_keys_secret_with_rekey(make_app, tmp_path):
    first = make_app(SIGNING_KEYS_SECRET="old=an-old-signing-keys-secret")
    with first.app_context():
        organisation = Organisation(name="Alpha Ltd")
        db.session.add(organisation)
        db.session.flush()
        row = _key_of(organisation)
        db.session.commit()
        assert row.encryption_key_id == "old"
        fingerprint = row.fingerprint
        db.session.remove()

    rotated = make_app(SIGNING_KEYS_SECRET="new=a-new-signing-keys-secret,old=an-old-signing-keys-secret")
    with rotated.app_context():
        row = db.session.scalar(sa.select(OrganisationSigningKey))
        assert identities.identity_of(row).fingerprint == fingerprint  # readable during the rotation
        result = rotated.test_cli_runner().invoke(args=["ermp", "rekey"])
        assert result.exit_code == 0 and "1 signing key(s) re-encrypted" in result.output
        db.session.expire_all()
        assert db.session.scalar(sa.select(OrganisationSigningKey.encryption_key_id)) == "new"
        db.session.remove()

    finished = make_app(SIGNING_KEYS_SECRET="new=a-new-signing-keys-secret")
    with finished.app_context():
        row = db.session.scalar(sa.select(OrganisationSigningKey))
        assert identities.identity_of(row).fingerprint == fingerprint  # the old secret is no longer needed
        db.session.remove()


def test_keys_stored_before_key_ids_are_read_with_secret_key_and_moved_by_rekey(app):
    organisation = Organisation(name="Legacy Ltd")
    db.session.add(organisation)
    db.session.flush()
    identity = keys.generate_identity("Legacy Ltd")
    row = identities._store(organisation.id, identity, "generated", None)
    row.encrypted_key = keys.encrypt_private_key(identity.private_key, app.config["SECRET_KEY"])
    row.encryption_key_id = None  # as migration 0009 leaves the keys stored before it
    db.session.commit()
    assert identities.identity_of(row).fingerprint == identity.fingerprint
    assert identities.rekey() == (1, 0)
    db.session.commit()
    assert row.encryption_key_id == TestConfig.SIGNING_KEYS_SECRET.split("=")[0]


def test_the_restore_check_reports_keys_that_do_not_decrypt(make_app):
    from app.backup import RestoreReport

    first = make_app()
    with first.app_context():
        organisation = Organisation(name="Alpha Ltd")
        db.session.add(organisation)
        db.session.flush()
        _key_of(organisation)
        db.session.commit()
        report = RestoreReport({})
        identities.keys_decrypt(report)
        assert report.ok and report.checked == ["1 organisation signing keys decrypt"]
        db.session.remove()
    other = make_app(SIGNING_KEYS_SECRET="test=not-the-secret-these-keys-use")
    with other.app_context():
        report = RestoreReport({})
        identities.keys_decrypt(report)
        assert len(report.problems) == 1 and "cannot be decrypted" in report.problems[0]
        db.session.remove()
