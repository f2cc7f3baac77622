"""Real SIP components for the phone tests, on 127.0.0.1: Kamailio (registrar and proxy),
baresip (a softphone), SIPp (scripted calls), and measures of the audio a phone heard; and
what the phone tests share: calls to the bot (calls.py), the bot calling back
(call_backs.py), the line without SIP (keypad_phone.py), the tone engine (tone_engine.py)."""
