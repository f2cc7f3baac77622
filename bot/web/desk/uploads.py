"""Uploaded import files between the preview (a dry run) and "Import now", and the page
both imports (events, places) show them on (:func:`import_page`, which also lists what a
dry run refused, at most :data:`ERRORS_SHOWN` of it).

The preview keeps the file in memory under a random key, for the coordinator who sent it
only and for half an hour; "Import now" takes it (once). Few are kept at a time, so that
uploads cannot fill the memory; the oldest goes first.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Generic, TypeVar

from aiohttp import web
from markupsafe import Markup

from bot.web.desk.auth import desk_of
from bot.web.i18n import translator_for
from bot.web.pages import render
from handlers.refusals import Explained
from locales import N_, Translator

KEEP_SECONDS = 30 * 60
MOST = 8
# The refused rows or entries a preview lists, the rest counted: a file with thousands of
# them needs fixing, not reading (and the page stays small whatever the file holds).
ERRORS_SHOWN = 500
_UNSAFE = re.compile(r"[^\w.\- ]")


@dataclass(frozen=True)
class Upload:
    user_id: int
    kind: str  # "places" or "events"
    name: str
    raw: bytes
    # The encounter place an events file is for, if one was named.
    place_id: int | None = None
    # The file as the preview read it (a calendar's entries), so that "Import now" does
    # not read it again.
    parsed: Any = None
    at: float = field(default_factory=time.monotonic)


class Uploads:
    def __init__(self) -> None:
        self._kept: dict[str, Upload] = {}

    def _expire(self) -> None:
        now = time.monotonic()
        for key in [k for k, u in self._kept.items() if now - u.at > KEEP_SECONDS]:
            del self._kept[key]
        while len(self._kept) >= MOST:
            del self._kept[next(iter(self._kept))]

    def put(self, upload: Upload) -> str:
        self._expire()
        key = secrets.token_urlsafe(18)
        self._kept[key] = upload
        return key

    def take(self, key: str, user_id: int, kind: str) -> Upload | None:
        """The upload kept under ``key`` for this user and kind (and forget it), if any."""
        upload = self._kept.get(key)
        if upload is None or upload.user_id != user_id or upload.kind != kind:
            return None
        del self._kept[key]
        return upload if time.monotonic() - upload.at <= KEEP_SECONDS else None


UPLOADS = web.AppKey("desk_uploads", Uploads)
EXPIRED = N_("⌛ This preview has expired. Please upload the file again.")
Report = TypeVar("Report")


@dataclass(frozen=True)
class Preview(Generic[Report]):
    """A dry run's report and the key "Import now" hands back."""

    report: Report
    key: str
    name: str


def uploads_of(app: web.Application) -> Uploads:
    return app[UPLOADS]


def install(app: web.Application) -> None:
    if UPLOADS not in app:
        app[UPLOADS] = Uploads()


def safe_name(filename: str | None) -> str:
    """The file's own name, without folders or odd characters (it ends up in the history)."""
    name = PurePath((filename or "").replace("\\", "/")).name
    return _UNSAFE.sub("_", name)[-80:] or "upload"


async def uploaded(request: web.Request, field_name: str = "file") -> tuple[str, bytes] | None:
    """(name, content) of the file sent in the form's ``field_name``, if one was sent."""
    form = await request.post()
    sent = form.get(field_name)
    if not isinstance(sent, web.FileField):
        return None
    raw = sent.file.read()
    return (safe_name(sent.filename), raw) if raw else None


async def kept(request: web.Request, user_id: int, kind: str) -> Upload | None:
    """The upload an "Import now" form names (field ``upload``), for this user and kind;
    None when it expired, was imported already or was never theirs (say :data:`EXPIRED`)."""
    form = await request.post()
    return uploads_of(request.app).take(str(form.get("upload", ""))[:64], user_id, kind)


def import_page(
    request: web.Request,
    kind: str,
    *,
    preview: Preview[Any] | None,
    problem: Markup | None,
    status: int,
    rejected: Sequence[tuple[int, Explained]] = (),
    label: Callable[[Translator, str], str],
    **more: Any,
) -> web.Response:
    """The import page of ``kind`` (desk/<kind>_import.html, laid out by
    desk/_import_page.html): ``problem`` with the file, or the dry run's ``preview`` with
    what it refused (``rejected``: the row or entry's number and why, the field named by
    its ``label``), the first :data:`ERRORS_SHOWN` listed; ``more``: what the page shows
    besides."""
    t = translator_for(request)
    errors = [
        {
            "number": number,
            "field": label(t, reason.field) if reason.field else "",
            "message": reason.text(t),
        }
        for number, reason in rejected[:ERRORS_SHOWN]
    ]
    return render(
        request,
        f"desk/{kind}_import.html",
        status=status,
        desk=desk_of(request),
        notice=None,
        preview=preview,
        problem=problem,
        errors=errors,
        more_errors=max(0, len(rejected) - ERRORS_SHOWN),
        **more,
    )
