"""Who am I, and which clients may I use."""

from __future__ import annotations

from fastapi import APIRouter

from pipeline import api
from pipeline.http.auth import READ, Caller
from pipeline.http.schemas import ClientOut, Me

router = APIRouter(tags=["account"])


@router.get(
    "/me", response_model=Me, summary="The caller: role, office or client, scopes"
)
def me(caller: Caller = READ) -> Me:
    p = caller.principal
    return Me(
        user_id=p.user_id,
        name=p.display_name,
        role=str(p.role),
        office_id=p.office_id,
        client_id=p.client_id,
        scopes=sorted(caller.scopes),
        token_id=caller.token_id,
    )


@router.get(
    "/clients", response_model=list[ClientOut], summary="The clients the caller may see"
)
def clients(caller: Caller = READ) -> list[ClientOut]:
    return [ClientOut(id=c.id, name=c.name) for c in api.clients_for(caller.principal)]
