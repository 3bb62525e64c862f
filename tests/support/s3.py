"""A real S3 API for the tests: moto's server, started once per test process as a subprocess
on a free loopback port, and a fresh bucket in it for each test that asks."""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from tests.support.mail import free_port

REGION = "us-east-1"
KEY_ID = "test"
SECRET = "test"


def s3_client(endpoint: str):
    """A boto3 client on the test server, to arrange and inspect what the app cannot see."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
        config=Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def _answers(endpoint: str) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3_client(endpoint).list_buckets()
    except ClientError:
        return True  # an S3 error is an answer (a server checking credentials refuses ours)
    except BotoCoreError:
        return False
    return True


@contextlib.contextmanager
def moto_server(log_path, env: dict | None = None):
    """Run `python -m moto.server` on a free loopback port until the block ends; yields its address."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 30
        while not _answers(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"moto's S3 server did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """The address of a moto S3 server this test process started (stopped when the run ends)."""
    with moto_server(tmp_path_factory.mktemp("moto") / "server.log") as endpoint:
        yield endpoint


@dataclass(frozen=True)
class Bucket:
    name: str
    endpoint: str
    config: dict  # the app's S3 settings for this bucket: create_app(..., {**bucket.config})

    def client(self):
        return s3_client(self.endpoint)


@pytest.fixture
def s3_bucket(s3_endpoint) -> Bucket:
    """A new, empty bucket on the test server, and the configuration that points an app at it."""
    name = f"jointly-test-{uuid.uuid4().hex[:12]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    config = {
        "S3_BUCKET": name,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": KEY_ID,
        "S3_SECRET_ACCESS_KEY": SECRET,
    }
    return Bucket(name, s3_endpoint, config)
