"""Steps every module's views share: a form posted to a service, committed once or refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from flask import Response, abort, request, send_file
from flask_wtf import FlaskForm

from saas.errors import ServiceError
from saas.extensions import db
from saas.forms import attach_error

T = TypeVar("T")


@dataclass
class Submitted(Generic[T]):
    """What became of a form page's request (see :func:`submit_form`)."""

    #: the service ran and the transaction is committed
    done: bool = False
    #: what the service returned, when ``done``
    result: T | None = None
    #: the status to show the form page again with: 200 for a GET, 422 for a refused POST
    status: int = 200
    #: the service's refusal, already rolled back and attached to the form
    refusal: ServiceError | None = None


def submit_form(form: FlaskForm, act: Callable[[], T]) -> Submitted[T]:
    """Validate ``form`` and, if it is valid, run ``act`` (the service call) and commit.

    A POST whose form is invalid gives status 422 and runs nothing. A :class:`ServiceError`
    from ``act`` rolls the session back, is shown next to the field it names (or above the
    form), and gives status 422. A GET only gives status 200.
    """
    if form.validate_on_submit():
        try:
            result = act()
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
            return Submitted(status=422, refusal=error)
        db.session.commit()
        return Submitted(done=True, result=result)
    if request.method == "POST":
        return Submitted(status=422)
    return Submitted()


def send_upload(found: tuple[Path, str] | None) -> Response:
    """A stored upload, ``(path, content type)``, for the signed-in viewer; 404 when there is none.

    The browser may keep it for an hour; shared caches may not keep it at all.
    """
    if found is None:
        abort(404)
    path, mimetype = found
    response = send_file(path, mimetype=mimetype, max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def code_button(send: Callable[[], Any], sent_message: Callable[[str], str]) -> tuple[dict, int]:
    """What a "获取验证码" button shows after ``send()`` (a ``saas.auth.codes`` send): the
    template's ``code_wait``/``code_message``/``code_error``, and the status (422 if refused).

    ``sent_message(masked_phone)`` words the success; a refusal (too soon, too many, not a mobile
    number) is said under the button, not on the phone field.
    """
    from saas.auth.codes import CodeRefused

    try:
        sent = send()
    except CodeRefused as refused:
        return {"code_wait": refused.wait, "code_message": refused.message, "code_error": True}, 422
    except ServiceError as error:
        return {"code_wait": 0, "code_message": error.message, "code_error": True}, 422
    return {
        "code_wait": sent.resend_after,
        "code_message": sent_message(sent.masked_phone),
        "code_error": False,
    }, 200
