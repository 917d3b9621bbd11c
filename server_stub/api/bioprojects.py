"""BioProjects: a user lists theirs and creates new ones."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from server_stub.api.deps import SessionDep, UserDep
from server_stub.api.responses import SIGNED_IN
from server_stub.models import BioProject
from server_stub.text_rules import MultiLine, SingleLine

router = APIRouter(prefix="/bioprojects", tags=["bioprojects"], responses=SIGNED_IN)


class BioProjectCreate(BaseModel):
    title: SingleLine = Field(max_length=500)
    description: MultiLine = Field(default="", max_length=10000)

    @field_validator("title")
    @classmethod
    def _title_required(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("This field is required.")
        return value.strip()


class BioProjectOut(BaseModel):
    accession: str
    title: str
    description: str
    created_at: datetime


def accession_for(bioproject_id: int) -> str:
    return f"PRJCA{bioproject_id:06d}"


def _out(project: BioProject) -> BioProjectOut:
    return BioProjectOut(
        accession=project.accession or "",
        title=project.title,
        description=project.description,
        created_at=project.created_at,
    )


@router.get("", response_model=list[BioProjectOut])
def list_mine(user: UserDep, session: SessionDep) -> list[BioProjectOut]:
    rows = session.scalars(
        select(BioProject).where(BioProject.user_id == user.id).order_by(BioProject.id)
    )
    return [_out(project) for project in rows]


@router.post("", status_code=201, response_model=BioProjectOut)
def create(body: BioProjectCreate, user: UserDep, session: SessionDep) -> BioProjectOut:
    project = BioProject(user_id=user.id, title=body.title, description=body.description)
    session.add(project)
    session.flush()
    project.accession = accession_for(project.id)
    return _out(project)
