"""The code word at the door: a picture anyone can name or point at, in any language, and
a two-digit number - its pictures and how each is named where a text is said or may lose
its pictures (bot/speech/script.py, texted_form.py). A code is made when a helper takes a
request (handlers/helping/door_code.py ``new_door_code``) and shown by the texts that
carry it (handlers/helping/render.py)."""

from __future__ import annotations

from locales import N_, Translator

# The code word at the door: things anyone can name or point at, in any language, and a
# two-digit number. Not a password: it tells an older person that the one at the door
# came through us.
# Pictures the bot shows nowhere else (tests/handlers/helping/test_relay.py checks): a code
# "🔑 86" would read as a key icon and a number, "🌙" as the quiet hours. Each with its
# name, for read aloud ("Fuchs fünfunddreißig", bot/speech/script.py).
DOOR_SYMBOLS = {
    "🍎": N_("[door code] apple"),
    "🌻": N_("[door code] sunflower"),
    "🐟": N_("[door code] fish"),
    "🚲": N_("[door code] bicycle"),
    "🦋": N_("[door code] butterfly"),
    "🥕": N_("[door code] carrot"),
    "🎈": N_("[door code] balloon"),
    "🍄": N_("[door code] mushroom"),
    "🐞": N_("[door code] ladybird"),
    "🍋": N_("[door code] lemon"),
    "🦊": N_("[door code] fox"),
    "🐝": N_("[door code] bee"),
}


def door_codes_named(text: str, t: Translator, *, keep_picture: bool = False) -> str:
    """``text`` with the picture of each door code in it named: "Fuchs 35" to be said
    (bot/speech/script.py), "Fuchs <picture> 35" with ``keep_picture`` for a text that may lose its
    pictures (SMS as GSM-7, handlers/media/texted_form.py). Only a picture with its number
    is a code; anywhere else it is left as it is."""
    if not any(symbol in text for symbol in DOOR_SYMBOLS):
        return text
    named = []
    for at, char in enumerate(text):
        after = text[at + 1 : at + 3].lstrip(" \u00a0")
        if char in DOOR_SYMBOLS and after[:1].isdigit():
            name = t.gettext(DOOR_SYMBOLS[char])
            named.append(f"{name} {char}" if keep_picture else f" {name} ")
        else:
            named.append(char)
    return "".join(named)
