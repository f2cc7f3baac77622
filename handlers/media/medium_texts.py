"""The texts a phone caller hears or an SMS reader reads instead of a chat's: what they can
do on their channel, never what they cannot (no location to share and no district to type
on a keypad, no "/privacy" on the phone, no voice message and no tapping in an SMS).

Each is declared here beside the chat message it stands for (locales ``medium_variant``);
the reader's translator (handlers/reader.py, ``reader.t`` and ``ctx.t``) takes it for a
reader on that medium, in every language and in easy language (an easy variant of the
variant in easy.po, else the variant), wherever a feature writes the chat's message - no
feature checks a medium. A new one is one line here and its translations.

No button data, no states.
"""

from __future__ import annotations

from locales import N_, Medium, medium_variant

# The greeting before the languages (handlers/onboarding.py): on the phone ten language
# lines follow it, each in its own voice, and a caller waits for theirs - one short line.
_HELLO = (
    "👋 <b>Hello!</b> I am the neighbourhood bot for {city}. I help you find places to meet, "
    "get help from neighbours and help others."
)
medium_variant(Medium.SPOKEN, _HELLO, N_("👋 Welcome! I am the neighbourhood bot for {city}."))
# The language chosen (handlers/onboarding.py): a caller hears the next step in it at once;
# its name is the confirmation, the word "Language" before it a second more to wait.
_LANGUAGE_CHOSEN = "🌐 Language: {language}"
medium_variant(Medium.SPOKEN, _LANGUAGE_CHOSEN, N_("🌐 {language}."))
# The main menu's greeting (handlers/menu.py): a caller knows whom they called (the line's
# first greeting said it); a returning caller's menu comes at once.
_WELCOME = "👋 Welcome! I am the neighbourhood bot for {city}."
medium_variant(Medium.SPOKEN, _WELCOME, N_("👋 Welcome!"))

# Where? (handlers/places/chat.py, handlers/events/chat.py, handlers/helping/requests_flow.py)
_WHERE = "📍 Where? Share your location, or type a postcode or district."
medium_variant(Medium.SPOKEN, _WHERE, N_("📍 Where? Type a postcode with the keys."))
medium_variant(Medium.TEXTED, _WHERE, N_("📍 Where? Send a postcode or district."))
_PLEASE_WHERE = "📍 Please share your location or type a postcode or district."
medium_variant(Medium.SPOKEN, _PLEASE_WHERE, N_("📍 Please type a postcode with the keys."))
medium_variant(Medium.TEXTED, _PLEASE_WHERE, N_("📍 Please send a postcode or district."))
_WHERE_KEPT = (
    "📍 Where? Share your location, or type your postcode or district. We only keep the "
    "area, never your address."
)
medium_variant(
    Medium.SPOKEN,
    _WHERE_KEPT,
    N_("📍 Where? Type your postcode with the keys. We only keep the area, never your address."),
)
medium_variant(
    Medium.TEXTED,
    _WHERE_KEPT,
    N_("📍 Where? Send your postcode or district. We only keep the area, never your address."),
)
_LOOKING = (
    "Where are you looking? Share your location, or type a postcode (for example "
    "{postcode}) or the name of your district (for example {district})."
)
medium_variant(Medium.SPOKEN, _LOOKING, N_("Where are you looking? Type the postcode."))
medium_variant(
    Medium.TEXTED,
    _LOOKING,
    N_(
        "Where are you looking? Send a postcode (for example {postcode}) or the name of your "
        "district (for example {district})."
    ),
)

# A volunteer's own point (handlers/helping/volunteers.py): keys on the phone, where the
# hash key alone is the step's way on without one; a postcode by SMS.
_OWN_POINT = (
    "🏠 Where are you, roughly? Send your postcode or share your location. We keep it "
    "rounded to about 500 m, only to ask you first about requests near you. Optional."
)
medium_variant(
    Medium.SPOKEN,
    _OWN_POINT,
    N_(
        "🏠 Where are you, roughly? Type your postcode with the keys, and you are asked first "
        "about requests near you. We keep only the area. Without one, press the hash key."
    ),
)
medium_variant(
    Medium.TEXTED,
    _OWN_POINT,
    N_(
        "🏠 Where are you, roughly? Send your postcode, and you are asked first about "
        "requests near you. We keep only the area. Optional."
    ),
)

