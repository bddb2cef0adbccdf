"""Photos of grid items and plans of communities: read by their content (Pillow), turned upright,
shrunk, re-encoded without EXIF (a phone's photo carries where it was taken), and kept by a store
chosen by configuration (``GRID_PHOTO_STORE``: "local", the instance folder, by default).

Nothing the sender says is believed: not the file name, not the content type. A file Pillow
cannot open as a PNG, JPEG or WebP picture (a renamed .exe, an SVG with script) is refused, and so
is one too large to read or too many pixels to decode.
"""

from __future__ import annotations

import io
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

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


def store():
    """The configured store of photos."""
    kind = current_app.config.get("GRID_PHOTO_STORE", "local")
    if kind == "local":
        root = current_app.config.get("GRID_PHOTO_DIR") or (
            Path(current_app.instance_path) / "grid-photos"
        )
        return LocalStore(Path(root))
    raise RuntimeError(f"unknown GRID_PHOTO_STORE {kind!r}")
