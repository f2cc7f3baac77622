"""Real SIP components for the phone tests, on 127.0.0.1: Kamailio (registrar and proxy),
baresip (a softphone), SIPp (scripted calls), and measures of the audio a phone heard."""