# The places answer's head (handlers/places/chat.py): the caller just typed the postcode and
# chose places; the first place follows at once. The postcode is not said back: digit by
# digit it took up to 4 s of a new caller's first minute (Arabic, issue 64 point 10), and
# each place's distance tells whether it is the caller's area.
medium_variant(Medium.SPOKEN, "📍 <b>Places near {place}</b>", N_("📍 Nearby:"))

# The privacy notice's rights and its thanks (handlers/privacy.py, handlers/onboarding.py):
# the settings have them on every medium; a command is typed in a chat.
_RIGHTS = "🗑 /mydata shows everything, /delete erases it."
_THANKS = (
    "✅ Thank you, you agreed to the privacy notice. You can read it again at any time with "
    "/privacy."
)
medium_variant(
    Medium.TEXTED, _RIGHTS, N_("🗑 In the settings you get everything we keep, or erase it.")
)
medium_variant(
    Medium.TEXTED,
    _THANKS,
    N_("✅ Thank you, you agreed to the privacy notice. It is in the settings."),
)
# The notice's short form (handlers/privacy.py ``brief_notice``, ``Message.brief``) reaches
# a texted reader only, whose number is the account: no "or chat account", no icon, and
# its first sentence short enough for the first text, which also carries the choices and
# how to stop texts (bot/transports/sms/paging.py; issue 80, point 1).
_BRIEF_KEPT = (
    "🔒 We keep your phone number or chat account, your language and what you send. "
    "Coordinators in {city} read requests. Volunteers never see your phone number."
)
medium_variant(
    Medium.TEXTED,
    _BRIEF_KEPT,
    N_(
        "We keep your phone number, your language and what you send. Coordinators in "
        "{city} read requests. Volunteers never see your phone number."
    ),
)
# On the phone the notice is its first layer, as a caller takes it in by ear: what is kept,
# who gets it, that all of it can be heard and erased; the whole notice is one key away
# (its "All details", said whole). What a caller agrees to is the same as in a chat: the
# number stands for the chat account, what they say for what they send.
_KEPT = (
    "📦 We keep your first name, your language and what you send. Volunteers never see your "
    "phone number."
)
medium_variant(Medium.SPOKEN, _KEPT, N_("📦 We keep your number, your language and what you say."))
_SEEN = "👀 Coordinators in {city} read requests. A helper sees your request and first name."
# A caller's request is always spoken: who hears the voice (the coordinators and the helper
# who took it) and who reads only a summary (an offer is text, handlers/helping/
# offer_sending.py), named as offers find them: by district and language, not distance.
medium_variant(
    Medium.SPOKEN,
    _SEEN,
    N_(
        "👀 Only our team in {city} and your helper hear your voice. Volunteers who help in "
        "your district and speak your language read a short summary. Helpers never get your "
        "number."
    ),
)
medium_variant(Medium.SPOKEN, _RIGHTS, N_("🗑 In the settings you can hear all of it, or erase it."))
# The whole notice (handlers/privacy.py, "All details"): no command a caller or a texter
# cannot type, and no abbreviation an engine reads letter by letter or a listener misses.
_TRANSLATED_BY = (
    "<b>Translation:</b> if the reader may not read your language, your text is "
    "translated by {service}. Phone numbers, e-mail addresses, links and numbers are "
    "removed first. Translation of messages to you can be switched off under /settings."
)
_TRANSLATED_IN_SETTINGS = N_(
    "<b>Translation:</b> if the reader may not read your language, your text is "
    "translated by {service}. Phone numbers, e-mail addresses, links and numbers are "
    "removed first. Translation of messages to you can be switched off in the settings."
)
medium_variant(Medium.SPOKEN, _TRANSLATED_BY, _TRANSLATED_IN_SETTINGS)
medium_variant(Medium.TEXTED, _TRANSLATED_BY, _TRANSLATED_IN_SETTINGS)
medium_variant(
    Medium.SPOKEN,
    "The step you are at and what you typed for it, e.g. a half-written request.",
    N_("The step you are at and what you gave for it, for example a request not yet finished."),
)

