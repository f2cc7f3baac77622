"""Arabic numbers as a counted thing needs them, 1 to 99.

Arabic numbers agree with the thing counted, and from three to ten (and in the units of
13-19 and 23-99) they take the *opposite* form of its gender: "ثلاثة رجال" but "ثلاث
دقائق", "ثلاث عشرة دقيقة", "ثلاث وعشرون دقيقة". ICU's spell-out rules for Arabic know only
the first two numbers' gender (and give "إحدى عشر" for eleven of either), so a clock or an
amount read with them sounded like a foreigner's ("خمسة دقائق"); these few words say them
as a native speaker does. Outside 1-99 the caller keeps ICU's words. The hour of a clock
is an ordinal ("الساعة العاشرة"), by ICU's rules but for one o'clock (:func:`ordinal`).
"""

from __future__ import annotations

# The units as they count a masculine and a feminine thing (index 0 unused).
_UNITS = {
    "masculine": ("", "واحد", "اثنان", "ثلاثة", "أربعة", "خمسة", "ستة", "سبعة", "ثمانية", "تسعة"),
    "feminine": ("", "واحدة", "اثنتان", "ثلاث", "أربع", "خمس", "ست", "سبع", "ثماني", "تسع"),
}
_TENS = ("", "", "عشرون", "ثلاثون", "أربعون", "خمسون", "ستون", "سبعون", "ثمانون", "تسعون")
_TEN = {"masculine": "عشرة", "feminine": "عشر"}
# 11-19: the unit, then "ten" in the thing's own gender.
_TEEN_TEN = {"masculine": "عشر", "feminine": "عشرة"}
_ELEVEN = {"masculine": "أحد", "feminine": "إحدى"}
_TWELVE = {"masculine": "اثنا", "feminine": "اثنتا"}
# The unit before the tens of 21, 31, …: "واحد وعشرون", "إحدى وعشرون".
_ONE_AND = {"masculine": "واحد", "feminine": "إحدى"}


def counted(value: int, gender: str) -> str | None:
    """``value`` (1-99) in words as it counts a thing of ``gender`` ("masculine" or
    "feminine"); None outside that range or for another gender."""
    if gender not in _UNITS or not 0 < value < 100:
        return None
    units = _UNITS[gender]
    tens, unit = divmod(value, 10)
    if tens == 0:
        return units[unit]
    if value == 10:
        return _TEN[gender]
    if tens == 1:
        first = {1: _ELEVEN[gender], 2: _TWELVE[gender]}.get(unit, units[unit])
        return f"{first} {_TEEN_TEN[gender]}"
    if unit == 0:
        return _TENS[tens]
    first = _ONE_AND[gender] if unit == 1 else units[unit]
    return f"{first} و{_TENS[tens]}"


def ordinal(value: int, rule: str) -> str | None:
    """Where ICU's ordinal differs from a clock's hour: one o'clock is "الواحدة", not
    "الأولى" (the first); None for ICU's own words."""
    if value == 1 and rule == "%spellout-ordinal-feminine":
        return "الواحدة"
    return None
