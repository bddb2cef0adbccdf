"""The S3-compatible store: PUT, GET and DELETE signed with AWS Signature V4 (the standard
library's hmac and hashlib), against a fake S3 served in this process. Nothing calls out."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from saas.errors import ServiceError
from tenants.grid.photos import S3Store, sign_v4, store

KEY, SECRET, REGION, BUCKET = "test-key", "test-secret", "cn-east-1", "grid-photos"


def test_the_signature_is_awss_own_example():
    """AWS's documented example (GET /test.txt of examplebucket, 2013-05-24, with a Range)."""
    headers = sign_v4("GET", "https://examplebucket.s3.amazonaws.com/test.txt",
                      {"Range": "bytes=0-9"}, b"", "AKIAIOSFODNN7EXAMPLE",
                      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1",
                      now=datetime(2013, 5, 24, tzinfo=UTC))  # fmt: skip
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


class FakeS3(BaseHTTPRequestHandler):
    """Objects in a dict; a request whose signature is missing or wrong is a 403 (the signature
    is recomputed here from the request as received, independently of the store's code)."""

    objects: dict[str, bytes] = {}
    seen: list[tuple[str, str]] = []

    def log_message(self, *args):
        pass

    def _authorised(self, body: bytes) -> bool:
        auth = self.headers.get("Authorization", "")
        match = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/s3/aws4_request,"
                             r" SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})", auth)  # fmt: skip
        if not match:
            return False
        key, day, region, names, signature = match.groups()
        if key != KEY or region != REGION:
            return False
        payload = self.headers["x-amz-content-sha256"]
        if payload != hashlib.sha256(body).hexdigest():
            return False
        names = names.split(";")
        canonical = "\n".join([self.command, self.path, "",
                               "".join(f"{n}:{self.headers[n].strip()}\n" for n in names),
                               ";".join(names), payload])  # fmt: skip
        amz_date = self.headers["x-amz-date"]
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, f"{day}/{region}/s3/aws4_request",
                             hashlib.sha256(canonical.encode()).hexdigest()])  # fmt: skip
        k = f"AWS4{SECRET}".encode()
        for part in (day, region, "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature) and "host" in names

    def _answer(self, code: int, body: bytes = b""):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append(("PUT", self.path))
        if not self._authorised(body):
            return self._answer(403)
        self.objects[self.path] = body
        self._answer(200)

    def do_GET(self):
        self.seen.append(("GET", self.path))
        if not self._authorised(b""):
            return self._answer(403)
        if self.path not in self.objects:
            return self._answer(404)
        self._answer(200, self.objects[self.path])

    def do_DELETE(self):
        self.seen.append(("DELETE", self.path))
        if not self._authorised(b""):
            return self._answer(403)
        self.objects.pop(self.path, None)
        self._answer(204)


@pytest.fixture
def fake_s3():
    FakeS3.objects, FakeS3.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeS3)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_put_get_delete_through_the_configured_store(app, fake_s3):
    app.config.update(GRID_PHOTO_STORE="s3", GRID_S3_ENDPOINT=fake_s3, GRID_S3_BUCKET=BUCKET,
                      GRID_S3_KEY=KEY, GRID_S3_SECRET=SECRET, GRID_S3_REGION=REGION)  # fmt: skip
    try:
        with app.app_context():
            s3 = store()
            assert isinstance(s3, S3Store)
            key = s3.put(42, b"\xff\xd8jpeg")
            assert FakeS3.objects == {f"/{BUCKET}/42/{key}": b"\xff\xd8jpeg"}
            assert s3.get(42, key) == b"\xff\xd8jpeg"
            assert s3.get(43, key) is None  # another street's folder
            assert s3.get(42, "../../etc/passwd") is None  # never asked for
            s3.delete(42, key)
            assert FakeS3.objects == {} and s3.get(42, key) is None
    finally:
        app.config.update(GRID_PHOTO_STORE="local")
    assert ("GET", f"/{BUCKET}/42/../../etc/passwd") not in FakeS3.seen


def test_a_wrong_secret_is_refused_by_the_store(app, fake_s3):
    s3 = S3Store(fake_s3, BUCKET, KEY, "not-the-secret", REGION)
    with pytest.raises(ServiceError, match="照片保存失败"):
        s3.put(42, b"data")
    assert FakeS3.objects == {}


def test_a_store_out_of_reach_refuses_the_report_in_words(app):
    s3 = S3Store("http://127.0.0.1:9", BUCKET, KEY, SECRET, REGION)
    with pytest.raises(ServiceError, match="照片保存失败"):
        s3.put(42, b"data")


def test_the_store_needs_its_settings(app):
    with pytest.raises(RuntimeError):
        S3Store("", BUCKET, KEY, SECRET, REGION)
    with pytest.raises(RuntimeError):
        S3Store("file:///etc", BUCKET, KEY, SECRET, REGION)
