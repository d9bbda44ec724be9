"""QA REST routes: metrics across stored calls (JSON or CSV), one call's review (timeline + diff), filter facets.

Agents see their own calls only; QA sees all (the same rule as /api/calls).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from assistant import qa
from assistant.server import auth

router = APIRouter(prefix="/api/qa", tags=["qa"])


def _principal(request: Request):
    principal = auth.principal_for(request, request.app.state.hub.settings)
    if principal is None:
        raise HTTPException(401, "missing or unknown token")
    return principal


def _utc(dt: datetime | None) -> datetime | None:
    """Times with an offset (+08:00) compared in UTC, as the store keeps them; naive ones are taken as UTC."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc) if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@router.get("/metrics")
async def metrics(request: Request, format: Literal["json", "csv"] = "json",
                  table: Literal["fields", "calls"] = Query("fields", description="which table the CSV holds"),
                  since: datetime | None = None, until: datetime | None = None, agent_id: str | None = None):
    """How often each auto-filled field was accepted, edited or cleared; template top-1 acceptance; time from call
    start to a complete ticket. Definitions: assistant/qa.py."""
    principal = _principal(request)
    if principal.role == "agent":
        agent_id = principal.agent_id
    if since and until and _utc(since) > _utc(until):
        raise HTTPException(422, "since is later than until")
    hub = request.app.state.hub
    calls = await hub.db(qa.load_calls, hub.store, agent_id=agent_id, since=_utc(since), until=_utc(until))
    ids = set().union(*(qa.call_template_ids(c) for c in calls))
    result = qa.summarise(calls, qa.field_labels(ids, hub.catalogue))
    result["filters"] = {"agent_id": agent_id, "since": since.isoformat() if since else None,
                         "until": until.isoformat() if until else None}
    if format == "csv":
        return Response(qa.metrics_csv(result, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="qa-{table}.csv"'})
    return result


@router.get("/calls/{call_id}")
async def call_review(request: Request, call_id: str) -> dict:
    """A stored call with its field timeline, the diff of the assistant's values against the submitted ticket,
    Chinese labels and template names."""
    principal = _principal(request)
    hub = request.app.state.hub
    call = await hub.db(hub.store.get_call, call_id)
    if call is None or not auth.may_view(principal, call["agent_id"]):
        raise HTTPException(404, f"unknown call {call_id}")
    return qa.review(call, hub.catalogue)


@router.get("/facets")
async def facets(request: Request) -> dict:
    """Agents, templates (with names) and districts that occur in the calls this token may see."""
    principal = _principal(request)
    hub = request.app.state.hub
    found = await hub.db(qa.facets, hub.store, principal.agent_id if principal.role == "agent" else None)
    names = qa.template_names(found["templates"], hub.catalogue)
    return {**found, "templates": [{"id": t, "name": names[t]} for t in found["templates"]]}
