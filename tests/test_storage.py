"""app/storage.py: one contract, kept by both backends — a folder under STORAGE_DIR and an S3
bucket (moto's S3 server, a real HTTP API in a subprocess)."""

import hashlib
import logging
import os

import pytest

from app import create_app
from app.storage import StorageError, content_key, object_store
from config import TestConfig
from tests.support.mail import free_port
from tests.support.s3 import moto_server

pytestmark = pytest.mark.engine_independent


def _app(tmp_path, **config):
    return create_app(TestConfig, {"INSTANCE_PATH": str(tmp_path / "instance"),
                                   "STORAGE_DIR": str(tmp_path / "storage"), **config})


@pytest.fixture(params=["filesystem", "s3"])
def store(request, tmp_path):
    config = request.getfixturevalue("s3_bucket").config if request.param == "s3" else {}
    store = object_store(_app(tmp_path, **config))
    assert store.name == request.param
    return store


@pytest.fixture
def write(tmp_path):
    """write(data) -> (content key, path of a local file holding data)."""

    def factory(data: bytes) -> tuple[str, str]:
        digest = hashlib.sha256(data).hexdigest()
        path = tmp_path / f"upload-{digest[:12]}"
        path.write_bytes(data)
        return content_key(digest), str(path)

    return factory


def _read(store, key) -> bytes:
    with store.open(key) as stream:
        return stream.read()


def test_put_exists_open_and_keys(store, write):
    contract, contract_path = write(b"%PDF-1.7\nthe partnering agreement\n%%EOF\n")
    minutes, minutes_path = write(b"minutes of the quarterly review")
    assert not store.exists(contract) and list(store.keys()) == []

    store.put_file(contract, contract_path)
    store.put_file(minutes, minutes_path)
    store.put_file("exports/2026/pack.zip", minutes_path)

    assert store.exists(contract) and store.exists(minutes)
    assert _read(store, contract) == b"%PDF-1.7\nthe partnering agreement\n%%EOF\n"
    assert _read(store, minutes) == b"minutes of the quarterly review"
    assert list(store.keys()) == sorted([contract, minutes, "exports/2026/pack.zip"])
    assert list(store.keys("attachments/")) == sorted([contract, minutes])
    assert list(store.keys(contract[: len("attachments/") + 2])) == [contract]
    assert list(store.keys("exports")) == ["exports/2026/pack.zip"]
    assert list(store.keys("nothing/")) == []


def test_an_object_is_read_as_a_stream(store, write):
    data = os.urandom(3 * 1024 * 1024 + 17)
    key, path = write(data)
    store.put_file(key, path)
    stream = store.open(key)
    with stream:
        chunks = []
        while chunk := stream.read(256 * 1024):
            chunks.append(chunk)
    assert stream.closed
    assert hashlib.sha256(b"".join(chunks)).hexdigest() == key.rsplit("/", 1)[1]


def test_a_file_larger_than_one_upload_part_round_trips(store, write):
    # boto3 uploads files over 8 MB in parts; the object appears only once all have arrived.
    data = os.urandom(9 * 1024 * 1024)
    key, path = write(data)
    store.put_file(key, path)
    assert _read(store, key) == data


def test_storing_a_key_again_is_harmless(store, write):
    key, path = write(b"signed minutes")
    store.put_file(key, path)
    store.put_file(key, path)
    assert list(store.keys()) == [key]
    assert _read(store, key) == b"signed minutes"


def test_a_missing_key(store, write):
    key, _path = write(b"never stored")
    assert store.exists(key) is False
    with pytest.raises(FileNotFoundError):
        store.open(key)


def test_a_failed_put_leaves_no_object(store, write, tmp_path):
    key, _path = write(b"never stored")
    with pytest.raises(OSError):
        store.put_file(key, str(tmp_path / "no-such-file"))
    assert not store.exists(key) and list(store.keys()) == []


@pytest.mark.parametrize("key", [
    "../outside", "attachments/../../outside", "/etc/passwd", "attachments\\ab\\x", "Attachments/x", "a//b", "a/",
    "", "./a", "a/./b", ".hidden", "a/.part", "a b", "a\x00b", "a\n", "ä", "a" * 513,
])
def test_unsafe_keys_are_refused(store, write, key):
    _key, path = write(b"x")
    for call in (lambda: store.put_file(key, path), lambda: store.exists(key), lambda: store.open(key)):
        with pytest.raises(ValueError):
            call()
    assert list(store.keys()) == []


@pytest.mark.parametrize("prefix", ["../", "/", "A", "a\\b", "../../etc/"])
def test_unsafe_prefixes_are_refused(store, prefix):
    with pytest.raises(ValueError):
        list(store.keys(prefix))


def test_content_key():
    digest = hashlib.sha256(b"contract").hexdigest()
    assert content_key(digest) == f"attachments/{digest[:2]}/{digest}"
    for wrong in ("", digest[:-1], digest + "0", digest.upper(), "g" * 64, f" {digest[1:]}", f"{digest}\n", None, 42):
        with pytest.raises(ValueError):
            content_key(wrong)


def test_the_store_is_made_once_per_app(tmp_path):
    app = _app(tmp_path)
    assert object_store(app) is object_store(app)
    with app.app_context():
        assert object_store() is object_store(app)
    assert object_store(_app(tmp_path)) is not object_store(app)


