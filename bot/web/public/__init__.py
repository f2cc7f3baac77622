"""The public web: the map of encounter places, a page and posters per place and district,
and the Telegram Mini App's check of who opened it. Nothing here needs a login; nothing
here shows anything about a person except ``/api/miniapp/me`` to the verified person."""
