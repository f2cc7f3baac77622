"""Review: what waits for the coordinators and how it is shown to them - below the
lifecycle, which updates it as requests change state, and below the coordinators' decisions
(``helping/moderation.py``), which read it.

``review_queue`` orders what waits (the oldest first, with who could help: the matching
room's hints) and ``review_pace`` measures how soon reviews are made; ``backlog`` is the
one number of what waits, ``pending_list`` the /pending list a page at a time, and
``held_post`` the backchannel's one post of the requests held back by the posting limits.
"""
