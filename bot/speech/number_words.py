"""Numbers in words of a language, by CLDR's spell-out rules (ICU, through PyICU): the
plain number ("zwölf Komma fünf") and any rule set of the language (a gender, an
ordinal), with the few words a native speaker says otherwise than ICU.

A number ICU cannot say (one beyond a float's range raises a SystemError from PyICU) is
said digit by digit instead: a text is never refused for the numbers in it."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import cache

import icu


@cache
def _spellout(lang: str) -> icu.RuleBasedNumberFormat:
    return icu.RuleBasedNumberFormat(icu.URBNFRuleSetTag.SPELLOUT, icu.Locale(lang))


# Words ICU's rules get wrong, as a native speaker says them: "одна целая" (the whole
# part is feminine in Russian; ICU says "одна целый" for 1.5 but "две целых" for 2.5);
# a plain Arabic eleven is the masculine "أحد عشر" (ICU: "إحدى عشر").
_PLAIN_SAID_OTHERWISE = {
    "ru": (("одна целый", "одна целая"),),
    "ar": (("إحدى عشر", "أحد عشر"),),
}
# And in its ordinals: Russian ones are written with е for ё ("четвертое"), which eSpeak
# then stresses wrongly; Bulgarian years drop the "и" before a last single word ("две
# хиляди и трийсета").
_ORDINALS_SAID_OTHERWISE: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "ru": ((re.compile("четверт"), "четвёрт"),),
    "bg": ((re.compile(r"^(\S++ хиляди) (\S++)$"), r"\1 и \2"),),
}
# Arabic in every rule set: "اثنان", "اثنا عشر" begin with a plain alif (ICU writes "إثنان",
# a hamza the word has not), and the hundreds are one word, "أربعمائة", "ثمانمائة" (ICU:
# "أربعة مائة", which no one says).
_ARABIC_HUNDREDS = {
    "ثلاثة": "ثلاث",
    "ثلاث": "ثلاث",
    "أربعة": "أربع",
    "أربع": "أربع",
    "خمسة": "خمس",
    "خمس": "خمس",
    "ستة": "ست",
    "ست": "ست",
    "سبعة": "سبع",
    "سبع": "سبع",
    "ثمانية": "ثمان",
    "ثماني": "ثمان",
    "تسعة": "تسع",
    "تسع": "تسع",
}
# Each word, or the word after its "and" ("وإثنا عشر").
_ARABIC_TWO = re.compile(r"(?<!\w)(و?+)إثن")
_ARABIC_HUNDRED = re.compile(
    r"(?<!\w)(و?+)(" + "|".join(sorted(_ARABIC_HUNDREDS, key=len, reverse=True)) + ") مائة"
)


def _arabic(words: str) -> str:
    words = _ARABIC_TWO.sub(r"\1اثن", words)
    return _ARABIC_HUNDRED.sub(lambda m: m.group(1) + _ARABIC_HUNDREDS[m.group(2)] + "مائة", words)


def _said(words: object, lang: str) -> str:
    said = str(words).replace("\u00ad", "")  # ICU's soft hyphens in long German words
    return _arabic(said) if lang == "ar" else said


def number_words(value: int | float | Decimal, lang: str) -> str:
    """A number in words of ``lang`` ("zwölf Komma fünf"), by CLDR's spell-out rules; its
    digits one by one where ICU cannot say it."""
    number = float(value) if isinstance(value, Decimal) else value
    try:
        if not math.isfinite(number):
            raise OverflowError
        said = _said(_spellout(lang).format(number), lang)
    except (SystemError, OverflowError, icu.ICUError):
        return digit_words(str(value), lang)
    for wrong, right in _PLAIN_SAID_OTHERWISE.get(lang, ()):
        said = said.replace(wrong, right)
    return said


@cache
def _digit(digit: str, lang: str) -> str:
    return number_words(int(digit), lang)


def digit_words(written: str, lang: str) -> str:
    """The digits of ``written`` one by one ("0231": "null zwei drei eins")."""
    return " ".join(_digit(c, lang) for c in written if "0" <= c <= "9")


def rule_words(value: int, lang: str, rule: str) -> str | None:
    """``value`` by the ICU rule set ``rule`` of ``lang`` ("%spellout-ordinal-r":
    "vierundzwanzigster"); None where the language has no such rule set."""
    if not rule.startswith("%"):
        return None
    try:
        words = _said(_spellout(lang).format(value, rule), lang)
    except icu.ICUError:
        return None
    if "ordinal" in rule:
        for wrong, right in _ORDINALS_SAID_OTHERWISE.get(lang, ()):
            words = wrong.sub(right, words)
    return words
