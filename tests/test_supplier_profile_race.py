"""Two first invoices of one supplier released at the same moment share one supplier profile."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from models import SupplierProfile
from pipeline.core import accounts
from pipeline.core.db import session_factory, unit_of_work
from pipeline.suppliers.memory import profile_for

VALUES = {"supplier_vat": "BE0202239951", "supplier_name": "Bakkerij Peeters"}
KEY = "BE0202239951"


def test_simultaneous_first_releases_share_one_profile(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        office_id = accounts.get_or_create_office(session, "Kantoor Noord").id
    first = session_factory(db_url)()
    mine = profile_for(first, office_id, KEY, VALUES)
    first.flush()  # inserted, not committed: the other release cannot see it yet
    outcome: dict[str, object] = {}

    def other_release() -> None:
        try:
            with unit_of_work(db_url) as session:
                outcome["id"] = profile_for(session, office_id, KEY, VALUES).id
        except Exception as error:  # noqa: BLE001 - the test reports it
            outcome["error"] = error

    thread = threading.Thread(target=other_release)
    thread.start()
    time.sleep(0.5)  # the other release is now waiting on the first one's row
    first.commit()
    thread.join(timeout=60)
    first.close()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["id"] == mine.id
    with unit_of_work(db_url) as session:
        assert session.scalar(select(func.count()).select_from(SupplierProfile)) == 1
