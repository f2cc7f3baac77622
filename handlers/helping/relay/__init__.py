"""The relay: after a match, requester and helper talk through the bot - above the
lifecycle, which it asks to end or hand back a request.

``chat`` passes texts, voice messages and locations on between the two (their numbers
hidden), with "done", a hand-back, the time and money laid out, feedback and reports;
``edits`` passes on a correction and takes back what was passed on.
"""
