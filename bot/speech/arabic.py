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

import re

from bot.speech.arabic_words import WORDS

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


# The words the bot says in Arabic, written with their vowels. Arabic is written without
# its short vowels, and eSpeak NG's Arabic says an unvocalised word it does not know as a
# run of consonants ("خمسة وثلاثون": "χmst wθlaːθˈuːna", a postcode "ʔrbʕt ʔrbʕt …"); with
# its vowels it says it right. These are the number words (ICU's and :func:`counted`'s),
# the hour of a clock, the names of the door code's pictures (handlers/media/door_codes.py
# DOOR_SYMBOLS) and the words of the phone's own sentences around them. Pausal forms: no
# case ending, as a word is said on its own or at the end of a phrase. After the article
# a sun letter carries no shadda: eSpeak NG doubles it itself ("السَّاعَة" would be
# "ʔasssaːʕa"); a word eSpeak NG says right unvocalised ("الساعة", "ستون") is not listed.
_VOCALISED = {
    # Numbers.
    "صفر": "صِفْر",
    "واحد": "وَاحِد",
    "واحدة": "وَاحِدَة",
    "أحد": "أَحَد",
    "إحدى": "إِحْدَى",
    "اثنان": "اِثْنَان",
    "اثنتان": "اِثْنَتَان",
    "اثنا": "اِثْنَا",
    "اثنتا": "اِثْنَتَا",
    "ثلاثة": "ثَلَاثَة",
    "ثلاث": "ثَلَاث",
    "أربعة": "أَرْبَعَة",
    "أربع": "أَرْبَع",
    "خمسة": "خَمْسَة",
    "خمس": "خَمْس",
    "ستة": "سِتَّا",  # "sitta": eSpeak NG drops the vowel after a doubled letter's ة
    "ست": "سِتّ",
    "سبعة": "سَبْعَة",
    "سبع": "سَبْع",
    "ثمانية": "ثَمَانِيَة",
    "ثماني": "ثَمَانِي",
    "تسعة": "تِسْعَة",
    "تسع": "تِسْع",
    "عشرة": "عَشَرَة",
    "عشر": "عَشْر",
    "عشرون": "عِشْرُون",
    "ثلاثون": "ثَلَاثُون",
    "أربعون": "أَرْبَعُون",
    "خمسون": "خَمْسُون",
    "وستون": "وَسِتّون",  # alone "ستون" is said right; after "and" not ("wstˈuːna")
    "سبعون": "سَبْعُون",
    "ثمانون": "ثَمَانُون",
    "تسعون": "تِسْعُون",
    # The alif of "مائة" is not said ("مِائَة" was "miaːʔa"): the voice is given "مِئَة".
    "مائة": "مِئَة",
    "مائتان": "مِئَتَان",
    "مائتين": "مِئَتَيْن",
    "ثلاثمائة": "ثَلَاثُمِئَة",
    "أربعمائة": "أَرْبَعُمِئَة",
    "خمسمائة": "خَمْسُمِئَة",
    "ستمائة": "سِتُّمِئَة",
    "سبعمائة": "سَبْعُمِئَة",
    "ثمانمائة": "ثَمَانُمِئَة",
    "تسعمائة": "تِسْعُمِئَة",
    "ألف": "أَلْف",
    "ألفان": "أَلْفَان",
    "ألفين": "أَلْفَيْن",
    "آلاف": "آلَاف",
    "مليون": "مِلْيُون",
    "فاصل": "فَاصِل",
    # The hour of a clock (ICU's %spellout-ordinal-feminine, :func:`ordinal`).
    "الأولى": "الأُولَى",
    "الواحدة": "الوَاحِدَة",
    "الثانية": "الثَانِيَة",
    "الثالثة": "الثَالِثَة",
    "الرابعة": "الرَابِعَة",
    "الخامسة": "الخَامِسَة",
    "السادسة": "السَادِسَة",
    "السابعة": "السَابِعَة",
    "الثامنة": "الثَامِنَة",
    "التاسعة": "التَاسِعَة",
    "العاشرة": "العَاشِرَة",
    "الحادية": "الحَادِيَة",
    "العشرون": "العِشْرُون",
    "والنصف": "وَالنِصْف",
    "دقيقة": "دَقِيقَة",
    "دقائق": "دَقَائِق",
    "دقيقتان": "دَقِيقَتَان",
    "ساعة": "سَاعَة",
    "ساعات": "سَاعَات",
    "ساعتان": "سَاعَتَان",
    # The door code's pictures.
    "تفاحة": "تُفَّاحَة",
    "بالون": "بَالُون",
    "نحلة": "نَحْلَة",
    "دراجة": "دَرَّاجَة",
    "فراشة": "فَرَاشَة",
    "جزرة": "جَزَرَة",
    "سمكة": "سَمَكَة",
    "ثعلب": "ثَعْلَب",
    "دعسوقة": "دُعْسُوقَة",
    "ليمونة": "لَيْمُونَة",
    "فطر": "فِطْر",
    "زهرة": "زَهْرَة",
    "عباد": "عَبَّاد",
    "الشمس": "الشَمْس",
    # The phone's own sentences (its spoken variants, handlers/media/medium_texts.py, and the
    # prompts of bot/transports/phone) and the privacy notice's first layer.
    "أن": "أَنْ",
    "اترك": "اُتْرُكْ",
    "اكتب": "اُكْتُبْ",
    "الإعدادات": "الإِعْدَادَات",
    "الخطوط": "الخُطُوط",
    "بأحد": "بِأَحَد",
    "بالأزرار": "بِالأَزْرَار",
    "بشأن": "بِشَأْن",
    "بصاحب": "بِصَاحِب",
    "بضع": "بِضْع",
    "بنا": "بِنَا",
    "بها": "بِهَا",
    "تبحث": "تَبْحَث",
    "تتحدثها": "تَتَحَدَّثُهَا",
    "تتكلمها": "تَتَكَلَّمُهَا",
    "تنتهي": "تَنْتَهِي",
    "حذفه": "حَذْفُه",
    "رسائل": "رَسَائِل",
    "رقمك": "رَقْمَك",
    "رمزك": "رَمْزَك",
    "عندما": "عِنْدَمَا",
    "فريقنا": "فَرِيقُنَا",
    "فضلك": "فَضْلَك",
    "لديك": "لَدَيْك",
    "لأحد": "لِأَحَد",
    "لسماعها": "لِسَمَاعِهَا",
    "لغتك": "لُغَتَك",
    "لك": "لَك",
    "للإنهاء": "لِلإِنْهَاء",
    "للتحدث": "لِلتَحَدُّث",
    "للمكالمات": "لِلْمُكَالَمَات",
    "للمنسقين": "لِلْمُنَسِّقِين",
    "مشغولة": "مَشْغُولَة",
    "نحفظ": "نَحْفَظ",
    "وسهلًا": "وَسَهْلًا",
    "ولا": "وَلَا",
    "وما": "وَمَا",
    "ومساعدك": "وَمُسَاعِدُك",
    "يحصل": "يَحْصُل",
    "يرجى": "يُرْجَى",
    "يرد": "يَرُدّ",
    "يرى": "يَرَى",
    "يريد": "يُرِيد",
    "يساعدك": "يُسَاعِدُك",
    "يسمعه": "يَسْمَعُه",
    "يعيدك": "يُعِيدُك",
    "يفهم": "يَفْهَم",
    "يمكن": "يُمْكِن",
    "يمكنك": "يُمْكِنُك",
    "يمكنني": "يُمْكِنُنِي",
    "يناسب": "يُنَاسِب",
    "أرقام": "أَرْقَام",
    "أرقامًا": "أَرْقَامًا",
    "اختر": "اِخْتَرْ",
    "اكتبه": "اُكْتُبْهُ",
    "الأربعة": "الأَرْبَعَة",
    "الأرقام": "الأَرْقَام",
    "تتذكرها": "تَتَذَكَّرُهَا",
    "تتصل": "تَتَّصِل",
    "تحتاج": "تَحْتَاج",
    "تكن": "تَكُن",
    "سهلة": "سَهْلَة",
    "لتختار": "لِتَخْتَار",
    "للمتابعة": "لِلْمُتَابَعَة",
    "لمكالماتك": "لِمُكَالَمَاتِك",
    "متطابقة": "مُتَطَابِقَة",
    "مرات": "مَرَّات",
    "نتصل": "نَتَّصِل",
    "نستطيع": "نَسْتَطِيع",
    "نفسها": "نَفْسَهَا",
    "واكتبها": "وَاكْتُبْهَا",
    "يعمل": "يَعْمَل",
    # Written with some of their vowels in the catalogs, not enough for eSpeak NG.
    "يُتحدَّث": "يُتَحَدَّث",
    "يُترجَم": "يُتَرْجَم",
    # The phone's words around a code, a postcode and a choice.
    "كلمة": "كَلِمَة",
    "السر": "السِرّ",
    "الرمز": "الرَمْز",
    "رمز": "رَمْز",
    "البريدي": "البَرِيدِيّ",
    "اضغط": "اِضْغَط",
    "اضغطوا": "اِضْغَطُوا",
    "اضغطي": "اِضْغَطِي",
    "رقم": "رَقْم",
    "الرقم": "الرَقْم",
    "قرب": "قُرْب",
    "بالقرب": "بِالقُرْب",
    "من": "مِن",
    "في": "فِي",
    "مرحبا": "مَرْحَبًا",
    "شكرا": "شُكْرًا",
    # Words of the phone's texts added by later changes (the notice's parts, the voice's
    # promise, the door code for a caller, the description step, the expired code).
    "أزرارها": "أَزْرَارَهَا",
    "إليه": "إِلَيْهِ",
    "إليها": "إِلَيْهَا",
    "افتح": "اِفْتَحْ",
    "الإلكتروني": "الإِلِكْتُرُونِيّ",
    "تبدأ": "تَبْدَأ",
    "تريد": "تُرِيد",
    "تصلك": "تَصِلُك",
    "تقل": "تَقُلْ",
    "حفظناه": "حَفِظْنَاه",
    "صوتك": "صَوْتَك",
    "طريقنا": "طَرِيقِنَا",
    "عندها": "عِنْدَهَا",
    "قليلة": "قَلِيلَة",
    "كلمات": "كَلِمَات",
    "لأكثر": "لِأَكْثَر",
    "مساعدتك": "مُسَاعَدَتَك",
    "موافقتك": "مُوَافَقَتِك",
    "نفسه": "نَفْسُه",
    "وصلت": "وَصَلْت",
    "عناوين": "عَنَاوِين",
    "يستطيع": "يَسْتَطِيع",
    "يسمع": "يَسْمَع",
    "يعد": "يَعُدْ",
    "يقرأ": "يَقْرَأ",
    "يقرؤون": "يَقْرَؤُون",
    "يكتمل": "يَكْتَمِل",
    "الطلبات": "الطَّلَبَات",
    "القريبة": "القَرِيبَة",
    "وسنسألك": "وَسَنَسْأَلُك",
    # The voice line's own dialogues: a withheld caller's number, the call-back check.
    "نتمكن": "نَتَمَكَّن",
    "سنتصل": "سَنَتَّصِل",
    "بعدها": "بَعْدَهَا",
    "كتبت": "كَتَبْتَ",
    "لكتابته": "لِكِتَابَتِهِ",
    "أقول": "أَقُول",
    "للرجوع": "لِلرُّجُوع",
    "أستطيع": "أَسْتَطِيع",
    "بهذا": "بِهَذَا",
    # Written with one mark, which eSpeak takes for the whole word's.
    "قدّمته": "\u0642\u064e\u062f\u0651\u064e\u0645\u0652\u062a\u064e\u0647",
    "يُحذف": "\u064a\u064f\u062d\u0652\u0630\u064e\u0641",
    "تُحذف": "\u062a\u064f\u062d\u0652\u0630\u064e\u0641",
}
# "عشر" and "عشرة" after a unit are the ten of a teen, said otherwise than alone: "خمسة
# عشر" is "خَمْسَةَ عَشَرَ", "خمس عشرة" "خَمْسَ عَشْرَةَ", "الثالثة عشرة" "الثَّالِثَةَ عَشْرَةَ".
_TEEN_TENS = {"عشر": "عَشَرَ", "عشرة": "عَشْرَةَ"}
_AND = "و"
_HARAKAT = frozenset("\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670")


