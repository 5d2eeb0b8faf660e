"""A person's own settings: the language of every screen and e-mail they get."""

from __future__ import annotations

from models import User
from pipeline.api._common import current_settings
from pipeline.core.accounts import Principal, audit, principal_of
from pipeline.core.db import unit_of_work
from pipeline.core.errors import NotFound
from pipeline.core.i18n import N_, normalise_language


def set_language(principal: Principal, language: str | None) -> Principal:
    """Choose ``language`` (nl, fr, en) for ``principal``; None goes back to the office's."""
    code = None if language is None else normalise_language(language)
    with unit_of_work(current_settings().database_url) as session:
        user = session.get(User, principal.user_id)
        if user is None:
            raise NotFound(N_("no such user"))
        user.language = code
        audit(session, principal.user_id, "language", f"user:{principal.user_id}", code or "office default")
        session.flush()
        return principal_of(user)
