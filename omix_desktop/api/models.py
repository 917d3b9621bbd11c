"""What the server returns, as typed objects (pydantic, extra fields ignored).

Ignoring unknown fields lets an older app talk to a newer server.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Profile(_Wire):
    first_name: str
    middle_name: str = ""
    last_name: str
    street_address: str
    city: str
    state_province: str = ""
    postal_code: str
    country_region: str
    organization: str
    department: str
    laboratory: str = ""
    title_position: str = ""
    research_area: str = ""


class Registration(Profile):
    email: str
    password: str


class User(Profile):
    id: int
    email: str
    is_curator: bool = False
    created_at: datetime

    @property
    def display_name(self) -> str:
        parts = [self.first_name, self.middle_name, self.last_name]
        return " ".join(part for part in parts if part)


class LoginResult(_Wire):
    token: str
    expires_at: datetime
    user: User


class BioProject(_Wire):
    accession: str
    title: str
    description: str = ""
    created_at: datetime
