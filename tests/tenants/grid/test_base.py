"""The loop's order and the photos' cleaning, below any page: an item cannot skip a state, and
a kept photo is a fresh JPEG with no EXIF (no GPS), whatever was sent."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from saas.auth.models import User
from saas.errors import ServiceError
from tenants.grid.items import ItemInput, create_item
from tenants.grid.loop import advance, allowed
from tenants.grid.models import GridItem, ItemPhoto, ItemStep
from tenants.grid.photos import MAX_UPLOAD_BYTES, clean_photo, read_photo, store
from tests.conftest import both_backends
from tests.tenants.grid.factories import jpeg_with_gps, make_category, make_place


def _item(scoped, street, make_user, photos=()):
    uid, _phone = make_user(street)
    community, grid, building = make_place(scoped, street)
    category = make_category(scoped, street)
    with scoped(street) as session:
        actor = session.get(User, (street.id, uid))
        item = create_item(session, actor, ItemInput(category, "楼道堆放杂物", community, grid,
                                                     building, photos=list(photos)))  # fmt: skip
        session.commit()
        return item.id, uid


@both_backends
def test_an_item_cannot_skip_a_state(app, make_street, make_user, scoped):
    street = make_street()
    item_id, uid = _item(scoped, street, make_user)
    with scoped(street) as session:
        item = session.get(GridItem, (street.id, item_id))
        assert item.number.startswith("WG") and item.status == "reported"
        assert allowed(item) == ["accept", "reject"]
        with pytest.raises(ServiceError, match="不能办结"):
            advance(session, item, "done", uid)
        advance(session, item, "accept", uid)
        with pytest.raises(ServiceError, match="不能回访满意"):
            advance(session, item, "satisfied", uid)
        session.commit()
        kinds = [s.kind for s in session.query(ItemStep).order_by(ItemStep.created_at)]
    assert kinds == ["report", "accept"]


def test_a_stale_copy_loses_to_whoever_moved_the_item_first(app, make_street, make_user, scoped):
    street = make_street()
    item_id, uid = _item(scoped, street, make_user)
    with scoped(street) as session:
        item = session.get(GridItem, (street.id, item_id))
        item.status = "reported"  # what a page loaded before another accepted it
        session.execute(GridItem.__table__.update().where(GridItem.id == item_id).values(
            status="accepted"))  # fmt: skip
        with pytest.raises(ServiceError, match="其他人"):
            advance(session, item, "accept", uid)


def test_a_kept_photo_has_no_exif_and_is_shrunk(app):
    data = jpeg_with_gps(size=(4000, 3000))
    assert b"PhoneMaker" in data
    with app.app_context():
        photo = clean_photo(data, "photos")
    assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.format == "JPEG" and max(image.size) == 1600
        assert not image.getexif()


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00" + b"\0" * 200,  # a renamed .exe
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\xff\xd8\xff\xe0" + b"garbage" * 20,  # a JPEG's first bytes, then nothing of one
        b"GIF89a" + b"\0" * 50,
    ],
)
def test_what_is_not_a_photo_is_refused(app, data):
    with app.app_context(), pytest.raises(ServiceError, match="JPEG、PNG 或 WebP"):
        clean_photo(data, "photos")


def test_a_30_mb_upload_is_refused_unread(app):
    upload = FileStorage(io.BytesIO(b"\xff" * (30 * 1024 * 1024)), filename="big.jpg")
    with app.app_context(), pytest.raises(ServiceError, match="10 MB"):
        read_photo(upload, "photos")
    assert MAX_UPLOAD_BYTES < 30 * 1024 * 1024


def test_a_report_keeps_its_photos_in_the_store(app, make_street, make_user, scoped):
    street = make_street()
    with app.app_context():
        photo = clean_photo(jpeg_with_gps(), "photos")
    item_id, _uid = _item(scoped, street, make_user, photos=[photo, photo])
    with scoped(street) as session:
        rows = session.query(ItemPhoto).filter(ItemPhoto.item_id == item_id).all()
        assert len(rows) == 2 and all(r.step_id for r in rows)
        assert store().get(street.id, rows[0].key) == photo.data
        assert store().get(street.id, "../../etc/passwd") is None
