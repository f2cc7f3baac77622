"""The operator's command line, ``python -m bot`` / ``nachbarbot`` (entry point:
``entry.main``, which takes Ctrl-C in hand before the program loads).

One module per command group: ``main`` (the parser, ``run``, ``web``, ``console``, ``db``,
``roles``, ``backup``), ``checks`` (``db check`` and ``doctor``), ``places``, ``events``,
``bans``, ``cities`` (``city add``), ``city_list`` (``city list``) and ``migrate_to``
(``db migrate-to``). They call the handlers and stores; nothing below ``bot/`` imports them.
"""
