"""Users: an office invites its accountants and client users by e-mail, sends an invitation again (a new
one-time link; the old one stops working), deactivates and reactivates them."""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from models.enums import Role
from pipeline import api
from pipeline.api import onboarding
from pipeline.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, set_language
from pipeline.core.mail import MailNotConfigured
from workbench.components import office_head, plain

principal: api.Principal = st.session_state["principal"]
set_language(principal.language)
ROLE_WORDS = {Role.ACCOUNTANT: N_("accountant"), Role.CLIENT: N_("client")}


def base_url() -> str:
    """This workbench's address, for the link in the e-mail."""
    url = st.context.url or ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


office = office_head(principal, _("Users"), "users", _("Only accountants and administrators manage users."))
clients = onboarding.clients_of(principal, office.id)

with st.form("user_invite"):
    st.subheader(_("Invite a user"))
    email = st.text_input(_("E-mail address"), key="invite_email")
    name = st.text_input(_("Name"), key="invite_name")
    c1, c2, c3 = st.columns(3)
    role = c1.radio(_("Role"), onboarding.INVITABLE, format_func=lambda r: _(ROLE_WORDS[r]), key="invite_role")
    client = c2.selectbox(_("Client (for a client user)"), [None, *clients], key="invite_client",
                          format_func=lambda c: "—" if c is None else c.name)
    language = c3.selectbox(_("Language"), [None, *LANGUAGES], key="invite_language",
                            format_func=lambda c: _("the office's") if c is None else LANGUAGE_NAMES[c])
    if st.form_submit_button(_("Send invitation"), type="primary"):
        try:
            made = onboarding.invite_user(principal, email, name, role, office_id=office.id,
                                          client_id=client.id if client else None, language=language,
                                          base_url=base_url())
        except MailNotConfigured:
            st.error(_("E-mail is not set up on this server; ask the administrator to configure SMTP."))
        except onboarding.InvalidInput as error:
            st.error(_("Check the values: {detail}").format(detail=plain(error.words())))
        except api.BoekbrugError:
            st.error(_("This user cannot be invited (the address is in use already?)."))
        except OSError:
            st.error(_("The e-mail could not be sent; try again later."))
        else:
            st.session_state["users_flash"] = _("Invitation sent to {email}.").format(email=made.username)
            st.rerun()

users = onboarding.users_of(principal, office.id)
client_names = {c.id: c.name for c in clients}
st.dataframe(pd.DataFrame([{
    _("user"): u.username, _("name"): u.display_name, _("role"): _(ROLE_WORDS.get(u.role, str(u.role))),
    _("client"): client_names.get(u.client_id or 0, ""),
    _("state"): _("invited") if u.invited and u.active else (_("active") if u.active else _("deactivated")),
} for u in users]), hide_index=True, width="stretch", key="users_table")

active = [u for u in users if u.active and u.id != principal.user_id]
if active:
    left, right = st.columns([3, 1])
    chosen = left.selectbox(_("Deactivate a user"), active, format_func=lambda u: f"{u.display_name} ({u.username})",
                            key="users_deactivate_choice")
    if right.button(_("Deactivate"), key="users_deactivate"):
        try:
            onboarding.deactivate_user(principal, chosen.id)
        except api.BoekbrugError:
            st.error(_("This user cannot be deactivated."))
        else:
            st.session_state["users_flash"] = _("{name} can no longer sign in.").format(name=chosen.display_name)
            st.rerun()


def mailed(call, done: str) -> None:  # type: ignore[no-untyped-def]
    """Run ``call`` (it e-mails); say ``done`` on the next run, or why it failed now."""
    try:
        call()
    except MailNotConfigured:
        st.error(_("E-mail is not set up on this server; ask the administrator to configure SMTP."))
    except api.BoekbrugError as error:
        st.error(plain(error.words()))
    except OSError:
        st.error(_("The e-mail could not be sent; try again later."))
    else:
        st.session_state["users_flash"] = done
        st.rerun()


waiting = [u for u in users if u.active and u.invited]
if waiting:
    left, right = st.columns([3, 1])
    again = left.selectbox(_("Send the invitation again (a new link; the old one stops working)"), waiting,
                           format_func=lambda u: f"{u.display_name} ({u.username})", key="users_resend_choice")
    if right.button(_("Send again"), key="users_resend"):
        mailed(lambda: onboarding.resend_invitation(principal, again.id, base_url=base_url()),
               _("A new invitation was sent to {email}; the earlier link no longer works.").format(email=again.username))

inactive = [u for u in users if not u.active and u.role in onboarding.INVITABLE]
if inactive:
    left, right = st.columns([3, 1])
    back = left.selectbox(_("Reactivate a user"), inactive, format_func=lambda u: f"{u.display_name} ({u.username})",
                          key="users_reactivate_choice")
    if right.button(_("Reactivate"), key="users_reactivate"):
        try:
            onboarding.reactivate_user(principal, back.id)
        except api.BoekbrugError as error:
            st.error(plain(error.words()))
        else:
            st.session_state["users_flash"] = _("{name} can sign in again.").format(name=back.display_name)
            st.rerun()
