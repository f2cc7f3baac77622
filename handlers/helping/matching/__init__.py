"""Matching: who is offered an open request, in which order and when - below the lifecycle,
which calls it and which it never calls.

``who_may_help`` holds the one rule of who may help with what (offering and accepting both
follow it); ``ranking`` orders those who qualify (near, sharing a language, rested) and
``hint_cache`` keeps the desk queue's hints of them, refreshed when ``awake`` says a
volunteer's hours changed; ``offer_fanout`` offers an open request, in ``waves`` (the next
ones when nobody took it) or to every qualified volunteer at once, each offer worded and sent
by ``offer_sending``; ``held_offers`` keeps offers back while a volunteer has enough
waiting, and sends them on when there is room.
"""