medium_variant(Medium.SPOKEN, _THANKS, N_("✅ Thank you."))
# Declining the notice with nothing kept but the basics (handlers/privacy.py): by phone and
# SMS the number is the account, so it is kept too; read aloud is a chat's choice.
_DECLINED = (
    "Without your agreement the bot cannot help you.\n🗑 <b>Delete what we stored?</b> "
    "So far that is only your language and whether the bot reads aloud to you."
)
_DECLINED_BY_NUMBER = N_(
    "Without your agreement the bot cannot help you.\n🗑 <b>Delete what we stored?</b> "
    "So far that is only your phone number and your language."
)
medium_variant(Medium.SPOKEN, _DECLINED, _DECLINED_BY_NUMBER)
medium_variant(Medium.TEXTED, _DECLINED, _DECLINED_BY_NUMBER)

# A voice message (handlers/to_coordinators.py, handlers/helping/requests_flow.py): a text
# carries none; the phone records what is said after its tone, which it says itself.
_TO_COORDINATORS = "📞 Leave a message for the coordinators: write it, or send a voice message."
medium_variant(Medium.SPOKEN, _TO_COORDINATORS, N_("📞 Leave a message for the coordinators."))
medium_variant(Medium.TEXTED, _TO_COORDINATORS, N_("📞 Write your message for the coordinators."))
_LENGTH = "✍️ Please write between {low} and {high} characters, or send a voice message."
medium_variant(Medium.TEXTED, _LENGTH, N_("✍️ Please write between {low} and {high} characters."))

# Several choices, then Done (handlers/helping/requests_flow.py, volunteers.py): one key or
# number, and more for more - never "each", heard as "all of them" (issue 64).
_LANGUAGES = "🗣 Which languages do you speak? Tap all that apply, then Done."
medium_variant(
    Medium.SPOKEN,
    _LANGUAGES,
    N_(
        "🗣 Which languages do you speak? Press the key of a language. For more languages, "
        "press their keys too. Then press the key of Done."
    ),
)
# By SMS one sentence: the first text holds it whole with the ten languages and "Done"
# (bot/transports/sms/paging.py); the way to choose several came behind "0" (issue 80).
medium_variant(
    Medium.TEXTED,
    _LANGUAGES,
    N_("🗣 Send the numbers of the languages you speak, one by one, then the number of Done."),
)
_SKILLS = "🧰 What can you help with? Tap all that apply, then Done."
medium_variant(
    Medium.SPOKEN,
    _SKILLS,
    N_(
        "🧰 What can you help with? Press the key of one thing. For more, press their keys "
        "too. Then press the key of Done."
    ),
)
medium_variant(
    Medium.TEXTED,
    _SKILLS,
    N_("🧰 What can you help with? Send their numbers one by one, then the number of Done."),
)

# A number none of the choices is (handlers/forms/not_a_choice.py): a caller presses keys, and
# "number" would be one of their own, as a postcode is.
medium_variant(
    Medium.SPOKEN,
    "🔢 That number is not one of the choices. Please choose:",
    N_("🔢 That key is not one of the choices. Please choose:"),
)
# Choosing (handlers/forms/step_form.py, handlers/dispatcher.py, handlers/guide.py,
# handlers/helping/requests_flow.py): keys on the phone ("#" goes back), numbers by SMS.
_BUTTONS_ABOVE = "👆 Please pick one of the choices above."
medium_variant(Medium.SPOKEN, _BUTTONS_ABOVE, N_("👆 Please press the key of a choice."))
medium_variant(Medium.TEXTED, _BUTTONS_ABOVE, N_("👆 Please send the number of a choice."))
_NOT_UNDERSTOOD = "🙂 I did not understand that. Please choose from the menu or send /help."
medium_variant(
    Medium.SPOKEN,
    _NOT_UNDERSTOOD,
    N_("🙂 I did not understand that. Please press the key of a choice."),
)
medium_variant(
    Medium.TEXTED,
    _NOT_UNDERSTOOD,
    N_("🙂 I did not understand that. Please send the number of a choice."),
)
_TAP_A_BUTTON = "👇 Tap a button. /menu always brings you back."
medium_variant(
    Medium.SPOKEN,
    _TAP_A_BUTTON,
    N_("👇 Press the key of a choice. The hash key always brings you back."),
)
medium_variant(Medium.TEXTED, _TAP_A_BUTTON, N_("👇 Send the number of a choice."))
_WHICH_DAY = "📅 Which day? Tap one, or write it."
medium_variant(Medium.SPOKEN, _WHICH_DAY, N_("📅 Which day? Press its key."))
medium_variant(Medium.TEXTED, _WHICH_DAY, N_("📅 Which day? Send its number, or write the date."))

