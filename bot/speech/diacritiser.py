"""Arabic written at run time, vocalised for the voice: a place's name, a relayed message,
a request's text - words no list of the bot's can hold. eSpeak NG's Arabic says a word
without its short vowels as a run of consonants or by a guess ("تفتح" as "tafattaħ"), so
each such word is given its vowels by text2tashkeel's model (Apache-2.0, ONNX in its wheel,
no network; its choice and the measured alternatives are in docs/speech.md).

The bot's own words never come here with a word bare: bot/speech/arabic.py has each of
them (tests/bot/speech/test_arabic_vowels.py), and a word written with any vowel sign is
kept as written. Only words without a sign are filled, a line at a time (a line is bounded
by the 2,000 characters of a speech, bot/speech/script.py) given to the model in pieces of
at most ``PIECE`` characters, cut at a sentence's end (its memory is that of the longest
input it was given, kept), each word as the model says it in its sentence and written as
the bot's own words are (:func:`pausal`). The model loads, its session built by a first
word, when the speaker of a city that speaks Arabic starts (bot/speech/engines.py), else at
the first word it is needed for; if it cannot be had the words stay as they are, and the
voice says them as before.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_SIGNS = "\u064b-\u0652\u0670"
_WORD = re.compile(r"[\u0621-\u065f\u0670-\u06d3]+")
_SIGN = re.compile(f"[{_SIGNS}]")
_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a\u0671-\u06d3]")
# The letters whose sound the article takes on ("الشمس": "ʔaʃʃams").
_SUN = "تثدذرزسشصضطظلن"
# Letters the model may write otherwise than the text: a hamza's seat, a tā' marbūṭa for
# a hā', an alif maqṣūra for a yā' (what a hand that types fast drops, or the model).
_KIN = ("اأإآٱ", "هة", "يى")
_BARE_ALIF = "ا"
# The model is given at most so many characters at once. onnxruntime keeps the working
# memory of the longest input it was ever given, about 20 kB a character, for the life of
# the process: a relayed line of 2,000 characters kept some 40 MB. A sentence is read as
# well on its own (text2tashkeel's advice is one sentence a call).
PIECE = 300
# Where a piece is cut, the first found: after a sentence's end, a clause's, a word's.
_CUTS = (re.compile(r"[.!?؟]\s*"), re.compile(r"[،؛,;:]\s*"), re.compile(r"\s+"))
# The word said when the model loads ("peace"), which builds its session.
WARM_UP = "سلام"

_lock = threading.Lock()
_model: list[Callable[[str], str] | None] = []


def pausal(word: str) -> str:
    """``word`` as the bot's vocalised words are written (bot/speech/arabic_words.py): no
    case ending on its last letter (but the "-an" of "مثلًا"), no vowel on the article's
    lam nor a shadda on the sun letter after it (eSpeak NG doubles it itself), and a
    kasra on a hamzat al-wasl that begins it ("اِنْتِظَار"; eSpeak NG says a bare one "a")."""
    word = re.sub("([\u064b-\u0650])\u0651", "\u0651\\1", word)  # the shadda first
    word = re.sub("[\u064c\u064d\u064e\u064f\u0650\u0652]$", "", word)
    if word.endswith("\u064b") and not word.endswith("ا\u064b"):
        word = word[:-1]
    word = re.sub("\u0651[\u064e\u064f\u0650]$", "\u0651", word)
    # A hamza that begins a word and was given no vowel ("احتاج" read as "احْتَاج"): "ʔa".
    word = re.sub(f"^([وفبلس][\u064e\u0650]?)?([أإ])(?![{_SIGNS}])", _hamza_vowel, word)
    article = re.match(f"^([وفبك]?[\u064e\u0650]?)(ال|لل)[{_SIGNS}]*", word)
    if article is None:
        return re.sub("^ا(?=.[\u0652\u0651])", "اِ", word)
    before, lam = article.group(1), article.group(2)
    rest = word[article.end() :]
    if rest[:1] in tuple(_SUN) and rest[1:2] == "\u0651":
        rest = rest[0] + rest[2:]
    rest = re.sub("^[\u0650]?ا(?=.[\u0652\u0651])", "اِ", rest)
    return before + lam + rest


def _hamza_vowel(match: re.Match[str]) -> str:
    return (
        (match.group(1) or "") + match.group(2) + ("\u064e" if match.group(2) == "أ" else "\u0650")
    )


def load() -> Callable[[str], str] | None:
    """The model, loaded on the first call (None when it cannot be had)."""
    with _lock:
        if not _model:
            try:
                # Imported when first needed: onnxruntime takes a while to load.
                from text2tashkeel import Diacritizer

                model = Diacritizer().diacritize
                # Its ONNX session is built at its first word, not with it: that word said
                # now, so that loaded is ready - the session's second and memory (some 20
                # MB) taken where the model is loaded, not by the first text a caller waits
                # for (bench/speech_soak.py once read them as growth under load).
                model(WARM_UP)
                _model.append(model)
            except Exception:  # any failure leaves the words as they are
                log.warning("The Arabic diacritiser could not be loaded", exc_info=True)
                _model.append(None)
        return _model[0]


def _with_signs(written: str, said: str) -> str | None:
    """``written``'s letters with the signs the model put on each in ``said``, a hamza it
    restored on a bare alif kept; None when ``said`` is another word."""
    units = re.findall(f"([^{_SIGNS}])([{_SIGNS}]*)", said)
    if len(units) != len(written):
        return None
    out = []
    for letter, (its, signs) in zip(written, units, strict=True):
        if letter != its and not any(letter in kin and its in kin for kin in _KIN):
            return None
        out.append((its if letter == _BARE_ALIF else letter) + signs)
    return "".join(out)


def pieces(line: str) -> list[str]:
    """``line`` in pieces of at most ``PIECE`` characters, each cut after a sentence's or
    a clause's end where it has one, else at a space (a word is never cut but one longer
    than a piece); joined, they are ``line``."""
    out = []
    while len(line) > PIECE:
        cut = next((c for where in _CUTS if (c := _last_end(where, line)) > 0), PIECE)
        out.append(line[:cut])
        line = line[cut:]
    return [*out, line]


def _last_end(where: re.Pattern[str], line: str) -> int:
    """Where the last match of ``where`` in ``line``'s first piece ends; 0: none."""
    ends = [m.end() for m in where.finditer(line, 0, PIECE + 1) if m.end() <= PIECE]
    return ends[-1] if ends else 0


