"""What the coordinators read while a limit of a shared engine stops people (the guide's
rule: a limit that stops people tells the coordinators while it is active). A transport
only reports that its limit stops someone (handlers/channels.py ``Happening``); the
modules here say it, in the coordinators' words:

- ``encrypted_work.py``: the hour's work on encrypted messages (``DecryptLimited``).
- ``text_messages.py``: a texting transport's caps, first texts, code texts, strangers'
  STOPs and the limits on codes texted back (``TextsCapped``, ``FirstTextsUsed``,
  ``CodeTextsUsed``, ``StrangerStopsFull``, ``NumberCodesOut``, ``WrongCodesPause``).
- ``month_budgets.py``: a month's segments or calls, a share of them used
  (``MonthShareReached``).
"""
