"""S3 for tests: moto's server on 127.0.0.1, a private bucket, and Django switched to S3Storage.

Use it by importing the fixtures into a test module: `from tests.s3 import moto_server_fixture, s3_fixture  # noqa`,
then asking for `s3` (the session-wide server is `moto_server`).

moto stores whatever a browser POSTs without evaluating the signed policy; S3 evaluates it. The server here is
wrapped with that evaluation (signature, expiry, each condition, no field outside the policy) so tests exercise
the conditions LEAP signs, not moto's leniency.
"""

import base64
import datetime
import hashlib
import hmac
import io
import json
import runpy
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import leap.settings as settings_module
from tests.conftest import need_service

BUCKET = "leap-test"
ACCESS_KEY = SECRET_KEY = "testing"
REGION = "us-east-1"


def policy_problem(form: dict[str, str], bucket: str, size: int) -> tuple[int, str, str] | None:
    """Why S3 would refuse this browser POST (status, code, message), or None."""
    policy_b64, credential = form.get("policy", ""), form.get("x-amz-credential", "")
    if not policy_b64 or credential.count("/") != 4:
        return 403, "AccessDenied", "Anonymous POSTs are not allowed on this bucket."
    key = f"AWS4{SECRET_KEY}".encode()
    for part in credential.split("/")[1:]:
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, policy_b64.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature, form.get("x-amz-signature", "")):
        return 403, "SignatureDoesNotMatch", "The policy signature does not match."
    policy = json.loads(base64.b64decode(policy_b64))
    expiration = datetime.datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    if expiration < datetime.datetime.now(datetime.UTC):
        return 403, "AccessDenied", "Invalid according to Policy: Policy expired."
    fields, covered = {**form, "bucket": bucket}, {"policy", "x-amz-signature", "file", "bucket"}
    for condition in policy["conditions"]:
        if isinstance(condition, list) and condition[0] == "content-length-range":
            if not condition[1] <= size <= condition[2]:
                return 400, "EntityTooLarge" if size > condition[2] else "EntityTooSmall", "Size not allowed."
            continue
        op, name, value = ("eq", *next(iter(condition.items()))) if isinstance(condition, dict) else condition
        name = name.lstrip("$").lower()
        covered.add(name)
        actual = fields.get(name, "")
        if (op == "eq" and actual != value) or (op == "starts-with" and not actual.startswith(value)):
            return 403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}"
    extra = sorted(set(fields) - covered)
    if extra:
        return 403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {', '.join(extra)}"
    return None


def enforce_post_policy(app):
    """WSGI middleware: refuse browser POSTs (multipart forms to a bucket) the way S3 does."""
    from werkzeug.wrappers import Request, Response

    def middleware(environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or not environ.get("CONTENT_TYPE", "").startswith("multipart/"):
            return app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        request = Request({**environ, "wsgi.input": io.BytesIO(body)})
        upload = request.files.get("file")
        form = {k.lower(): v for k, v in request.form.items()}
        problem = policy_problem(form, environ["PATH_INFO"].strip("/"), len(upload.read()) if upload else 0)
        environ["wsgi.input"] = io.BytesIO(body)
        if problem is None:
            return app(environ, start_response)
        status, code, message = problem
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        return Response(xml, status, mimetype="application/xml",
                        headers={"Access-Control-Allow-Origin": "*"})(environ, start_response)

    return middleware


@pytest.fixture(name="moto_server", scope="session")
def moto_server_fixture() -> Iterator[str]:
    try:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from moto.server import ThreadedMotoServer
        from werkzeug.serving import make_server
    except ImportError:
        need_service("moto is not installed: pip install 'moto[server]>=5,<6'")

    class PolicyCheckingMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:  # ThreadedMotoServer's, with the app wrapped
            app = enforce_post_policy(DomainDispatcherApplication(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = PolicyCheckingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@dataclass
class S3:
    url: str
    bucket: str
    client: Any

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [o["Key"] for o in listed.get("Contents", [])]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


def _reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).close()


def production_s3_storage(endpoint_url: str, monkeypatch) -> dict[str, Any]:
    """The default storage leap/settings.py builds from the S3_* variables, pointed at the test server."""
    for name, value in {"S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint_url, "S3_ACCESS_KEY_ID": ACCESS_KEY,
                        "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    storage = runpy.run_path(str(Path(settings_module.__file__)))["DEFAULT_STORAGE"]
    for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_REGION"):
        monkeypatch.delenv(name)
    return storage


@pytest.fixture(name="s3")
def s3_fixture(moto_server: str, settings, monkeypatch) -> Iterator[S3]:
    """A fresh private bucket, and Django's default storage (so every FileField) on it for this test."""
    import boto3

    for name, value in {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
                        "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    _reset(moto_server)
    client = boto3.client("s3", endpoint_url=moto_server, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    client.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PUT", "POST"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    settings.S3_BUCKET = BUCKET
    storage = production_s3_storage(moto_server, monkeypatch)
    # Until leap/settings.py pins SigV4, botocore presigns with SigV2 in us-east-1 (test_evidence_s3 flags it).
    storage["OPTIONS"].setdefault("signature_version", "s3v4")
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    yield S3(url=moto_server, bucket=BUCKET, client=client)
    _reset(moto_server)
