"""A bot message as a text message: plain text, its links as lines, its choices numbered.

No markup survives (a phone shows ``<b>`` as it is). Choices are the numbered choices of
bot/transports/numbered_choices.py, one a line ("1 Yes"), at most ``MAX_CHOICES``; a longer
list (places near a postcode, say) shows its first ones and its way on ("Done", "Cancel",
"Main menu") and ends with the web map's address, where all of them are.
"9" asks for the rest of a text cut to fit only while there is a rest: a text's choices are
pressed once it has come whole. Each part is folded to GSM-7 where it can be (icons dropped
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
from handlers.messages import Button, choices, links
from locales import Translator

MAX_CHOICES = 10
# A longer list keeps at most this many of its last rows of one choice each.
MAX_WAYS_ON = 3


def _shown(buttons: list[list[Button]], listed: list[Choice]) -> list[Choice]:
    """At most ``MAX_CHOICES``: the first ones, and a long list's last rows of one choice
    each ("Done", "Cancel", "Main menu"): without them a multiple choice (the ten languages
    one speaks, then "Done") could not be left."""
    if len(listed) <= MAX_CHOICES:
        return listed
    ways_on: list[Choice] = []
    for row in reversed(choices(buttons)):
        if len(row) != 1 or len(ways_on) == MAX_WAYS_ON:
            break
        ways_on.insert(0, (row[0].label, row[0].data))
    return [*listed[: MAX_CHOICES - len(ways_on)], *ways_on]


def render(
    text: Markup,
    buttons: list[list[Button]],
    t: Translator,
    web_url: str,
    brief: Markup | None = None,
) -> tuple[str, list[Choice]]:
    """The text message for a message with ``text`` (or its short form ``brief``) and
    ``buttons`` (in ``t``'s language), and the choices its numbers press."""
    listed = numbered(buttons)
    if brief is not None:
        text = Markup("\n").join([brief, t.t("Send STOP to end all texts.")])
    shown = _shown(buttons, listed)
    parts = [
        door_codes_named(html_to_plain(with_links(text, buttons)).strip(), t, keep_picture=True)
    ]
    if shown:
        parts.append("\n".join(f"{n} {label}" for n, (label, _) in enumerate(shown, 1)))
    if len(listed) > len(shown) and web_url and not links(buttons):
        parts.append(html_to_plain(t.t("All on the map: {url}", url=f"{web_url}/?lang={t.lang}")))
    return "\n".join(part for part in parts if part), shown
