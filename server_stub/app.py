"""The FastAPI application: routers under ``/api/v1`` and the error format."""

from __future__ import annotations

from types import ModuleType

from fastapi import APIRouter, FastAPI

from omix_wire.version import version
from server_stub import __doc__ as description
from server_stub import web
from server_stub.api import (
    access,
    auth,
    bioprojects,
    curation,
    datasets,
    downloads,
    preupload,
    public,
    reference,
    responses,
    review_links,
    uploads,
)
from server_stub.config import Settings
from server_stub.datasets.search import StatisticsCache
from server_stub.db import Database
from server_stub.errors import install_error_handlers
from server_stub.preupload.records import PreuploadRecords
from server_stub.release import models as release_models  # noqa: F401  (registers the release tables)
from server_stub.release.scheduler import ReleaseWaker
from server_stub.server_id import server_id
from server_stub.web import security_headers

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings,
    database: Database,
    records: PreuploadRecords,
    release_waker: ReleaseWaker | None = None,
) -> FastAPI:
    """The HTTP app; ``release_waker`` reaches the process's release scheduler."""
    app = FastAPI(
        title="OMIX reference archive",
        description=description or "",
        version=version(),
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.records = records
    app.state.release_waker = release_waker or ReleaseWaker()
    app.state.in_flight_uploads = uploads.InFlightBytes()
    app.state.statistics = StatisticsCache()
    responses.install(app)  # the schema shows our error bodies, not FastAPI's own
    install_error_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    routers: tuple[ModuleType, ...] = (auth, bioprojects, reference, preupload, uploads)
    routers += (datasets, public)
    routers += (curation, review_links, access, downloads)
    for module in routers:
        api.include_router(module.router)

    # the upload area is the data folder, or on a site the folder every node shares:
    # then all nodes announce one id, and clients keep one queue for the site
    identity = server_id(settings.upload_area)

    @api.get("/health", tags=["meta"])
    def health() -> dict[str, object]:
        """Alive, and how to reach the FTP endpoints (clients configure themselves).

        The FTP host is the one the client used for HTTP: the bind address may
        be a wildcard that means nothing to a client.
        """
        return {
            "status": "ok",
            "version": version(),
            "ftp_port": settings.ftp_port,
            "ftp_tls": settings.ftp_tls_cert is not None,
            "public_ftp_port": settings.public_ftp_port,
            "server_id": identity,
        }

    app.include_router(api)
    web.install(app)
    security_headers.install(app, docs_path=app.docs_url)
    return app
