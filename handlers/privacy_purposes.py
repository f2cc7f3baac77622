"""The purposes of the personal-data map (db/personal_data.py ``PURPOSES``) in the reader's
words, for the privacy notice (handlers/privacy.py) and its page on the web
(bot/web/public/privacy_page.py): a table, one :class:`PurposeWords` per purpose key (a
test checks they match)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from db.data_rights import Limits
from db.personal_data import TABLES
from locales import N_, Translator

# How long something is kept, where the words name a figure of the limits (or the days of
# inactivity before an account goes).
Kept = Callable[[Translator, Limits, int], Markup]


@dataclass(frozen=True)
class PurposeWords:
    """A purpose of the map in the reader's words: its title, what is kept (sentences said
    one after the other), who sees it and how long it is kept (words, or a :data:`Kept`)."""

    title: str
    what: tuple[str, ...]
    seen_by: str
    kept: str | Kept

    def said(
        self, t: Translator, limits: Limits, inactive_days: int
    ) -> tuple[Markup, Markup, Markup, Markup]:
        kept = t.t(self.kept) if isinstance(self.kept, str) else self.kept(t, limits, inactive_days)
        what = Markup(" ").join(t.t(sentence) for sentence in self.what)
        return t.t(self.title), what, t.t(self.seen_by), kept


def _backups(t: Translator, limits: Limits) -> Markup:
    """Everything kept is also in the nightly backups until they are deleted
    (``privacy.backup_days``, which ``doctor`` holds to the rotation; an erasure reaches a
    restored backup through db/erasure_ledger.py)."""
    return t.tn(
        "Backups, kept for restoring after a failure, are deleted after {n} day.",
        "Backups, kept for restoring after a failure, are deleted after {n} days.",
        limits.backup_days,
    )


# The purposes of db/personal_data.py ``PURPOSES``, by key (a test checks they match).
PURPOSE_WORDS = {
    "account": PurposeWords(
        N_("👤 Your account"),
        (
            N_(
                "Your chat account number (by text message and on the phone line: your phone "
                "number), first name, language, role and reminder times."
            ),
            N_(
                "On the phone line, if you choose one: your PIN, kept only as a code nobody "
                "can turn back into it. Coordinators see only that you have one."
            ),
        ),
        N_("The bot. Coordinators see your user number and first name."),
        lambda t, limits, inactive: t.tn(
            "Until you delete it, or {n} day after your last message.",
            "Until you delete it, or {n} days after your last message.",
            inactive,
        ),
    ),
    "conversation": PurposeWords(
        N_("💭 What you are doing now"),
        (N_("The step you are at and what you typed for it, e.g. a half-written request."),),
        N_("Only the bot."),
        lambda t, limits, inactive: t.tn(
            "Until the step ends. An unfinished step is forgotten after {n} day.",
            "Until the step ends. An unfinished step is forgotten after {n} days.",
            limits.conversation_days,
        ),
    ),
    "requests": PurposeWords(
        N_("🤝 Your help requests"),
        (
            N_(
                "Kind of help, your text or voice message, the district (with the postcode, if "
                "you gave one) and a point accurate to about 500 m, when, languages."
            ),
        ),
        # An offer is text only (handlers/helping/matching/offer_sending.py): the voice goes to the
        # helper who took the request.
        N_(
            "Coordinators. Once published, volunteers who fit, without your name and without "
            "a voice message (they read a summary). Your helper, who also hears it."
        ),
        lambda t, limits, inactive: t.tn(
            "Texts and voice messages are deleted {n} day after the request ends. Only the "
            "kind of help, the district and the dates stay, without your name.",
            "Texts and voice messages are deleted {n} days after the request ends. Only the "
            "kind of help, the district and the dates stay, without your name.",
            limits.closed_request_days,
        ),
    ),
    "volunteering": PurposeWords(
        N_("🙋 Your volunteering"),
        (
            N_(
                "Where (districts, or an area accurate to about 500 m), kinds of help, "
                "languages, times, the help you gave. Where a kind of help needs it: the "
                "day a coordinator saw your extended certificate of good conduct and when it "
                "expires, never the certificate itself."
            ),
            N_(
                "Only if you give it: roughly where you are (from your postcode or location, "
                "rounded to about 500 m). Only the bot uses it, to ask you first about "
                "requests near you. Nobody sees it."
            ),
        ),
        N_("The bot, to find requests for you. Coordinators."),
        N_("Until you stop volunteering or delete your account."),
    ),
    "calls": PurposeWords(
        N_("📞 Your number for calls"),
        (
            N_(
                "Only if you give it: your phone number, so the bot can connect you with a "
                "resident by phone."
            ),
        ),
        N_("Only the bot. Nobody else sees it, not the person you talk to either."),
        N_("Until you remove it in the settings or delete your account."),
    ),
    "certificates": PurposeWords(
        N_("📄 Certificates for volunteers"),
        (
            N_(
                "Only if you ask for one: the name to print on it, for the confirmation for "
                "the certificate of good conduct also your date of birth. What the paper says "
                "and who signed it."
            ),
        ),
        N_("Coordinators. You get the PDF."),
        lambda t, limits, inactive: t.tn(
            "Deleted {n} day after it was signed. Save the PDF.",
            "Deleted {n} days after it was signed. Save the PDF.",
            limits.certificate_days,
        ),
    ),
    "messages": PurposeWords(
        N_("💬 Messages"),
        (N_("What you write to your helper or requester, feedback and reports."),),
        N_("The person you write to. Coordinators see feedback and reports."),
        lambda t, limits, inactive: t.tn(
            "Deleted {n} day after the request ends.",
            "Deleted {n} days after the request ends.",
            limits.closed_request_days,
        ),
    ),
    "events": PurposeWords(
        N_("📅 Events"),
        (
            N_(
                "Events you asked to be reminded of, your reminders, places and districts you "
                "subscribed to."
            ),
        ),
        N_("Only the bot."),
        N_("Until you stop them. Sent reminders until the day is over."),
    ),
    "delivery": PurposeWords(
        N_("📨 Messages on their way"),
        (N_("Messages for you, or with your words for someone else, until delivered."),),
        N_("The person the message is for."),
        lambda t, limits, inactive: t.tn(
            "Their content is deleted {n} hour after delivery.",
            "Their content is deleted {n} hours after delivery.",
            limits.delivered_message_hours,
        ),
    ),
    "translation": PurposeWords(
        N_("🌐 Translations"),
        (
            N_(
                "Translations of what you write, for a reader who may not read your language. "
                "Phone numbers, e-mail addresses, links and numbers are removed before the "
                "text goes to the translation service."
            ),
        ),
        N_("The person the message is for."),
        lambda t, limits, inactive: t.tn(
            "Deleted {n} hour after delivery, or earlier together with your text.",
            "Deleted {n} hours after delivery, or earlier together with your text.",
            limits.delivered_message_hours,
        ),
    ),
    "records": PurposeWords(
        N_("📒 Records of decisions"),
        (N_("Who decided what and when, for example who published a request. By user number."),),
        N_("Coordinators and admins."),
        N_("The decision stays. Your user number is removed when you delete your account."),
    ),
    "desk": PurposeWords(
        N_("🖥 Web desk (coordinators only)"),
        (N_("A login link and the session of your browser, stored only as a code."),),
        N_("Only the bot."),
        N_("A link works 10 minutes, a session 12 hours. Both are removed a week after they end."),
    ),
    "technical": PurposeWords(
        N_("⚙️ Technical records"),
        (
            N_(
                "Which of your messages were answered, so nothing is answered twice. On "
                "Matrix: your chat and its buttons. By text message: your phone number, whether "
                "you sent STOP (until you send START) and the rest of a long text."
            ),
            N_(
                "Also how many texts went to your number this day, and for a day at most a "
                "code we texted you to confirm STOP or deleting."
            ),
            # bot/transports/matrix/held_olm.py: a newcomer's key messages past the hour's
            # budget wait in the database (cleared with the message numbers).
            N_(
                "On Matrix, when many newcomers write at once: your first encrypted messages, "
                "until the bot can read them."
            ),
        ),
        N_("Only the bot."),
        lambda t, limits, inactive: Markup(" ").join(
            [
                t.tn(
                    "The bot's answers to you until they are sent. Message numbers are kept "
                    "{n} day.",
                    "The bot's answers to you until they are sent. Message numbers are kept "
                    "{n} days.",
                    limits.handled_update_days,
                ),
                _backups(t, limits),
            ]
        ),
    ),
    "ban": PurposeWords(
        N_("🚫 Bans"),
        (
            N_(
                "Only if you were blocked: a code made from your chat account. Nobody can turn "
                "it back into your account."
            ),
        ),
        N_("Only the bot."),
        N_("Until the ban is lifted, also after you delete your account."),
    ),
    "limits": PurposeWords(
        N_("⏳ Limits"),
        (
            N_(
                "After you delete your account: when it asked for help in its last day, under "
                "a code made from your chat account. So deleting does not reset the limits."
            ),
        ),
        N_("Only the bot."),
        N_("One day."),
    ),
}


# What is kept of a caller (db/personal_data.py ``CALLERS``), as the phone's whole notice
# says it first (handlers/privacy.py ``caller_part``): what, who hears it and how long, in
# a sentence or two a listener takes in, for a person who only calls - no chat account, no
# Matrix, no role. "translation" is the notice's own line (only where an engine is set).
CallerWords = Callable[[Translator, Limits, int, str], Markup]

CALLER_HEAD = N_("📋 What we keep of you, who hears it, how long.")


def _requests(t: Translator, limits: Limits, inactive: int, city: str) -> Markup:
    # An offer is text only (handlers/helping/matching/offer_sending.py): the voice goes to the
    # coordinators and the helper who took the request.
    what = t.t(
        "🤝 If you ask for help: what you need and say, your area but never your address, and "
        "your languages. Only our team in {city} and your helper hear your voice. Volunteers "
        "who help in your district and speak your language read a short summary without "
        "your name.",
        city=city,
    )
    # Messages between requester and helper go with the request's texts (the same limit).
    kept = t.tn(
        "This, and what you and your helper say to each other, is deleted {n} day after the "
        "request ends. Only the kind of help, the district and the dates stay.",
        "This, and what you and your helper say to each other, is deleted {n} days after the "
        "request ends. Only the kind of help, the district and the dates stay.",
        limits.closed_request_days,
    )
    return Markup(" ").join([what, kept])


@dataclass(frozen=True)
class Field:
    """Something the map keeps of a caller (``table``'s ``columns``), in the words said of
    it; whether it is said to be kept as it is or only as a code is the map's to say
    (``Table.coded``), never these words'."""

    table: str
    columns: tuple[str, ...]
    words: str

    def declared(self) -> bool:
        """Whether the map holds it here (the phone line's tables are declared with it)."""
        return self.table in TABLES

    def coded(self) -> bool:
        """Whether the map keeps it only as a one-way code: all of its columns are coded."""
        return set(self.columns) <= set(TABLES[self.table].coded)


# What the account keeps of a caller: the number (its chat account, on the phone line and
# by SMS), the language, the PIN they may choose (bot/transports/phone/personal_data.py).
CALLER_ACCOUNT = (
    Field("users", ("platform_user_id", "chat_id"), N_("your phone number")),
    Field("users", ("language",), N_("the language you chose")),
    Field("phone_pins", ("pin_hash",), N_("your PIN, if you choose one")),
)


def _account(t: Translator, limits: Limits, inactive: int, city: str) -> Markup:
    """What the account keeps of a caller: as it is, and only as a code, as the map says."""
    fields = [field for field in CALLER_ACCOUNT if field.declared()]
    plain = [t.t(field.words) for field in fields if not field.coded()]
    coded = [t.t(field.words) for field in fields if field.coded()]
    said = [t.t("📞 We keep {what}, to call you back.", what=t.list_of(plain))]
    if coded:
        said.append(
            t.t("We keep {what} only as a code that nobody can turn back.", what=t.list_of(coded))
        )
    said.append(
        t.tn(
            "Helpers never get your number. All this is kept until you delete it, or {n} day "
            "after your last call.",
            "Helpers never get your number. All this is kept until you delete it, or {n} days "
            "after your last call.",
            inactive,
        )
    )
    return Markup(" ").join(said)


CALLER_WORDS: dict[str, CallerWords] = {
    "account": _account,
    "conversation": lambda t, limits, inactive, city: t.tn(
        "⏳ An unfinished step is forgotten after {n} day.",
        "⏳ An unfinished step is forgotten after {n} days.",
        limits.conversation_days,
    ),
    "requests": _requests,
    "messages": lambda t, limits, inactive, city: t.t(
        "💬 Your messages go only to your helper, feedback and reports to our team."
    ),
    "events": lambda t, limits, inactive, city: t.t(
        "📅 Event reminders you ask for: only the bot knows them, until you stop them."
    ),
    "delivery": lambda t, limits, inactive, city: t.tn(
        "📨 A message for you is deleted {n} hour after we called you with it.",
        "📨 A message for you is deleted {n} hours after we called you with it.",
        limits.delivered_message_hours,
    ),
    # The phone's technical tables: today's call-backs and check calls, a check call waiting
    # (until answered, else with unfinished steps), the keys already answered.
    "technical": lambda t, limits, inactive, city: Markup(" ").join(
        [
            t.tn(
                "⚙️ Technical notes on your calls: only the bot keeps them, {n} day at most.",
                "⚙️ Technical notes on your calls: only the bot keeps them, {n} days at most.",
                max(limits.handled_update_days, limits.conversation_days),
            ),
            _backups(t, limits),
        ]
    ),
    "ban": lambda t, limits, inactive, city: t.t(
        "🚫 If you are blocked: a code made from your number that nobody can read, until the "
        "block is lifted."
    ),
    "limits": lambda t, limits, inactive, city: t.t(
        "After you delete everything, such a code stays one day, so the limits on asking for "
        "help still count."
    ),
}


def purpose_texts(
    t: Translator, limits: Limits, inactive_days: int
) -> dict[str, tuple[Markup, Markup, Markup, Markup]]:
    """Each purpose of the map in the reader's words: (title, what, who sees it, how long)."""
    return {key: words.said(t, limits, inactive_days) for key, words in PURPOSE_WORDS.items()}
