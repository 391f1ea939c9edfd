"""The web app and the JSON API (``unionflow web``): pages for every role, signed in.

Layout (one module per concern; routes call the same facades as the CLI, no rules here):

- ``app``: ``create_app(settings)``, the FastAPI factory; nothing connects at import.
- ``context``: the per-process ``WebContext`` (the composition root's ``App`` and one
  Temporal client, connected on first use so pages that read the ledger work without it).
- ``auth``: who is signed in (``SignedIn``, the ``signed_in`` dependency) and CSRF.
- ``signin``: the sign-in middleware (session cookie or bearer token → ``SignedIn``, the
  act's channel, CSRF) and the login, logout and setup pages.
- ``pages/``: HTML pages, one router per area (``account``: 我的账号).
- ``api/``: the JSON API under ``/api/v1``, one router per area (``me``: who am I, tokens).
- ``problem``: domain refusals as ``application/problem+json`` (API) or an error page.
- ``templates/``, ``static/`` (``htmx.min.js`` vendored, see ``static/VENDORED.md``).
"""
