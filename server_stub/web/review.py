"""The reviewer preview: metadata and file list of an unreleased dataset.

Never a download link or a file address. An unknown token gets 404, a
closed link (closed by the owner, or by the release) gets 410, both as a
plain page in the visitor's language.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import joinedload, selectinload

from server_stub import review_links
from server_stub.api.deps import SessionDep
from server_stub.datasets import catalog
from server_stub.models import Dataset
from server_stub.release.models import ReviewLink
from server_stub.web.render import gettext, message_page, render

router = APIRouter(include_in_schema=False)


@router.get("/review/{token}", response_class=HTMLResponse)
def review_page(token: str, request: Request, session: SessionDep) -> HTMLResponse:
    _ = gettext(request)
    link = review_links.review_link(
        session,
        token,
        joinedload(ReviewLink.dataset).options(
            joinedload(Dataset.bioproject),
            joinedload(Dataset.user),
            selectinload(Dataset.files),
        ),
    )
    if link is None:
        return message_page(
            request,
            404,
            _("Unknown preview link"),
            _("This reviewer link does not exist. Check that the whole address was copied."),
        )
    if link.closed_at is not None or link.dataset.released_at is not None:
        return message_page(
            request,
            410,
            _("This preview link is closed"),
            _(
                "The owner closed this reviewer link, or the dataset has been released; "
                "released data are listed in the released data browser."
            ),
        )
    response = render(request, "review.html", d=catalog.preview(link.dataset))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
