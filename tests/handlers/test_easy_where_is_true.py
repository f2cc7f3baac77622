"""The easy "where" step says truly what is kept of a place (issue 101, point 7).

It said in every language that only the district is kept ("We only keep the part of
town"), but a request keeps the district and a point accurate to about 500 m (the
personal-data map, db/personal_data.py: a request's ``lat``/``lon``, rounded,
handlers/privacy_purposes.py). Now each of its three forms (chat, phone, SMS) names the
500 m, in all ten languages, as the place is said and texted: its phone and SMS forms
name the 500 m; its chat form (in the easy walk, whose words are held to 45 % of the usual,
tests/handlers/test_easy_walk.py, with none to spare) says "the area" where it said "the
district" (uk "околицю", ru "округу", tr "çevreyi", bg "района", ar "المنطقة", fa "محدوده";
de, en, ro, pl said the area already), true of a point rounded to 500 m."""

from __future__ import annotations

import pytest
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's media
from bot.transports.phone.words.speech_files import spoken_parts
from bot.transports.sms.segments import folded
from handlers.media.texted_form import form_of
from handlers.messages import Message
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES

# The step's message as the features write it; the translator of each medium gives its form.
WHERE = (
    "📍 Where? Share your location, or type your postcode or district. We only keep the "
    "area, never your address."
)
# What the map keeps of where a request is: a point accurate to about 500 m.
METRES = 500


def _said(t) -> str:
    return " ".join(p.words for p in spoken_parts(t.gettext(WHERE), [], t, [t.lang]))


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_the_easy_where_step_names_the_500_metres(lang: str):
    texted = translator_for(lang, True, Medium.TEXTED)
    form = form_of(Message(Markup(texted.gettext(WHERE))), texted)
    assert form is not None and texted.number(METRES) in folded(form.body), form.body
    spoken = translator_for(lang, True, Medium.SPOKEN)
    assert spoken.number(METRES) in spoken.gettext(WHERE), spoken.gettext(WHERE)
    said = _said(spoken)
    assert not any(c.isdigit() for c in said), said  # said as words
