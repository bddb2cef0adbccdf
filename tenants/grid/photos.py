"""Photos of grid items and plans of communities: read by their content (Pillow), turned upright,
shrunk, re-encoded without EXIF (a phone's photo carries where it was taken), and kept by a store
chosen by configuration (``GRID_PHOTO_STORE``: "local", the instance folder, by default).

Nothing the sender says is believed: not the file name, not the content type. A file Pillow
cannot open as a PNG, JPEG or WebP picture (a renamed .exe, an SVG with script) is refused, and so
is one too large to read or too many pixels to decode.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import re
import secrets
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from saas.errors import ServiceError

#: a phone's photo is 3–8 MB; more than this is not a photo we keep
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: decoding more pixels than this is refused (a small file can unpack into gigabytes)
MAX_PIXELS = 50_000_000
#: the long side of a kept photo
MAX_SIDE = 1600
#: the long side of a community's plan (people zoom into it)
PLAN_MAX_SIDE = 2400
FORMATS = {"JPEG", "PNG", "WEBP"}
_KEY = re.compile(r"[0-9a-f]{32}\.jpg")


@dataclass(frozen=True)
class Photo:
    """A photo ready to keep: JPEG bytes without metadata, and its size."""

    data: bytes
    width: int
    height: int


def read_photo(upload: FileStorage | None, field: str, max_side: int = MAX_SIDE) -> Photo | None:
    """The cleaned photo of an upload, None when no file was chosen.

    :raise ServiceError: larger than 10 MB, not a PNG, JPEG or WebP picture, or too many pixels
    """
    if upload is None or not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if not data:
        return None
    if len(data) > MAX_UPLOAD_BYTES:
        raise ServiceError(_("照片不能超过 10 MB"), field)
    return clean_photo(data, field, max_side)


def clean_photo(data: bytes, field: str, max_side: int = MAX_SIDE) -> Photo:
    """Open ``data`` as a picture and re-encode it upright, at most ``max_side`` pixels on its
    long side, as a JPEG with no EXIF, ICC or other metadata."""
    refused = ServiceError(_("请上传 JPEG、PNG 或 WebP 格式的照片"), field)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in FORMATS:
                    raise refused
                if probe.width * probe.height > MAX_PIXELS:
                    raise ServiceError(_("照片像素过大，请压缩后再上传"), field)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except ServiceError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            OSError, SyntaxError, ValueError) as error:  # fmt: skip
        raise refused from error
    upright = upright.convert("RGB")
    upright.thumbnail((max_side, max_side))
    out = io.BytesIO()
    # a fresh image carries no EXIF, GPS, ICC or comments: only what is passed here is written
    upright.save(out, "JPEG", quality=82, optimize=True)
    return Photo(out.getvalue(), upright.width, upright.height)


# --- stores -------------------------------------------------------------------------------------


class LocalStore:
    """Files under ``<instance>/grid-photos/<tenant_id>/`` (``GRID_PHOTO_DIR`` overrides the
    folder). Keys are random; a key that is not one of ours is never opened."""

    def __init__(self, root: Path):
        self.root = root

    def put(self, tenant_id: int, data: bytes) -> str:
        key = f"{secrets.token_hex(16)}.jpg"
        folder = self.root / str(int(tenant_id))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / key).write_bytes(data)
        return key

    def get(self, tenant_id: int, key: str) -> bytes | None:
        if not _KEY.fullmatch(key or ""):
            return None
        path = self.root / str(int(tenant_id)) / key
        return path.read_bytes() if path.is_file() else None

    def delete(self, tenant_id: int, key: str) -> None:
        if _KEY.fullmatch(key or ""):
            (self.root / str(int(tenant_id)) / key).unlink(missing_ok=True)


class S3Store:
    """Objects in a bucket of an S3-compatible store (MinIO, Ceph, a cloud's object storage), at
    ``<tenant_id>/<key>``, path-style (``<endpoint>/<bucket>/<tenant_id>/<key>``), each request
    signed with AWS Signature Version 4 (:func:`sign_v4`). Standard library only."""

    #: seconds to wait for the store before the report is refused
    TIMEOUT = 10

    def __init__(self, endpoint: str, bucket: str, key: str, secret: str, region: str):
        if not endpoint or not bucket or not key or not secret:
            raise RuntimeError("GRID_PHOTO_STORE=s3 needs GRID_S3_ENDPOINT, GRID_S3_BUCKET, "
                               "GRID_S3_KEY and GRID_S3_SECRET")  # fmt: skip
        if urlsplit(endpoint).scheme not in ("http", "https"):
            raise RuntimeError("GRID_S3_ENDPOINT must be an http:// or https:// address")
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.key = key
        self.secret = secret
        self.region = region or "us-east-1"

    def _url(self, tenant_id: int, key: str) -> str:
        return f"{self.endpoint}/{quote(self.bucket)}/{int(tenant_id)}/{quote(key)}"

    def _request(self, method: str, url: str, body: bytes = b"", headers: dict | None = None):
        headers = dict(headers or {})
        headers.update(sign_v4(method, url, headers, body, self.key, self.secret, self.region))
        data = body if method == "PUT" else None
        # the endpoint's scheme is http(s), checked when the store was made
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        return urllib.request.urlopen(request, timeout=self.TIMEOUT)  # noqa: S310

    def put(self, tenant_id: int, data: bytes) -> str:
        key = f"{secrets.token_hex(16)}.jpg"
        try:
            with self._request("PUT", self._url(tenant_id, key), data,
                               {"Content-Type": "image/jpeg"}):  # fmt: skip
                pass
        except (urllib.error.URLError, OSError) as error:
            raise ServiceError(_("照片保存失败，请稍后再试"), "photos") from error
        return key

    def get(self, tenant_id: int, key: str) -> bytes | None:
        if not _KEY.fullmatch(key or ""):
            return None
        try:
            with self._request("GET", self._url(tenant_id, key)) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return None
            raise

    def delete(self, tenant_id: int, key: str) -> None:
        if not _KEY.fullmatch(key or ""):
            return
        try:
            with self._request("DELETE", self._url(tenant_id, key)):
                pass
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def sign_v4(method: str, url: str, headers: dict, body: bytes, access_key: str, secret: str,
            region: str, service: str = "s3", now: datetime | None = None) -> dict:  # fmt: skip
    """The headers that sign a request with AWS Signature Version 4: ``Host``,
    ``x-amz-date``, ``x-amz-content-sha256`` and ``Authorization`` (every header given is signed
    too). See AWS's "Signature Version 4 signing process" for S3 (header-based auth)."""
    now = now or datetime.now(UTC)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    parts = urlsplit(url)
    payload = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    signed = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    signed |= {"host": parts.netloc, "x-amz-date": amz_date, "x-amz-content-sha256": payload}
    names = sorted(signed)
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    canonical = "\n".join([
        method, quote(parts.path or "/", safe="/-_.~%"), query,
        "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names), payload,
    ])  # fmt: skip
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])  # fmt: skip
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret}".encode(), day), region), service),
                "aws4_request")  # fmt: skip
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "Host": parts.netloc,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload,
        "Authorization": f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}",
    }


def _setting(name: str, default: str = "") -> str:
    """The app's configuration, else the environment (the platform's config knows no module)."""
    return current_app.config.get(name) or os.environ.get(name) or default


def store():
    """The configured store of photos: ``GRID_PHOTO_STORE`` "local" (the default) or "s3"."""
    kind = _setting("GRID_PHOTO_STORE", "local")
    if kind == "local":
        root = _setting("GRID_PHOTO_DIR") or (Path(current_app.instance_path) / "grid-photos")
        return LocalStore(Path(root))
    if kind == "s3":
        return S3Store(_setting("GRID_S3_ENDPOINT"), _setting("GRID_S3_BUCKET"),
                       _setting("GRID_S3_KEY"), _setting("GRID_S3_SECRET"),
                       _setting("GRID_S3_REGION", "us-east-1"))  # fmt: skip
    raise RuntimeError(f"unknown GRID_PHOTO_STORE {kind!r}")