# Too many presses at once (handlers/dispatcher.py): a key is pressed, a text is sent.
_TAP_AGAIN = "🐢 Not so fast, please. Wait a moment, then tap again."
medium_variant(
    Medium.SPOKEN,
    _TAP_AGAIN,
    N_("🐢 Not so fast, please. Wait a moment, then press the key again."),
)
medium_variant(
    Medium.TEXTED,
    _TAP_AGAIN,
    N_("🐢 Not so fast, please. Wait a moment, then send your answer again."),
)

# The code word at the door (handlers/helping/render.py ``door_code_text``): a caller hears
# the picture's name in their language, an SMS may lose the picture - the helper's word may
# differ ("Fuchs" for "روباه"), the number does not (issue 64).
_DOOR_CODE = (
    "Ask {name} for this code word at the door. Open only if it is right. The code word "
    "works in every language."
)
_DOOR_CODE_NUMBER = N_(
    "At the door, {name} shows you a picture and the number {number}. The number is the "
    "same in every language. Open only if the number is right."
)
medium_variant(Medium.SPOKEN, _DOOR_CODE, _DOOR_CODE_NUMBER)
medium_variant(Medium.TEXTED, _DOOR_CODE, _DOOR_CODE_NUMBER)

# What a relay passes on (handlers/helping/relay/chat.py): a caller's words after the tone, a
# text by SMS.
_PASSABLE = "🙈 I can pass on texts, voice messages and locations."
medium_variant(Medium.SPOKEN, _PASSABLE, N_("🙈 I can pass on what you say after the tone."))
medium_variant(Medium.TEXTED, _PASSABLE, N_("🙈 I can pass on texts."))

# A place's languages (handlers/places/fields.py, editing.py): several choices, then Done.
_PLACE_LANGUAGES = "🗣 Which languages are spoken there? Tap all that apply, then Done."
medium_variant(
    Medium.SPOKEN,
    _PLACE_LANGUAGES,
    N_(
        "🗣 Which languages are spoken there? Press the key of a language. For more "
        "languages, press their keys too. Then press the key of Done."
    ),
)
medium_variant(
    Medium.TEXTED,
    _PLACE_LANGUAGES,
    N_(
        "🗣 Which languages are spoken there? Send the number of a language. For more "
        "languages, send their numbers too. Then send the number of Done."
    ),
)

# The description step (handlers/helping/requests_flow.py): the phone records what is said
# after its tone, a text carries words only; the helper reaches either through the bot,
# never through a chat the person does not have.
_DESCRIBE = (
    "✍️ Describe in a few words what you need. You can also send a voice message. Please do "
    "not write your address or phone number - you will talk to your helper through this chat."
)
medium_variant(
    Medium.SPOKEN,
    _DESCRIBE,
    N_(
        "✍️ Say in a few words what you need. Please do not say your address or phone "
        "number - your helper's messages come to you through us."
    ),
)
medium_variant(
    Medium.TEXTED,
    _DESCRIBE,
    N_(
        "✍️ Write in a few words what you need. Please do not write your address or phone "
        "number - your helper's messages come to you through us."
    ),
)

# An erasure code typed too late (handlers/privacy.py): a command is typed in a chat.
_CODE_EXPIRED = "⌛ The code is no longer valid. Nothing was deleted. Send /delete to start again."
_START_AGAIN = N_(
    "⌛ The code is no longer valid. Nothing was deleted. Start again in the settings."
)
medium_variant(Medium.SPOKEN, _CODE_EXPIRED, _START_AGAIN)
medium_variant(Medium.TEXTED, _CODE_EXPIRED, _START_AGAIN)

