"""A bot message as a text message: plain text, its links as lines, its choices numbered.

No markup survives (a phone shows ``<b>`` as it is). Choices are the numbered choices of
bot/transports/numbered_choices.py, one a line ("1 Yes"), all of them however many (the
twelve kinds of help, the ten languages and "Done"): a typed "12" presses the twelfth.
They always come whole in the first text of an answer, after as much of the body as fits;
the rest of a long body comes on "0" (transport.py ``MORE``), the one key that never
presses a choice. Each part is folded to GSM-7 where it can be (icons dropped
from a Latin-script text) when it is cut (bot/transports/sms/segments.py); a door code's
picture gets its name before it ("Apfel <picture> 86"), so that the code survives without it.

A message with a short form (``Message.brief``: a notice to read whole, with a link to the
rest) goes as that short form, whatever the message is, and ends with how to stop all texts
(STOP): the transport's own term, under what the person is asked to read.
"""

from __future__ import annotations

from markupsafe import Markup

from bot.transports.markup import html_to_plain, with_links
from bot.transports.numbered_choices import Choice, numbered
from handlers.helping.lifecycle import door_codes_named
from handlers.messages import Button
from locales import Translator


def texted(
    text: Markup,
    buttons: list[list[Button]],
    t: Translator,
    brief: Markup | None = None,
) -> tuple[str, str, list[Choice]]:
    """The text message for a message with ``text`` (or its short form ``brief``) and
    ``buttons`` (in ``t``'s language): its body, its choices one a line ("1 Yes"), every
    one of them however many (a typed "12" presses the twelfth: nothing is out of reach),
    and the choices its numbers press. The transport sends the choices whole in the first
    text, whatever of the body has to wait for "more"."""
    listed = numbered(buttons)
    if brief is not None:
        text = Markup("\n").join([brief, t.t("Send STOP to end all texts.")])
    body = door_codes_named(html_to_plain(with_links(text, buttons)).strip(), t, keep_picture=True)
    lines = "\n".join(f"{n} {label}" for n, (label, _) in enumerate(listed, 1))
    return body, lines, listed


def render(
    text: Markup,
    buttons: list[list[Button]],
    t: Translator,
    web_url: str = "",
    brief: Markup | None = None,
) -> tuple[str, list[Choice]]:
    """The whole text message (:func:`texted`: its body, then its choices) and the choices
    its numbers press."""
    body, lines, listed = texted(text, buttons, t, brief)
    return "\n".join(part for part in (body, lines) if part), listed
