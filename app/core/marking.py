"""``N_``: marks an English message for the translation catalogs without translating it.

Layers below ``app.web`` cannot import the web's gettext, yet some of their messages reach a
page (scope descriptions on the consent page, reasons an authorization is refused). They mark
them with ``N_`` so ``make messages`` extracts them; ``app.web`` translates them where shown.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """The message itself: extraction finds the call, the page translates the value."""
    return message
