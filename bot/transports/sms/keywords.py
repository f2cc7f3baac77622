"""The SMS keywords that stop and resume all texts to a number (STOP, START), as a text
is compared with them: :func:`keyword`.

A keyword is taken however the phone typed it:

- accents, hamza and dots go, case is folded (İPTAL, إيقاف), and so do the quotes the
  Arabic and Persian texts set the word in («توقف»: Arabic script has no capitals to mark
  it), a full stop or "!" after it, and invisible marks - an
  Arabic or Persian phone's keyboard puts a direction mark before or after a word (U+200F
  before إيقاف), and such a STOP was taken for words: the texts went on;
- a word of look-alike letters is its keyword: "ЅТОР" typed in Cyrillic (Ѕ, Т, О, Р), or in
  Greek, or with a zero for the O, is STOP. Texters and regulators expect STOP to work
  whatever the keyboard typed (before, such a STOP was taken for words and the texts went
  on). Compared by Unicode's confusables skeleton (UTS #39, ICU's ``SpoofChecker``: the
  ``icu`` module the project has for spelling out numbers, pyproject.toml), for these
  keywords only - never to read anything else a texter writes. A real word of the bot's
  languages is taken as a keyword only where it was before (СТОП, STOPP …;
  tests/bot/transports/sms/test_keywords.py holds every word of the ten catalogs to it).
"""

from __future__ import annotations

import unicodedata
from typing import Literal

import icu

from handlers.media.texted_form import without_invisible_marks

# What may stand around a keyword that is still the keyword alone: a full stop or "!" after
# it, and the quotes a text names it in («توقف», "STOP").
_AROUND = ".!«»\"“”„'"

# One checker for the process: its skeleton is a pure function of the text.
_SPOOF = icu.SpoofChecker()


def key(word: str) -> str:
    """A keyword as written in the tables below: no accents or hamza, case folded, no dots,
    quotes or invisible marks."""
    plain = unicodedata.normalize("NFKD", without_invisible_marks(word).strip().strip(_AROUND))
    return "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()


def _skeleton(word: str) -> str:
    """``word``'s key as it looks: its confusables skeleton, taken of the key in capitals so
    that a small Cyrillic т (whose skeleton is a small capital) and a Latin t meet."""
    return str(_SPOOF.getSkeleton(0, key(word).upper()))


# The words SMS services take to stop and to resume texts, in the bot's languages, the
# English ones always: en, de (STOPP), tr (RET and İPTAL, as Turkey's opt-out register
# has it), uk/ru/bg (СТОП), ar (توقف, which its texts name, and إيقاف), fa (توقف, which its
# texts name, and لغو, which Iranian SMS services take - but not named: it is also the
# Persian Cancel), pl and ro (STOP). To resume: ar ابدأ, fa شروع (named in their texts).
STOP_WORDS = frozenset(
    key(w)
    for w in (
        "STOP",
        "STOPP",
        "END",
        "CANCEL",
        "UNSUBSCRIBE",
        "QUIT",
        "STOPALL",
        "RET",
        "İPTAL",
        "IPTAL",
        "СТОП",
        "إيقاف",
        "ايقاف",
        "توقف",
        "لغو",
    )
)
START_WORDS = frozenset(
    key(w) for w in ("START", "UNSTOP", "BAŞLA", "BASLA", "СТАРТ", "ابدأ", "ابدا", "شروع")
)
_STOP_LOOKS = frozenset(_skeleton(w) for w in STOP_WORDS)
_START_LOOKS = frozenset(_skeleton(w) for w in START_WORDS)


def keyword(text: str) -> Literal["stop", "start"] | None:
    """Whether ``text`` (the whole text) is a STOP or a START keyword, or neither."""
    looks = _skeleton(text)
    if looks in _STOP_LOOKS:
        return "stop"
    if looks in _START_LOOKS:
        return "start"
    return None
