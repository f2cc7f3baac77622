"""A message as a texted reader gets it (handlers/media/texted_form.py), made by the reader chain's
texted link: plain text, every choice numbered one a line, a short form in place of a long
notice, no direction marks - and nothing a wire promises: no STOP, no "more" (SMS's own,
tests/bot/transports/sms/test_paging.py), so a plain-text transport that understands
neither never tells its reader to send them."""

from __future__ import annotations

from markupsafe import Markup

from db import Database
from handlers.media.texted_form import form_of, without_invisible_marks
from handlers.messages import (
    Button,
    Edit,
    Message,
    TextedForm,
    Toast,
    Venue,
    decode,
    encode,
)
from handlers.reader import Medium, Reader, translator_for
from handlers.reader_chain import LazyReader, Reading, Surroundings, texted
from handlers.text_safety import visible
from locales import translator

LONG = Markup("<b>A long notice</b>\n" + "Many words about many things. " * 20)
BRIEF = Markup("Short: we keep little. All: https://nachbarn.example/x?lang=de")
MARKS = frozenset("\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u061c")


def test_any_message_with_a_short_form_goes_as_it_marked_as_a_notice_without_a_wire_promise():
    t = translator("de")
    buttons = [[Button("🍎 Apples", "fruit:apple"), Button("🍐 Pears", "fruit:pear")]]
    form = form_of(Message(LONG, buttons, brief=BRIEF), t)
    assert form is not None
    assert form.body.startswith("Short: we keep little. All: https://nachbarn.example/x?lang=de")
    assert "long notice" not in form.body and "Many words" not in form.body
    assert form.notice
    # STOP is SMS's promise, not the medium's: a plain-text transport does not understand it.
    assert "STOP" not in form.body and "STOP" not in form.lines
    # Its choices stay, numbered, and a typed number presses them.
    assert form.listed == (("🍎 Apples", "fruit:apple"), ("🍐 Pears", "fruit:pear"))
    # Without their icons (issue 80, point 1): a text has none.
    assert form.lines == "1 Apples\n2 Pears"
    assert form.typed


def test_a_message_asking_for_consent_without_a_short_form_goes_as_it_is():
    t = translator("en")
    buttons = [[Button("✅ I agree", "consent:yes"), Button("❌ No, thanks", "consent:no")]]
    form = form_of(Message(Markup("Please <b>read</b> this."), buttons), t)
    assert form is not None
    assert form.body == "Please read this."
    assert "STOP" not in form.body and not form.notice
    assert [data for _, data in form.listed] == ["consent:yes", "consent:no"]


def test_every_choice_is_numbered_a_link_is_a_line_and_no_typed_number_where_none_is_taken():
    t = translator("de")
    rows = [[Button(f"Wahl {n}", f"x:{n}")] for n in range(1, 13)]
    rows.append([Button("🗺 Karte", url="https://nachbarn.example/map")])
    form = form_of(Message(Markup("Welche?"), rows, typed_choices=False), t)
    assert form is not None
    assert form.lines.splitlines()[11] == "12 Wahl 12"  # nothing out of reach
    assert len(form.listed) == 12  # a link is no choice ...
    assert "Karte: https://nachbarn.example/map" in form.body  # ... but a line
    assert not form.typed
    # An edit's choices take typed numbers.
    edited = form_of(Edit(1, Markup("Welche?"), rows[:2]), t)
    assert edited is not None and edited.typed


def test_a_place_is_one_line_and_what_a_text_cannot_carry_has_no_form():
    t = translator("de")
    assert form_of(Venue(51.5, 7.4, "Treff", "Hauptstr. 1"), t) == TextedForm("Treff, Hauptstr. 1")
    assert form_of(Toast("✅"), t) is None


