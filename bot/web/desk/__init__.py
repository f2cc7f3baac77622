"""The coordinators' desk (``/desk``): the same stores and lifecycle as the chat.

Login (``auth``): ``/desk`` in a private chat sends a one-time link; the browser gets an
HttpOnly, SameSite=Strict session cookie; every form carries the session's CSRF token;
the role is checked on every request, at the moment of acting.

Pages: ``queue`` (review: publish, reject, edit, ask), ``requests``, ``volunteers``,
``places``, ``events``, ``stats``; ``voice`` plays a request's voice message on the
first two; ``routes`` lists them all.
"""
