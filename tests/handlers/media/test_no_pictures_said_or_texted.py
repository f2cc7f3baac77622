"""No picture or symbol reaches a caller's ear or a text message (issue 101, point 3).

"ℹ️ Details" was said "i Details" on the phone in every language, and in an SMS its "ℹ"
made de and en easy texts UCS-2 (two segments instead of one): "ℹ" is a small letter by its
Unicode category, and both paths dropped symbols by category alone. Now both take Unicode's
own list of pictures (Extended_Pictographic, handlers/text_safety.py ``is_icon``). Scanned
here: every message of the catalogs, in all ten languages, usual and easy, as the phone
says it (bot/transports/phone/words/speech_files.py ``spoken_parts``, a text and a choice)
and as the SMS path texts it (handlers/media/texted_form.py ``form_of``, then
bot/transports/sms/segments.py ``folded``, a text and a choice)."""

from __future__ import annotations

import pytest
import regex
from babel.messages.pofile import read_po
from markupsafe import Markup

import bot.transports.registry  # noqa: F401 - declares the phone's and SMS's media
from bot.speech.script import SAID_ICONS
from bot.transports.phone.words.speech_files import spoken_parts
from bot.transports.sms.segments import encoding, folded
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from handlers.reader import Medium, translator_for
from locales import SUPPORTED_LANGUAGES
from locales.catalogs import LOCALES_DIR

# What shows as a picture or a symbol, by Unicode's properties (UTS #51), not by the code's
# rule: pictures, emoji, symbols "other", skin tones, flags' letters, the emoji selector,
# the keycap's ring.
PICTURE = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Presentation}\p{So}\p{Emoji_Modifier}"
    r"\p{Regional_Indicator}\ufe0f\u20e3]"
)


# The pictures the voice says by their names (bot/speech/script.py SAID_ICONS, a door code's).
NAMED = frozenset(SAID_ICONS) | frozenset(DOOR_SYMBOLS)


def _catalog_texts() -> list[tuple[str, str]]:
    """Every message of the template: (singular, plural or "")."""
    with open(LOCALES_DIR / "messages.pot", "rb") as fp:
        template = read_po(fp)
    return [(m.id[0], m.id[1]) if isinstance(m.id, tuple) else (m.id, "") for m in template if m.id]


TEXTS = _catalog_texts()


def _written(t, singular: str, plural: str) -> list[str]:
    """The message in ``t``'s words, each plural form, where it is written with a picture
    (a text without one has none to lose)."""
    if plural:
        texts = [t.ngettext(singular, plural, n) for n in (1, 2, 5)]
    else:
        texts = [t.gettext(singular)]
    return [text for text in texts if PICTURE.search(text)]


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_picture_is_said(lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.SPOKEN)
    said = []
    for singular, plural in TEXTS:
        for text in _written(t, singular, plural):
            # Said as if it had been written without its pictures (but those the voice
            # names: a door code's, the loudspeaker inside a sentence): not as a letter
            # ("ℹ" was said "i"), not as a picture's name.
            without = PICTURE.sub(lambda m: m[0] if m[0] in NAMED else " ", text)
            heard = spoken_parts(text, [text], t, SUPPORTED_LANGUAGES)
            if heard != spoken_parts(without, [without], t, SUPPORTED_LANGUAGES) or any(
                PICTURE.search(part.words) for part in heard
            ):
                said.append((text, [part.words for part in heard]))
    assert not said, said[:20]


@pytest.mark.parametrize("easy", [False, True])
@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_no_picture_is_texted(lang: str, easy: bool):
    t = translator_for(lang, easy, Medium.TEXTED)
    texted = []
    for singular, plural in TEXTS:
        for text in _written(t, singular, plural):
            if set(text) & set(DOOR_SYMBOLS):
                continue  # a door code's picture is the code, texted as it is
            message = Message(Markup(text), [[Button("x", "a:1"), Button(text, "a:2")]])
            form = form_of(message, t)
            assert form is not None
            for sent in (folded(form.body), folded(form.lines)):
                if PICTURE.search(sent):
                    texted.append((text, sent))
    assert not texted, texted[:20]


@pytest.mark.parametrize("easy", [False, True])
def test_details_cost_no_unicode_text_in_german_and_english(easy: bool):
    """The easy place's "ℹ️ All details" choice, texted: GSM-7, one segment's alphabet."""
    for lang in ("de", "en"):
        t = translator_for(lang, easy, Medium.TEXTED)
        label = "ℹ️ " + t._("All details")  # as handlers/places/chat.py puts it
        form = form_of(Message(Markup(t._("Where")), [[Button(label, "p:1")]]), t)
        assert form is not None
        assert encoding(folded(f"{form.body}\n{form.lines}")) == "gsm7", (lang, label)
