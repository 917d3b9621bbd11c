"""Accounts: register, sign in and out, who am I, change password."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import BaseModel, BeforeValidator, EmailStr, Field, field_validator
from sqlalchemy import update

from server_stub.accounts import authenticate, end_password_sessions, find_user, normalize_email
from server_stub.api.deps import AddressDep, SessionDep, SettingsDep, TokenDep, UserDep
from server_stub.api.responses import SIGNED_IN, errors
from server_stub.errors import ApiError
from server_stub.models import AuthToken, User, utcnow
from server_stub.security import hash_password, new_token, token_digest, verify_password
from server_stub.text_rules import Secret, SingleLine, check_single_line, single_line_before

router = APIRouter(prefix="/auth", tags=["accounts"])

MIN_PASSWORD = 8


def _required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("This field is required.")
    return value


class Profile(BaseModel):
    """The guide's registration form, minus the password."""

    first_name: str = Field(max_length=100)
    middle_name: str = Field(default="", max_length=100)
    last_name: str = Field(max_length=100)
    street_address: str = Field(max_length=255)
    city: str = Field(max_length=100)
    state_province: str = Field(default="", max_length=100)
    postal_code: str = Field(max_length=20)
    country_region: str = Field(max_length=100)
    organization: str = Field(max_length=255)
    department: str = Field(max_length=255)
    laboratory: str = Field(default="", max_length=255)
    title_position: str = Field(default="", max_length=255)
    research_area: str = Field(default="", max_length=255)

    _required_fields = field_validator(
        "first_name",
        "last_name",
        "street_address",
        "city",
        "postal_code",
        "country_region",
        "organization",
        "department",
    )(_required)


class RegisterRequest(Profile):
    """The profile's text is single-line here, not in :class:`UserOut` (what is stored)."""

    email: Annotated[EmailStr, BeforeValidator(single_line_before)] = Field(max_length=254)
    password: Secret = Field(min_length=MIN_PASSWORD, max_length=1024)

    _single_line = field_validator(*Profile.model_fields)(check_single_line)


class UserOut(Profile):
    id: int
    email: str
    is_curator: bool
    created_at: datetime


class LoginRequest(BaseModel):
    email: SingleLine = Field(max_length=254)
    password: Secret = Field(max_length=1024)


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserOut


class PasswordChange(BaseModel):
    current_password: Secret = Field(max_length=1024)
    new_password: Secret = Field(min_length=MIN_PASSWORD, max_length=1024)


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


@router.post("/register", status_code=201, response_model=UserOut, responses=errors(409))
def register(body: RegisterRequest, session: SessionDep) -> UserOut:
    email = normalize_email(str(body.email))
    if find_user(session, email) is not None:
        raise ApiError(409, "email_taken", "An account with this email already exists.", "email")
    fields = body.model_dump(exclude={"email", "password"})
    user = User(email=email, password_hash=hash_password(body.password), **fields)
    session.add(user)
    session.flush()
    return user_out(user)


@router.post("/login", response_model=LoginResponse, responses=errors(401, 429))
def login(
    body: LoginRequest, session: SessionDep, settings: SettingsDep, address: AddressDep
) -> LoginResponse:
    try:
        user = authenticate(session, body.email, body.password, address)
    except ApiError:
        session.commit()  # keep the failure count even though we refuse
        raise
    token, digest = new_token()
    expires_at = utcnow() + settings.token_lifetime
    session.add(AuthToken(user_id=user.id, token_hash=digest, expires_at=expires_at))
    return LoginResponse(token=token, expires_at=expires_at, user=user_out(user))


@router.post("/logout", status_code=204, responses=SIGNED_IN)
def logout(token: TokenDep, user: UserDep, session: SessionDep) -> Response:
    session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_digest(token), AuthToken.user_id == user.id)
        .values(revoked_at=utcnow())
    )
    end_password_sessions(user)
    return Response(status_code=204)


@router.get("/me", response_model=UserOut, responses=SIGNED_IN)
def me(user: UserDep) -> UserOut:
    return user_out(user)


@router.post("/password", status_code=204, responses=errors(401, 403))
def change_password(
    body: PasswordChange, token: TokenDep, user: UserDep, session: SessionDep
) -> Response:
    """Changing the password signs out every other session of the account, FTP too."""
    if not verify_password(user.password_hash, body.current_password):
        raise ApiError(403, "wrong_password", "The current password is wrong.", "current_password")
    user.password_hash = hash_password(body.new_password)
    end_password_sessions(user)
    session.execute(
        update(AuthToken)
        .where(
            AuthToken.user_id == user.id,
            AuthToken.token_hash != token_digest(token),
            AuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return Response(status_code=204)