def test_the_direction_marks_go_and_the_words_keep_their_written_order():
    # A request as the review quotes it (handlers/text_safety.py): Arabic words in a
    # German text, isolated for a chat (issue 55, point 8: boxes on simple phones).
    t = translator("de")
    quoted = Markup("💬 \u200e│ \u2068أحتاج مساعدة\u2069 (Arabisch)")
    rows = [[Button("\u2068أمينة\u2069 ✅", "x:1")]]
    form = form_of(Message(quoted, rows), t)
    assert form is not None
    # The quote's frame goes with the icons, as in a German text (issue 80, point 1).
    assert form.body == "أحتاج مساعدة (Arabisch)"
    assert form.lines == "1 أمينة"
    assert without_invisible_marks("a\u200fb\u2066c\u2069") == "abc"


def test_every_character_the_moderation_view_finds_invisible_goes_from_a_text_but_joiners():
    # One list of what shows as nothing (handlers/text_safety.py): a character the
    # moderation view drops as invisible costs a text a character it never shows. Before,
    # the texted form kept its own shorter list (a variation selector, a Hangul filler and
    # a Mongolian selector went by SMS, each making a German text UCS-2).
    hidden = "\u200b\u00ad\u2060\ufeff\u034f\ufe00\u3164\u180b\u200e\u2066\u2069"
    german = "Ich kom" + hidden + "me um 5"
    assert visible(german) == "Ich komme um 5"
    assert without_invisible_marks(german) == "Ich komme um 5"
    # The joiners Persian and Arabic writing needs stay ("می‌آیم": ZWNJ shapes the letters).
    assert without_invisible_marks("می\u200cآیم" + hidden) == "می\u200cآیم"


def test_no_icon_in_any_script_but_a_door_codes_picture():
    """Issue 80, point 1: an icon costs one or two characters of a UCS-2 text (eight of the
    ten languages) and shows as a box on a simple phone; the texted form has none, whatever
    the script - but a door code's picture, which is the code (named before it)."""
    t = translator("ar")
    text = Markup("🔒 نحفظ رقم هاتفك.\n👀 يرى المساعد طلبك.\n🍋 49")
    form = form_of(Message(text, [[Button("✅ أوافق", "consent:yes")]]), t)
    assert form is not None
    assert form.body.splitlines()[:2] == ["نحفظ رقم هاتفك.", "يرى المساعد طلبك."]
    assert form.body.splitlines()[2].endswith("🍋 49")
    assert t.gettext("[door code] lemon") in form.body
    assert form.lines == "1 أوافق"
    # A text of icons alone (a relayed "👍") keeps them: there would be nothing to send.
    alone = form_of(Message(Markup("👍")), t)
    assert alone is not None and alone.body == "👍"


async def test_the_texted_link_puts_the_form_on_the_item_for_a_texted_reader_alone(db: Database):
    where = Surroundings(db, frozenset(), None)
    message = Message(Markup("<b>Hallo</b> \u2068Amina\u2069"), [[Button("✅ Ja", "y:1")]])
    sms = Reader(translator_for("de", False, Medium.TEXTED), medium=Medium.TEXTED)
    reading = await texted(where, Reading(LazyReader(sms), message, medium=Medium.TEXTED))
    item = reading.item
    assert isinstance(item, Message)
    assert item.texted == TextedForm("Hallo Amina", "1 Ja", (("✅ Ja", "y:1"),), True)
    assert item.reader == sms.note
    # Kept with the answers (a restart sends them as they were made), a notice's mark too;
    # a form kept before the mark was made comes back as it was.
    assert decode(encode(item)) == item
    notice = Message(Markup("x"), brief=Markup("y"), texted=TextedForm("y", notice=True))
    assert decode(encode(notice)) == notice
    older = encode(item)
    older["texted"] = older["texted"][:4]
    assert decode(older) == item
    # A chat reader gets no texted form.
    chat = Reader(translator("de"))
    unchanged = await texted(where, Reading(LazyReader(chat), message))
    assert unchanged.item is message and message.texted is None
