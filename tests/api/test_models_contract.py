"""The client's pydantic models against the server's ``/api/v1/openapi.json``.

The dataset's fields are declared on both sides (the client keeps its own
models so that an older app still reads a newer server). This test is what
keeps the two from drifting apart silently: every field the client reads must
be one the server documents, with a JSON type the client accepts; a field the
client requires must be one the server always sends; a value the server may
send as ``null`` must be one the client accepts as ``None``; and every field
the client sends in a request body must be one the server's request schema
has. Nested models (a dataset's files, a login's user) are compared the same
way, through their references.

The schema is read from a real server process, as the app would see it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from pydantic import BaseModel

from omix_desktop.api import archive_models as wire
from omix_desktop.api import models as account_wire
from tests.support.server import ServerProcess

Schema = dict[str, Any]

ANSWERS: list[tuple[type[BaseModel], tuple[str, ...]]] = [
    (account_wire.User, ("UserOut",)),
    (account_wire.LoginResult, ("LoginResponse",)),
    (account_wire.BioProject, ("BioProjectOut",)),
    (wire.Organism, ("OrganismOut",)),
    (wire.DataType, ("DataTypeOut",)),
    (wire.PreuploadFile, ("PreuploadFileOut",)),
    (wire.OnlineUpload, ("OnlineUploadOut",)),
    (wire.OnlineUploads, ("OnlineUploadsOut",)),
    (wire.DatasetRow, ("DatasetRow",)),
    (wire.Dataset, ("DatasetOut",)),
    (wire.DataFile, ("DataFileOut",)),
    (wire.FileDiagnosis, ("FileDiagnosisOut",)),
    (wire.DatasetPage, ("DatasetPage",)),
    (wire.PublicDatasetDetail, ("DatasetDetail",)),
    (wire.Statistics, ("StatisticsOut",)),
    (wire.CurationItem, ("CurationItem",)),
    (wire.ReviewLink, ("ReviewLinkOut", "ReviewLinkState")),
    (wire.ReviewPreview, ("PreviewOut",)),
    (wire.AccessRequest, ("AccessRequestOut",)),
]
"""Each client model and the server answers it is read from (one model may read two)."""

REQUESTS: list[tuple[type[BaseModel], str]] = [
    (account_wire.Registration, "RegisterRequest"),
]
"""Client models sent as request bodies, and the server's schema for that body."""


@dataclass(frozen=True)
class Field:
    types: frozenset[str]
    """JSON types (``null`` included when allowed); ``object:<Name>`` for a model."""
    required: bool


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    ref = schema.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else schema


def _types(schema: Schema, defs: dict[str, Schema]) -> frozenset[str]:
    """The JSON types a value matching ``schema`` may have; models by name."""
    if "$ref" in schema:
        target = _resolve(schema, defs)
        if "properties" not in target:  # an enum or an alias: its values' type
            return _types(target, defs)
        return frozenset({f"object:{schema['$ref'].rsplit('/', 1)[-1]}"})
    if "anyOf" in schema:
        return frozenset().union(*(_types(option, defs) for option in schema["anyOf"]))
    if "enum" in schema and "type" not in schema:
        names = {str: "string", int: "integer", bool: "boolean", float: "number"}
        return frozenset(names.get(type(value), "any") for value in schema["enum"])
    kind = schema.get("type")
    if kind == "array":
        items = _types(schema.get("items", {}), defs)
        return frozenset(f"array:{item}" for item in items) or frozenset({"array"})
    if kind is None:
        return frozenset({"any"})
    return frozenset(kind if isinstance(kind, list) else [kind])


def _fields(schema: Schema, defs: dict[str, Schema]) -> dict[str, Field]:
    schema = _resolve(schema, defs)
    required = set(schema.get("required", ()))
    return {
        name: Field(_types(value, defs), name in required)
        for name, value in schema.get("properties", {}).items()
    }


