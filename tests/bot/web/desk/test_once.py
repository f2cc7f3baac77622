"""The desk's forms sent once (bot/web/desk/once.py) are kept in the city's database, so a
second press that reaches another web process of the city (two Database handles on one
database, as two processes have) gets the first one's answer; a refused form is handled
again; a press while the first is still being handled waits for it; a form remembered
longer than KEPT is a new one. The whole path through the web server and Chromium:
test_double_submit.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from aiohttp import web

from bot.web.desk import once
from bot.web.desk.once import SentForms
from db import Database

SAVED = "/desk/queue?done=saved"


@pytest.mark.both_backends
async def test_a_second_press_at_another_process_gets_the_first_answer(database_url: str):
    first, second = await Database.open(database_url), await Database.open(database_url)
    try:
        acted: list[str] = []
        release = asyncio.Event()

        async def saved() -> web.StreamResponse:
            acted.append("saved")
            await release.wait()
            raise web.HTTPSeeOther(SAVED)

        async def press(db: Database) -> str:
            with pytest.raises(web.HTTPSeeOther) as answer:
                await SentForms(db.marks).once("session-csrf", "form-1", saved)
            return answer.value.location

        one = asyncio.create_task(press(first))
        while not acted:  # the first press is being handled
            await asyncio.sleep(0.01)
        two = asyncio.create_task(press(second))  # waits for it, at the other process
        await asyncio.sleep(0.3)
        assert not two.done() and acted == ["saved"]
        release.set()
        assert await one == SAVED and await two == SAVED
        assert await press(second) == SAVED
        assert acted == ["saved"]
        # Another session's form of the same token is its own.
        with pytest.raises(web.HTTPSeeOther):
            await SentForms(first.marks).once("other-session", "form-1", saved)
        assert acted == ["saved", "saved"]
    finally:
        await first.close()
        await second.close()


@pytest.mark.both_backends
async def test_a_refused_form_is_handled_again_and_an_old_one_is_new(database_url: str):
    db = await Database.open(database_url)
    try:
        handled: list[int] = []

        async def refused() -> web.StreamResponse:
            handled.append(422)
            return web.Response(status=422)

        forms = SentForms(db.marks)
        for _ in range(2):
            assert (await forms.once("s", "form-2", refused)).status == 422
        assert handled == [422, 422]

        now = [datetime(2026, 11, 29, 7, 0, tzinfo=UTC)]
        forms = SentForms(db.marks, clock=lambda: now[0])
        acted: list[str] = []

        async def saved() -> web.StreamResponse:
            acted.append("saved")
            raise web.HTTPSeeOther(SAVED)

        for _ in range(2):
            with pytest.raises(web.HTTPSeeOther):
                await forms.once("s", "form-3", saved)
        assert acted == ["saved"]
        now[0] += once.KEPT
        with pytest.raises(web.HTTPSeeOther):
            await forms.once("s", "form-3", saved)
        assert acted == ["saved", "saved"]
    finally:
        await db.close()
