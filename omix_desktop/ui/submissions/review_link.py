"""What the reviewer-link buttons of My submissions do, and what they say.

The server keeps only a hash of a link's token (like a password), so the
link's address exists only in the answer that made it. Hence two actions:
"Reviewer link" makes a link when none is open and copies its address, or,
when one is open, says so (since when) and that only a new link gives an
address; "New reviewer link…" makes a new one, which replaces the open link
(its address stops working). No Qt here: the screen copies the address and
shows the text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from omix_desktop.api.archive_models import ReviewLink
from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.format import format_date
from omix_desktop.i18n.translator import Translator


class LinkApi(Protocol):
    def review_link(self, accession: str) -> ReviewLink | None: ...

    def create_review_link(self, accession: str) -> ReviewLink: ...


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    url: str | None
    """The address to copy: set only when a link was just made."""
    text: str
    """The translated message for the screen."""
    again: Callable[[Translator], str] | None = None
    """The same message in another language (kept by the screen for a language switch)."""


def replace_question(i18n: Translator) -> tuple[str, str]:
    """Title and text of the confirmation before a new link replaces the open one."""
    _ = i18n.gettext
    return _("New reviewer link"), _(
        "Make a new reviewer link? If a link is open, it is closed: reviewers who have "
        "its address can no longer open it, so send them the new one."
    )


def open_link_text(link: ReviewLink, i18n: Translator) -> str:
    _ = i18n.gettext
    return fill(
        _(
            "A reviewer link has been open since {date}. Its address is shown only once, when the "
            "link is made; to get an address, use “New reviewer link…”: it replaces the "
            "open link, whose address then stops working."
        ),
        {"date": format_date(link.created_at, i18n.locale)},
    )


def created_text(link: ReviewLink, i18n: Translator) -> str:
    _ = i18n.gettext
    if link.replaced:
        template = _(
            "New reviewer link copied: {url}. The previous link no longer works. It shows "
            "the metadata and file list, never the files; share it only with reviewers. "
            "It closes on release."
        )
    else:
        template = _(
            "Reviewer link copied: {url}. It shows the metadata and file list, never "
            "the files; share it only with reviewers. It closes on release."
        )
    return fill(template, {"url": link.url or ""})


async def show_or_make(
    api: LinkApi, accession: str, i18n: Translator, replace: bool = False
) -> LinkOutcome:
    """Make a link (``replace``: even if one is open) or describe the open one.

    HTTP runs in a worker thread; :class:`ApiError` propagates to the caller.
    """
    if not replace:
        current = await asyncio.to_thread(api.review_link, accession)
        if current is not None:
            again = partial(open_link_text, current)
            return LinkOutcome(None, open_link_text(current, i18n), again)
    link = await asyncio.to_thread(api.create_review_link, accession)
    return LinkOutcome(link.url, created_text(link, i18n), lambda tr: created_text(link, tr))
