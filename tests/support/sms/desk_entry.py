"""A resident entered on the desk to be reached by text, as the SMS tests need her: the
desk's real web server on the city's settings, with the phone line and texts."""

from __future__ import annotations

from dataclasses import replace

from db import Database
from tests.support.channels import channels
from tests.support.desk_client import cora_at_the_desk, erna_on_the_form
from tests.support.sms.city import City


async def erna_texted_from_the_desk(city: City, db: Database, number: str) -> tuple[int, str]:
    """Cora enters Erna on the desk: a request as /enter makes it, then Erna's ``number``
    (as typed), first name and German on its resident form, to be reached by text. The
    request's id and the page after saving (200)."""
    settings = replace(city.story.dispatcher.settings, channels=channels("phone", "sms"))
    async with cora_at_the_desk(db, settings) as (browser, base, cora):
        status, request, page = await erna_on_the_form(
            db, browser, base, cora, number, channel="sms"
        )
    assert status == 200, page
    return request.id, page