# A postcode the city does not know (handlers/places/chat.py): a district has no keys.
_NOT_FOUND = (
    '🤔 I could not find "{query}" in {city}. Please type a postcode (for example {postcode}) '
    "or a district (for example {district})."
)
medium_variant(
    Medium.SPOKEN,
    _NOT_FOUND,
    N_('🤔 I could not find "{query}" in {city}. Please type another postcode with the keys.'),
)

# A choice of a message gone by (handlers/dispatcher.py, ui.py, helping/refused.py): a
# caller presses keys and a texter sends numbers; neither has a button.
_STALE = "This button is no longer valid."
medium_variant(Medium.SPOKEN, _STALE, N_("This choice is no longer valid."))
medium_variant(Medium.TEXTED, _STALE, N_("This choice is no longer valid."))
_STALE_MENU = "⚠️ This button is no longer valid. Here is the main menu."
_STALE_CHOICE_MENU = N_("⚠️ This choice is no longer valid. Here is the main menu.")
medium_variant(Medium.SPOKEN, _STALE_MENU, _STALE_CHOICE_MENU)
medium_variant(Medium.TEXTED, _STALE_MENU, _STALE_CHOICE_MENU)

# What comes next, said to a caller (issue 80, point 2): a caller's messages come as calls
# (their settings say so), so the phone promises a call, never a letter - after a request
# (handlers/helping/requests_flow.py; easy language said "we will write to you") and after
# erasure (handlers/privacy.py; most languages said "if you write again").
_CHECKED = (
    "⏳ Thank you! Your request #{id} is now being checked by our team. We will "
    "tell you as soon as it is published."
)
medium_variant(
    Medium.SPOKEN,
    _CHECKED,
    N_(
        "⏳ Thank you! Your request #{id} is now being checked by our team. We will call "
        "you as soon as it is published."
    ),
)
# Before the request's form in a rush of new accounts (handlers/helping/posting_limits.py
# ``Hold.note``): a caller says their request after the tone, never writes it.
_WRITE_ALL_THE_SAME = (
    "You can write your request all the same: we keep it and pass it to our team at {time}."
)
medium_variant(
    Medium.SPOKEN,
    _WRITE_ALL_THE_SAME,
    N_(
        "You can ask for help all the same: we keep your request and pass it to our team at {time}."
    ),
)
_WRITE_WHEN_ALLOWED = (
    "You can write your request all the same: we keep it and pass it to our team as soon as"
    " the limit allows."
)
medium_variant(
    Medium.SPOKEN,
    _WRITE_WHEN_ALLOWED,
    N_(
        "You can ask for help all the same: we keep your request and pass it to our team as"
        " soon as the limit allows."
    ),
)
# A message for a helper or requester who can no longer be reached (handlers/helping/
# relay/chat.py): a caller or a texter has no chat.
_UNREACHABLE = "😔 The other person cannot be reached in the chat any more."
_UNREACHABLE_HERE = N_("😔 We cannot pass anything on to the other person any more.")
medium_variant(Medium.SPOKEN, _UNREACHABLE, _UNREACHABLE_HERE)
medium_variant(Medium.TEXTED, _UNREACHABLE, _UNREACHABLE_HERE)
# A tick box while it is ticked (handlers/ui.py ``ticked``): a chat shows the tick, which a
# text and the voice leave out like every icon - a texter or caller ticking languages,
# districts or kinds of help could not tell what the list already held.
_TICKED = "✅ {label}"
medium_variant(Medium.SPOKEN, _TICKED, N_("{label}, chosen"))
medium_variant(Medium.TEXTED, _TICKED, N_("{label} (chosen)"))
_DELETED = "✅ All your data has been deleted. If you write again, you start from the beginning."
medium_variant(
    Medium.SPOKEN,
    _DELETED,
    N_("✅ All your data has been deleted. If you call us again, you start from the beginning."),
)
