"""People known by their phone number, whom the bot reaches by a call or a text: how they are
reached (reach, channel_line), who is on a voice line (caller_check, number_entry,
phone_pin), acts confirmed by the number's holder
(coded_acts), what a texter's STOP and START do (text_stops), and what people read about the
bot's own calls (call_notices).
"""