def _line_filled(line: str, model: Callable[[str], str]) -> str:
    words = list(_WORD.finditer(line))
    bare = [w for w in words if len(_LETTER.findall(w.group())) > 1 and not _SIGN.search(w.group())]
    if not bare:
        return line
    said = [w for piece in pieces(_SIGN.sub("", line)) for w in _WORD.findall(model(piece))]
    if len(said) != len(words):
        return line  # the model joined or split a word: nothing to match it with
    out, at = [], 0
    for word, vocalised in zip(words, said, strict=True):
        out.append(line[at : word.start()])
        signed = _with_signs(word.group(), vocalised) if word in bare else None
        out.append(pausal(signed) if signed else word.group())
        at = word.end()
    return "".join(out) + line[at:]


def filled(text: str) -> str:
    """``text`` with each Arabic word that has no vowel sign vocalised in its sentence."""
    if not any(len(_LETTER.findall(w)) > 1 and not _SIGN.search(w) for w in _WORD.findall(text)):
        return text
    model = load()
    if model is None:
        return text
    try:
        return "\n".join(_line_filled(line, model) for line in text.split("\n"))
    except Exception as exc:  # a model's failure costs the vowels, never the speech
        # Its kind only: an error's message may quote the text, which no log holds.
        log.warning("The Arabic diacritiser failed on a text (%s)", type(exc).__name__)
        return text