def test_the_filesystem_store_keeps_its_files_private(tmp_path, write):
    store = object_store(_app(tmp_path))
    key, path = write(b"board minutes")
    store.put_file(key, path)
    root = tmp_path / "storage" / "objects"
    assert store.describe() == f"the folder {root}"
    stored = root.joinpath(*key.split("/"))
    assert stored.read_bytes() == b"board minutes"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    for folder in (root, root / "attachments", stored.parent):
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert os.listdir(stored.parent) == [stored.name]  # no temporary file left beside it


def test_s3_with_a_missing_bucket_says_so(tmp_path, s3_bucket, write):
    store = object_store(_app(tmp_path, **{**s3_bucket.config, "S3_BUCKET": "no-such-bucket"}))
    key, path = write(b"x")
    for call in (lambda: store.put_file(key, path), lambda: store.exists(key), lambda: store.open(key),
                 lambda: list(store.keys())):
        with pytest.raises(StorageError) as raised:
            call()
        message = str(raised.value)
        assert f"S3 bucket no-such-bucket at {s3_bucket.endpoint}" in message and "does not exist" in message
        assert "test" not in message.replace("jointly-test", "")  # no credentials in the message


def test_s3_at_a_wrong_endpoint_says_it_is_unreachable(tmp_path, s3_bucket, write):
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    store = object_store(_app(tmp_path, **{**s3_bucket.config, "S3_ENDPOINT_URL": endpoint}))
    key, path = write(b"x")
    for call in (lambda: store.put_file(key, path), lambda: store.exists(key)):
        with pytest.raises(StorageError) as raised:
            call()
        assert f"S3 bucket {s3_bucket.name} at {endpoint} is unreachable" in str(raised.value)


def test_s3_refusing_the_credentials_says_so(tmp_path, write):
    # This server checks credentials (moto's IAM emulation), and knows none of ours.
    with moto_server(tmp_path / "moto.log", {"INITIAL_NO_AUTH_ACTION_COUNT": "0"}) as endpoint:
        store = object_store(_app(tmp_path, S3_BUCKET="evidence", S3_ENDPOINT_URL=endpoint,
                                  S3_ACCESS_KEY_ID="AKIAUNKNOWN", S3_SECRET_ACCESS_KEY="wrong-secret"))
        key, path = write(b"x")
        for call in (lambda: store.put_file(key, path), lambda: store.exists(key), lambda: list(store.keys())):
            with pytest.raises(StorageError) as raised:
                call()
            message = str(raised.value)
            assert f"The S3 bucket evidence at {endpoint} refused the credentials" in message
            assert "check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY" in message
            assert "AKIAUNKNOWN" not in message and "wrong-secret" not in message


def test_an_unusable_s3_prefix_is_refused(tmp_path, s3_bucket):
    with pytest.raises(StorageError, match="S3_PREFIX 'Jointly/' is not usable"):
        object_store(_app(tmp_path, **s3_bucket.config, S3_PREFIX="Jointly/"))


def test_s3_prefixes_keep_deployments_apart_in_one_bucket(tmp_path, s3_bucket, write):
    ours = object_store(_app(tmp_path / "ours", **s3_bucket.config, S3_PREFIX="jointly/"))
    theirs = object_store(_app(tmp_path / "theirs", **s3_bucket.config, S3_PREFIX="jointly-staging"))
    contract, contract_path = write(b"our contract")
    minutes, minutes_path = write(b"their minutes")
    ours.put_file(contract, contract_path)
    theirs.put_file(minutes, minutes_path)

    assert list(ours.keys()) == [contract] and list(theirs.keys()) == [minutes]
    assert ours.exists(contract) and not ours.exists(minutes)
    assert theirs.exists(minutes) and not theirs.exists(contract)
    with pytest.raises(FileNotFoundError):
        theirs.open(contract)
    assert ours.describe() == f"S3 bucket {s3_bucket.name} at {s3_bucket.endpoint} (keys under jointly/)"
    listed = [item["Key"] for item in s3_bucket.client().list_objects_v2(Bucket=s3_bucket.name)["Contents"]]
    assert sorted(listed) == sorted([f"jointly/{contract}", f"jointly-staging/{minutes}"])


def test_s3_credentials_are_never_logged(tmp_path, s3_bucket, write, caplog):
    caplog.set_level(logging.DEBUG)
    key_id, secret = "AKIAJOINTLYTESTKEYID", "s3cr3t-never-to-be-logged-0123456789"
    config = {**s3_bucket.config, "S3_ACCESS_KEY_ID": key_id, "S3_SECRET_ACCESS_KEY": secret}
    store = object_store(_app(tmp_path, **config))
    key, path = write(b"minutes")
    store.put_file(key, path)
    assert _read(store, key) == b"minutes" and list(store.keys()) == [key]
    missing = object_store(_app(tmp_path / "missing", **{**config, "S3_BUCKET": "no-such-bucket"}))
    with pytest.raises(StorageError) as raised:
        missing.exists(key)
    assert caplog.records  # the app logged at DEBUG meanwhile
    for text in (caplog.text, str(raised.value)):
        assert key_id not in text and secret not in text
