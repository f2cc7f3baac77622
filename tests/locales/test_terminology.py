"""Each catalog names a thing with one word and addresses a reader in one register (issue 101,
point 7), in its usual and its easy catalog:

- a resident's request for help is "прохання" in Ukrainian, "просьба" in Russian and "молба" in
  Bulgarian, as most of each catalog has it; about ninety entries said "запит", "запрос" or
  "заявка" (a word of offices and databases), so the desk's "Запрос #12" and the chat's
  "просьба #12" looked like two things;
- the code word shown at the door is "parola" in Turkish, never "şifre kelime" or "kod kelime";
- the Polish catalog addresses coordinators as residents, with "Proszę …" and "Państwo": a
  desk heading said "Wyślij to ponownie." and desk hints "Zapytajcie …", "przeczytaj …,
  edytuj …", as to a friend. Buttons keep the short imperative ("Zapisz", "Tak, usuń
  wszystko"), as Polish interfaces have it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("messages", "easy")

# The words for a request that each catalog does not use (its noun's forms; the verbs
# "запитати", "запросить" and the Ukrainian "запитання", a question, are other words).
NOT_A_REQUEST = {
    "uk": re.compile(r"\b(?:запит(?:у|ом|і|и|ів|ам|ами|ах)?|заяв(?:к\w*|ок))\b", re.IGNORECASE),
    "ru": re.compile(r"\b(?:запрос(?:а|у|ом|е|ы|ов|ам|ами|ах)?|заяв(?:к\w*|ок))\b", re.IGNORECASE),
    "bg": re.compile(r"\b(?:заявк\w*|запитван\w*)\b", re.IGNORECASE),
}
# The word a catalog uses for a request, which the forbidden ones are said instead of.
A_REQUEST = {
    "uk": re.compile(r"\bпрохан", re.IGNORECASE),
    "ru": re.compile(r"\bпросьб", re.IGNORECASE),
    "bg": re.compile(r"\bмолб", re.IGNORECASE),
}

TURKISH_CODE_WORD = re.compile(r"\bparola", re.IGNORECASE)
NOT_THE_TURKISH_CODE_WORD = re.compile(r"\b(?:şifre|kod|anahtar) kelime", re.IGNORECASE)

# Polish forms that address the reader as a friend: "ty" and its possessives, "wy" and its
# imperatives.
POLISH_FAMILIAR = re.compile(
    r"\b(?:ty|ciebie|cię|tobie|twój|twoj\w*|wasz\w*|"
    r"\w+(?:ajcie|ijcie|yjcie|ujcie|szcie|źcie|ńcie|rzcie))\b",
    re.IGNORECASE,
)
# The informal imperatives the catalog's buttons use: in a sentence (a text that ends with
# its stop) they are the reader addressed as "ty" unless they begin it as a button's name.
POLISH_IMPERATIVES = re.compile(
    r"\b(?:zapisz|wyślij|usuń|pokaż|dodaj|odrzuć|edytuj|otwórz|napisz|sprawdź|"
    r"zdecyduj|skonfiguruj|wybierz|wpisz|kliknij|naciśnij|zobacz|zadzwoń|poproś|zmień|"
    r"podaj|udostępnij|zaloguj|wróć|potwierdź|zeskanuj|wycofaj|prześlij|pobierz|opublikuj|"
    r"podpisz|zakończ|wstrzymaj|wznów|odwołaj|oznacz|zachowaj|poczekaj|spróbuj|powiedz|"
    r"odpisz|przejdź|użyj|ustaw|zgłoś|przeczytaj)\b"
)


def familiar_imperative(text: str) -> bool:
    """Whether ``text`` is a sentence that tells its reader what to do in the "ty" form."""
    return bool(re.search(r"[.!?]$", text.strip()) and POLISH_IMPERATIVES.search(text))


@cache
def entries(lang: str, domain: str) -> tuple[tuple[str, str], ...]:
    """(msgid, msgstr) of every translated entry, each plural form on its own."""
    with open(ROOT / f"locales/{lang}/LC_MESSAGES/{domain}.po", "rb") as po:
        catalog = read_po(po)
    out = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else message.string
        out += [(msgid, text) for text in strings if text]
    return tuple(out)


@pytest.mark.parametrize("lang", sorted(NOT_A_REQUEST))
def test_a_request_has_one_name_in_each_catalog(lang: str) -> None:
    wrong = [
        (domain, msgid, NOT_A_REQUEST[lang].findall(text))
        for domain in DOMAINS
        for msgid, text in entries(lang, domain)
        if NOT_A_REQUEST[lang].search(text)
    ]
    assert wrong == [], "\n".join(map(str, wrong))
    # The catalog's own word is there, where a request is spoken of.
    named = [text for msgid, text in entries(lang, "messages") if re.match(r"Request #", msgid)]
    assert named and all(A_REQUEST[lang].search(text) for text in named), named


def test_the_turkish_code_word_is_parola() -> None:
    wrong = [
        (domain, msgid, text)
        for domain in DOMAINS
        for msgid, text in entries("tr", domain)
        if NOT_THE_TURKISH_CODE_WORD.search(text)
        or ("code word" in msgid.lower() and not TURKISH_CODE_WORD.search(text))
    ]
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_polish_catalogs_say_panstwo_and_prosze() -> None:
    wrong = []
    for domain in DOMAINS:
        for msgid, text in entries("pl", domain):
            if POLISH_FAMILIAR.search(text):
                wrong.append((domain, "familiar", POLISH_FAMILIAR.findall(text), text))
            # (easy Polish asks without it: "Zgadza się?")
            if (
                domain == "messages"
                and re.search(r"\bplease\b", msgid, re.IGNORECASE)
                and not re.search(r"\b(?:proszę|prosimy|uprzejmie)\b", text, re.IGNORECASE)
            ):
                wrong.append((domain, "please without proszę", msgid, text))
            if familiar_imperative(text):
                wrong.append((domain, "imperative", POLISH_IMPERATIVES.findall(text), text))
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_checks_catch_what_the_catalogs_said() -> None:
    assert NOT_A_REQUEST["ru"].search("Вечерние запросы")
    assert NOT_A_REQUEST["ru"].search("берёт заявки и вечером")
    assert not NOT_A_REQUEST["ru"].search("Запросили напоминание")  # a verb: another word
    assert NOT_A_REQUEST["uk"].search("Ваш запит про допомогу")
    assert not NOT_A_REQUEST["uk"].search("Запитайте координаторів; запитання")
    assert NOT_A_REQUEST["bg"].search("Заявка #12 е публикувана")
    assert NOT_THE_TURKISH_CODE_WORD.search("Kapıda şifre kelimeyi söyleyin")
    assert POLISH_FAMILIAR.search("Zapytajcie w grupie koordynatorów")
    assert not POLISH_FAMILIAR.search("Wysłano do Państwa wiadomość na czacie prywatnym.")
    assert familiar_imperative("Nic nie zapisano: przeczytaj tekst, a potem edytuj go.")
    assert not familiar_imperative("Tak, usuń wszystko")  # a button
    assert not familiar_imperative("Proszę nacisnąć ▶️ Wznów w /volunteer.")  # a button named