def _accepts(client: frozenset[str], server: frozenset[str]) -> bool:
    """Whether every type the server may send is one the client takes.

    Models are matched by position only (their names differ between the two
    sides, ``DataFile`` and ``DataFileOut``); their fields are compared apart.
    An integer is a number to a client that reads numbers.
    """
    if "any" in client:
        return True

    def normal(kind: str) -> str:
        head, _, tail = kind.partition(":")
        if head == "object":
            return "object"
        if head == "array":
            return f"array:{normal(tail)}" if tail else "array"
        return kind

    taken = {normal(kind) for kind in client}
    if "number" in taken:
        taken.add("integer")
    return all(normal(kind) in taken for kind in server)


def _nested(kinds: frozenset[str]) -> str | None:
    for kind in kinds:
        name = kind.rsplit("object:", 1)
        if len(name) == 2:
            return name[1]
    return None


@pytest.fixture(scope="module")
def openapi(server: ServerProcess) -> Schema:
    response = requests.get(f"{server.api}/openapi.json", timeout=30)
    response.raise_for_status()
    spec: Schema = response.json()
    return spec


def _drift_in_answer(
    model: type[BaseModel], server_names: tuple[str, ...], server_defs: dict[str, Schema]
) -> Iterator[str]:
    client_schema = model.model_json_schema(mode="validation")
    yield from _compare(
        client_schema, client_schema.get("$defs", {}), server_names, server_defs, model.__name__
    )


def _compare(
    client_schema: Schema,
    client_defs: dict[str, Schema],
    server_names: tuple[str, ...],
    server_defs: dict[str, Schema],
    where: str,
) -> Iterator[str]:
    client = _fields(client_schema, client_defs)
    answers = [_fields({"$ref": f"#/components/schemas/{n}"}, server_defs) for n in server_names]
    for name, field in client.items():
        sent = [answer[name] for answer in answers if name in answer]
        if not sent:
            yield f"{where}.{name}: no answer of {', '.join(server_names)} has it"
            continue
        if field.required and not all(
            name in answer and answer[name].required for answer in answers
        ):
            yield f"{where}.{name}: required by the client, not always sent by the server"
        for server_field in sent:
            if not _accepts(field.types, server_field.types):
                yield (
                    f"{where}.{name}: the server sends {sorted(server_field.types)}, "
                    f"the client takes {sorted(field.types)}"
                )
            client_model, server_model = _nested(field.types), _nested(server_field.types)
            if client_model and server_model:
                yield from _compare(
                    {"$ref": f"#/$defs/{client_model}"},
                    client_defs,
                    (server_model,),
                    server_defs,
                    f"{where}.{name}",
                )


@pytest.mark.parametrize(("model", "server_names"), ANSWERS, ids=[m.__name__ for m, _ in ANSWERS])
def test_client_model_reads_what_the_server_sends(
    openapi: Schema, model: type[BaseModel], server_names: tuple[str, ...]
) -> None:
    server_defs = openapi["components"]["schemas"]
    for name in server_names:
        assert name in server_defs, f"the server's schema has no {name} any more"
    assert list(_drift_in_answer(model, server_names, server_defs)) == []


@pytest.mark.parametrize(("model", "server_name"), REQUESTS, ids=[m.__name__ for m, _ in REQUESTS])
def test_client_request_body_is_one_the_server_takes(
    openapi: Schema, model: type[BaseModel], server_name: str
) -> None:
    server_defs = openapi["components"]["schemas"]
    server = _fields({"$ref": f"#/components/schemas/{server_name}"}, server_defs)
    client_schema = model.model_json_schema(mode="serialization")
    client = _fields(client_schema, client_schema.get("$defs", {}))
    drift = [name for name in client if name not in server]
    missing = [name for name, field in server.items() if field.required and name not in client]
    drift += [f"{name} (required by the server)" for name in missing]
    assert drift == []


def test_the_comparison_sees_drift(openapi: Schema) -> None:
    """The check itself: a field the server does not send, or sends as null, is caught."""

    class Renamed(wire.DataFile):
        downloads: int

    class NotNullable(wire.DataFile):
        checking_reason: str  # type: ignore[assignment]

    server_defs = openapi["components"]["schemas"]
    renamed = list(_drift_in_answer(Renamed, ("DataFileOut",), server_defs))
    not_nullable = list(_drift_in_answer(NotNullable, ("DataFileOut",), server_defs))
    assert any("downloads" in line for line in renamed)
    assert any("checking_reason" in line for line in not_nullable)
