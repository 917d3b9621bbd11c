"""The curator's page: sign in, see datasets waiting for curation, decide.

Signing in posts email and password and gets an HttpOnly cookie holding an
ordinary API token (stored hashed like every other token), so signing out
or changing the password ends it the same way. Forms carry a token derived
from the session (CSRF), and the cookie is ``SameSite=Lax``.

The sign-in form has no session to derive a token from, yet a forged
cross-site sign-in (login CSRF: the curator's browser silently signed in to
an account of the attacker's) must fail too. It uses the double-submit
pattern: the form page sets a random token in a ``SameSite=Strict``,
HttpOnly cookie and the same value in a hidden field; the post must carry
both, equal (``hmac.compare_digest``). Another site can neither read the
cookie nor make the browser send it, so its post is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import update
from sqlalchemy.orm import Session

from server_stub import curation
from server_stub.accounts import authenticate, user_for_token
from server_stub.api.deps import SessionDep, SettingsDep
from server_stub.errors import ApiError
from server_stub.models import AuthToken, User, utcnow
from server_stub.security import new_token, token_digest
from server_stub.text_rules import MultiLine, Secret, SingleLine
from server_stub.web.render import gettext, message_page, render

router = APIRouter(prefix="/curation", include_in_schema=False)

COOKIE = "omix_session"
LOGIN_COOKIE = "omix_login_csrf"
"""The sign-in form's pre-session token (double submit, see the module docstring)."""
LOGIN_TOKEN_MAX = 64


def csrf_token(session_token: str) -> str:
    return hashlib.sha256(f"omix-csrf:{session_token}".encode()).hexdigest()


def _login_page(
    request: Request,
    status_code: int = 200,
    error: str | None = None,
    email: str | None = None,
) -> Response:
    """The sign-in form with its pre-session token (the visitor's, or a new one)."""
    token = request.cookies.get(LOGIN_COOKIE, "")
    if not token or len(token) > LOGIN_TOKEN_MAX:
        token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        status_code=status_code,
        nav="curation",
        error=error,
        email=email,
        login_csrf=token,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/curation",
    )
    return response


def _login_token_ok(request: Request, posted: str) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not posted or len(cookie) > LOGIN_TOKEN_MAX:
        return False
    return hmac.compare_digest(cookie.encode(), posted.encode())


def _signed_in(request: Request, session: Session) -> tuple[User, str] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        return user_for_token(session, token), token
    except ApiError:
        return None


def _page(
    request: Request,
    session: Session,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    signed_in = _signed_in(request, session)
    if signed_in is None:
        return _login_page(request)
    user, token = signed_in
    if not user.is_curator:
        _ = gettext(request)
        return message_page(
            request,
            403,
            _("Curators only"),
            _("You are signed in as %(email)s, which has no curator role.") % {"email": user.email},
        )
    return render(
        request,
        "curation.html",
        status_code=status_code,
        nav="curation",
        user=user,
        csrf=csrf_token(token),
        datasets=curation.curation_queue(session),
        notice=notice,
        error=error,
    )


@router.get("", response_class=HTMLResponse)
def curation_page(request: Request, session: SessionDep) -> Response:
    _ = gettext(request)
    done = request.query_params.get("done")
    accession = request.query_params.get("acc", "")
    notices = {
        "approved": _("%(accession)s is curated: it will be released on its release date."),
        "returned": _("%(accession)s was returned to the submitter with your message."),
    }
    notice = notices[done] % {"accession": accession} if done in notices else None
    return _page(request, session, notice=notice)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[SingleLine, Form(max_length=254)],
    password: Annotated[Secret, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    _ = gettext(request)
    if not _login_token_ok(request, csrf):
        text = _(
            "This sign-in did not come from this site's sign-in form, or the form has "
            "expired. Sign in again from this page."
        )
        return _login_page(request, status_code=403, error=text, email=email)
    try:
        address = request.client.host if request.client is not None else "unknown"
        user = authenticate(session, email, password, address)
    except ApiError as error:
        session.commit()  # keep the failure count
        text = {
            "too_many_attempts": _("Too many failed sign-ins; wait a moment and try again."),
        }.get(error.code, _("Wrong email or password."))
        return _login_page(request, status_code=error.status, error=text, email=email)
    token, digest = new_token()
    expires_at = utcnow() + settings.token_lifetime
    session.add(AuthToken(user_id=user.id, token_hash=digest, expires_at=expires_at))
    response = RedirectResponse("/curation", status_code=303)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(settings.token_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/curation")
    return response


def _checked(request: Request, session: Session, csrf: str) -> tuple[User, str] | Response:
    signed_in = _signed_in(request, session)
    if signed_in is None:
        return RedirectResponse("/curation", status_code=303)
    user, token = signed_in
    if not hmac.compare_digest(csrf, csrf_token(token)):
        _ = gettext(request)
        return message_page(
            request, 403, _("Form expired"), _("Reload the curation page and try again.")
        )
    return user, token


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, csrf: Annotated[str, Form(max_length=128)] = ""
) -> Response:
    checked = _checked(request, session, csrf)
    if isinstance(checked, Response):
        return checked
    user, token = checked
    session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_digest(token), AuthToken.user_id == user.id)
        .values(revoked_at=utcnow())
    )
    response = RedirectResponse("/curation", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


def _decide(
    request: Request,
    session: Session,
    accession: str,
    csrf: str,
    message: str | None,
) -> Response:
    checked = _checked(request, session, csrf)
    if isinstance(checked, Response):
        return checked
    user, _token = checked
    _ = gettext(request)
    if not user.is_curator:
        return message_page(request, 403, _("Curators only"), _("Only curators may do this."))
    try:
        if message is None:
            curation.approve(session, accession, user)
            session.commit()
            request.app.state.release_waker.wake()  # a dataset due today goes out now
            done = "approved"
        else:
            curation.return_to_submitter(session, accession, user, message)
            done = "returned"
    except ApiError as error:
        session.rollback()
        return _page(request, session, error=error.message, status_code=error.status)
    return RedirectResponse(f"/curation?done={done}&acc={accession}", status_code=303)


@router.post("/{accession}/approve")
def approve(
    accession: str,
    request: Request,
    session: SessionDep,
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    return _decide(request, session, accession, csrf, None)


@router.post("/{accession}/return")
def return_dataset(
    accession: str,
    request: Request,
    session: SessionDep,
    message: Annotated[MultiLine, Form(max_length=4000)],
    csrf: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    return _decide(request, session, accession, csrf, message.strip() or "-")
