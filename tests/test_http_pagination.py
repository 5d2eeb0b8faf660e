"""Released documents page by page: a cursor that stays right while documents are released in between."""

from __future__ import annotations

from tests.test_http_world import HttpWorld, http_world_fixture  # noqa: F401


def _walk(
    http, client_id: int, cursor: str | None = None, **params: object
) -> tuple[list[int], str, bool]:  # type: ignore[no-untyped-def]
    answer = http.get(
        f"/v1/clients/{client_id}/released-documents",
        params={"limit": 2, **params, **({"cursor": cursor} if cursor else {})},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return [item["id"] for item in body["items"]], body["next_cursor"], body["has_more"]


def test_pages_are_stable_under_inserts_and_later_releases_come_after_the_cursor(
    http_world: HttpWorld,
) -> None:
    w = http_world
    first = [w.release(f"PG-{n}", f"2026-11-{n + 1:02d}") for n in range(5)]
    seen: list[int] = []
    with w.as_("office_a") as http:
        page, cursor, more = _walk(http, w.client_a)
        seen += page
        # released while the package pages: another client of the office, another office, and this client
        w.release("PG-A2", client="a2")
        w.release("PG-B", client="b")
        later = [w.release("PG-5", "2026-10-01"), w.release("PG-6", "2026-12-24")]
        while more:
            page, cursor, more = _walk(http, w.client_a, cursor)
            seen += page
        assert (
            seen == first + later
        )  # each exactly once, in release order, none of another client
        # the package keeps its last cursor and asks again later: only what was released since
        assert _walk(http, w.client_a, cursor) == ([], cursor, False)
        newest = w.release("PG-7")
        assert _walk(http, w.client_a, cursor, limit=100)[0] == [newest]


def test_period_and_status_filters_and_a_forged_cursor(http_world: HttpWorld) -> None:
    w = http_world
    october = w.release("PF-1", "2026-10-15")
    november = w.release("PF-2", "2026-11-15")
    with w.as_("office_a") as http:
        assert _walk(
            http, w.client_a, limit=100, **{"from": "2026-11-01", "to": "2026-11-30"}
        )[0] == [november]
        assert _walk(http, w.client_a, limit=100, to="2026-10-31")[0] == [october]
        assert (
            http.get(f"/v1/documents/{october}/ubl").status_code == 200
        )  # delivered now
        assert _walk(http, w.client_a, limit=100, status="released")[0] == [november]
        assert _walk(http, w.client_a, limit=100, status="delivered")[0] == [october]
        items = http.get(f"/v1/clients/{w.client_a}/released-documents").json()["items"]
        assert [(i["id"], i["delivered"], i["total_incl_vat"]) for i in items] == [
            (october, True, "1263.00"),
            (november, False, "1263.00"),
        ]
        for forged in ("42", "cjE6eHl6", "!!!"):
            answer = http.get(
                f"/v1/clients/{w.client_a}/released-documents",
                params={"cursor": forged},
            )
            assert (
                answer.status_code == 422 and answer.json()["code"] == "invalid_cursor"
            )
        assert (
            http.get(
                f"/v1/clients/{w.client_a}/released-documents", params={"limit": 0}
            ).status_code
            == 422
        )