def _vocalised_word(word: str) -> str | None:
    if (said := _VOCALISED.get(word) or WORDS.get(word)) is not None:
        return said
    # "وثلاثون": "and" before the word, "وَثَلَاثُون"; a word's own wasla alif keeps no
    # vowel after it ("وَاثْنَان").
    if word.startswith(_AND) and (rest := _VOCALISED.get(word[1:]) or WORDS.get(word[1:])):
        return "وَ" + (rest[0] + rest[2:] if rest.startswith("اِ") else rest)
    return None


# The units and hours a teen's ten follows.
_BEFORE_A_TEN = frozenset(
    {*_UNITS["masculine"][1:], *_UNITS["feminine"][1:], "أحد", "إحدى", "اثنا", "اثنتا"}
    | {"الحادية", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة"}
    | {"الثامنة", "التاسعة"}
)
# An Arabic word with any vowel signs it has; everything else is left as it is.
_WORD = re.compile(r"([\u0621-\u065f\u0670-\u06d3]++)")
_SIGNS = re.compile("[\u064b-\u0652\u0670]")

# A number after a preposition is in the genitive: "بعد تسعين يومًا", "لمدة ثلاثين
# يومًا", never the nominative that ICU's and :func:`counted`'s words are in ("بعد تسعون").
# Its tens and its two change, and so does a dual it counts ("بعد يومين"); the units and
# the teens keep their pausal form.
_GOVERNING = frozenset(
    {"بعد", "قبل", "لمدة", "مدة", "خلال", "منذ", "حتى", "في", "من", "إلى", "عن", "على"}
    | {"مع", "بين", "حوالي", "نحو", "طوال", "لأكثر", "لأقل", "أكثر", "أقل"}
)
_GENITIVE = {
    **{tens: tens[:-2] + "ين" for tens in _TENS[2:]},
    "اثنان": "اثنين",
    "اثنتان": "اثنتين",
    "اثنا": "اثني",
    "اثنتا": "اثنتي",
    "مائتان": "مائتين",
    "ألفان": "ألفين",
    # The duals the catalogs count days, hours and minutes with ("[speech] {n} day").
    "يومان": "يومين",
    "ساعتان": "ساعتين",
    "دقيقتان": "دقيقتين",
}
_NUMBER_WORDS = frozenset(
    {*_UNITS["masculine"][1:], *_UNITS["feminine"][1:], *_TENS[2:], *_TEN.values()}
    | {*_ELEVEN.values(), *_TWELVE.values(), "مائة", "مائتان", "ألف", "ألفان", "آلاف"}
    | {"ثلاثمائة", "أربعمائة", "خمسمائة", "ستمائة", "سبعمائة", "ثمانمائة", "تسعمائة"}
)


def _number_word(word: str) -> bool:
    return word in _NUMBER_WORDS or (word[:1] == _AND and word[1:] in _NUMBER_WORDS)


def in_case(text: str) -> str:
    """``text`` with each number that follows a preposition in the genitive."""
    out = []
    governed = False  # whether the words before were a preposition and a number's words
    for token in _WORD.split(text):
        if not token or not _WORD.fullmatch(token):
            out.append(token)
            governed = governed and not token.strip()
            continue
        bare = _SIGNS.sub("", token)
        if governed and (_number_word(bare) or bare in _GENITIVE):
            said = bare[1:] if bare[:1] == _AND and bare[1:] in _GENITIVE else bare
            if said in _GENITIVE:
                token = (_AND if said != bare else "") + _GENITIVE[said]
            governed = _number_word(bare)
        else:
            governed = bare in _GOVERNING
        out.append(token)
    return "".join(out)


# eSpeak NG reads a shadda after its vowel ("سِّ") as a letter without one; a waw or yā'
# that carries a vowel, after a vowel, as a vowel itself ("أُوَافِق" was "ʔuːaːfiq", "I
# agree" without its w; "لِيَجِد" "liːadʒid", "الخِيَارَات" "χiːaːraːt"); and a doubled
# waw or yā' as a long vowel ("المُتَطَوِّعِين" "mutataʊuːʕiːn", "أَيَّام" "ʔaiːaːm"). The
# shadda goes before its vowel, a tatweel parts the glide from the vowel before it
# ("ʔuwaːfiq", "lijadʒid"), and a doubled waw or yā' is written twice ("وْوِ":
# "mutataʊwiʕiːn", "ʔaijaːm").
_SHADDA_LATE = re.compile("([\u064b-\u0650])\u0651")
_GLIDE_WITH_A_VOWEL = re.compile("([\u064e\u064f\u0650])(?=[وي][\u064e\u064f\u0650\u0651])")
_DOUBLED_GLIDE = re.compile("([وي])\u0651(?=[\u064e\u064f\u0650])")


# The article and a hamzat al-wasl after "بِ", "لِ", "كَ", "فَ", "وَ": eSpeak NG says their alif
# "aː" ("بِالأَنْشِطَة" "biaːlʔanʃita", "لِاخْتِيَار" "liaːχtijaːr"), where it is silent. An
# alif wasla says it ("bilʔanʃita", "liχtijaːr"); before a sun letter the article's lam is
# the letter doubled ("بِالرَقْم": "بِرَّقْم", "birraqm"). After the article, the wasl's
# own alif is dropped ("الاِسْتِمَارَات": "alistimaːraːt").
_SUN_LETTERS = "تثدذرزسشصضطظلن"
_PREFIX = "([بلكفو][\u064e\u0650])"
_ARTICLE_SUN = re.compile(f"(?<![\\w\u064b-\u0652]){_PREFIX}ال\u0652?([{_SUN_LETTERS}])\u0651?")
_ARTICLE_MOON = re.compile(
    f"(?<![\\w\u064b-\u0652]){_PREFIX}ال([\u0650\u0652]?)(?=[\u0621-\u064a])"
)
_WASL_AFTER_A_PREFIX = re.compile(f"(?<![\\w\u064b-\u0652]){_PREFIX}ا\u0650?(?=.[\u0652\u0651])")
_WASL_AFTER_THE_ARTICLE = re.compile("(?<=ال)[اٱ]\u0650")


# A doubled yā' at a word's end: "ـِيّ" is said "iː", its case ending left out as a pause
# does ("السِرِّيّ" was "sirriiː", "سِرِّيٌّ" "sirriiːun"), and
# before the "-an" as eSpeak NG's own rule says it unmarked ("حيًّا" "ħajjan", not "ħiːan").
_NISBA_END = re.compile("\u0650ي\u0651[\u064c\u064d\u064f\u0650]?(?![\u0621-\u064a\u064b-\u0652])")
_DOUBLED_YA_AN = re.compile("ي(?:\u0651\u064b|\u064b\u0651)")


def for_espeak(text: str) -> str:
    """``text`` with its signs written as eSpeak NG reads them."""
    text = _SHADDA_LATE.sub("\u0651\\1", text)
    text = _NISBA_END.sub("\u0650ي", text)
    text = _DOUBLED_YA_AN.sub("ي\u064b", text)
    text = _WASL_AFTER_THE_ARTICLE.sub("\u0650", text)
    text = _ARTICLE_SUN.sub("\\1\\2\u0651", text)
    text = _ARTICLE_MOON.sub(lambda m: m[1] + "\u0671\u0644" + (m[2] or "\u0652"), text)
    text = _WASL_AFTER_A_PREFIX.sub("\\1\u0671", text)
    text = _GLIDE_WITH_A_VOWEL.sub("\\1\u0640", text)
    return _DOUBLED_GLIDE.sub("\\1\u0652\\1", text)


def vocalised(text: str) -> str:
    """``text`` with the vowels of the words the bot says written in (see _VOCALISED and
    bot/speech/arabic_words.py), each number in the case its preposition asks for; a word
    written with vowels, or one not listed, is left as it is."""
    out = []
    unit = False  # whether the word before (a space between) was a unit or an hour
    for token in _WORD.split(in_case(text)):
        if not token or not _WORD.fullmatch(token):
            out.append(token)
            unit = unit and not token.strip()
            continue
        if (said := _VOCALISED.get(token) or WORDS.get(token)) is not None:
            out.append(said)
        elif _HARAKAT & set(token):
            out.append(token)
        elif unit and token in _TEEN_TENS:
            out.append(_TEEN_TENS[token])
        else:
            out.append(_vocalised_word(token) or token)
        unit = token in _BEFORE_A_TEN
    return "".join(out)
