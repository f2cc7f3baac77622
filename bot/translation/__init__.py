"""The translation port: engines that translate a text between two of the bot's languages.

``engine.py`` is the port (the :class:`Engine` protocol and its errors); ``libretranslate``
and ``deepl_engine`` are the engines a configuration can choose (``engines.py`` builds the
configured one); ``masking`` keeps phone numbers, e-mail addresses, links and numbers away
from an engine; ``service`` puts cache, daily budget, timeout and fallback around an engine,
for the delivery worker.
"""
