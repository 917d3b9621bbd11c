"""API calls about files, datasets, reviewer links and the public archive.

A mixin of :class:`~omix_desktop.api.client.ApiClient`, kept apart so the
client's plumbing (session, retries, errors) stays small. Request bodies are
plain dicts with the server's field names; answers are the typed models of
:mod:`omix_desktop.api.archive_models`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel

from omix_desktop.api.archive_models import (
    AccessRequest,
    CurationItem,
    DataFile,
    Dataset,
    DatasetPage,
    DatasetRow,
    DataType,
    FileDiagnosis,
    OnlineUpload,
    OnlineUploads,
    Organism,
    PreuploadFile,
    PublicDatasetDetail,
    ReviewLink,
    ReviewPreview,
    Statistics,
)
from omix_desktop.api.errors import NotFoundError

Model = TypeVar("Model", bound=BaseModel)
Progress = Callable[[int, int], None]
"""Called with (bytes sent, bytes in all)."""

UPLOAD_TIMEOUT = (10.0, 300.0)
"""An online upload ends with the server syncing the file: allow it time."""


class _ProgressReader:
    """A file that reports how much of it requests has sent.

    requests streams a file-like body in blocks and, given ``len``, sends a
    Content-Length, so the server can refuse an oversized upload at once.
    """

    def __init__(self, source: IO[bytes], total: int, progress: Progress | None) -> None:
        self._source = source
        self._total = total
        self._sent = 0
        self._progress = progress

    def __len__(self) -> int:
        return self._total

    def read(self, size: int = -1) -> bytes:
        block = self._source.read(size if size and size > 0 else 1 << 20)
        self._sent += len(block)
        if self._progress is not None and block:
            self._progress(self._sent, self._total)
        return block


def _body(value: BaseModel | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return {key: _jsonable(item) for key, item in value.items()}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


class ArchiveCalls:
    """Everything after signing in: pre-upload, datasets, review, public, access."""

    server_url: str

    if TYPE_CHECKING:  # provided by ApiClient

        def request(self, method: str, path: str, **kwargs: Any) -> requests.Response: ...
        def get_json(self, path: str, **kwargs: Any) -> Any: ...
        def _model(self, model: type[Model], response: requests.Response) -> Model: ...

    def _models(self, model: type[Model], items: list[Any]) -> list[Model]:
        return [model.model_validate(item) for item in items]

    # -- reference lists -----------------------------------------------------------

    def organisms(self, query: str, limit: int = 20) -> list[Organism]:
        """Hint list for the organism field (the server wants at least 3 letters)."""
        params = {"q": query, "limit": limit}
        return self._models(Organism, self.get_json("/reference/organisms", params=params))

    def data_types(self) -> list[DataType]:
        return self._models(DataType, self.get_json("/reference/data-types"))

    # -- pre-upload area and online uploads ---------------------------------------

    def preupload_files(self) -> list[PreuploadFile]:
        return self._models(PreuploadFile, self.get_json("/preupload/files"))

    def delete_preupload_file(self, path: str) -> None:
        self.request("DELETE", "/preupload/files", params={"path": path})

    def upload_online(self, path: Path, progress: Progress | None = None) -> OnlineUpload:
        """Send one file over HTTPS (submissions under 100 MB in all), streamed."""
        total = os.path.getsize(path)
        with open(path, "rb") as source:
            response = self.request(
                "POST",
                "/uploads",
                params={"filename": path.name},
                data=_ProgressReader(source, total, progress),
                headers={"Content-Type": "application/octet-stream"},
                timeout=UPLOAD_TIMEOUT,
            )
        return self._model(OnlineUpload, response)

    def online_uploads(self) -> OnlineUploads:
        return self._model(OnlineUploads, self.request("GET", "/uploads"))

    def discard_online_upload(self, token: str) -> None:
        self.request("DELETE", f"/uploads/{quote(token)}")

    # -- my datasets ---------------------------------------------------------------

    def my_datasets(self, query: str = "", sort: str = "-updated_at") -> list[DatasetRow]:
        params = {"q": query, "sort": sort}
        return self._models(DatasetRow, self.get_json("/datasets", params=params))

    def dataset(self, accession: str) -> Dataset:
        return self._dataset("GET", f"/datasets/{quote(accession)}")

    def create_dataset(self, body: BaseModel | Mapping[str, Any]) -> Dataset:
        return self._dataset("POST", "/datasets", json=_body(body))

    def update_dataset(self, accession: str, changes: Mapping[str, Any]) -> Dataset:
        """Basic info; an earlier ``release_date`` releases early; MOST number after release."""
        return self._dataset("PATCH", f"/datasets/{quote(accession)}", json=_body(changes))

    def add_files(self, accession: str, files: list[Mapping[str, Any]]) -> Dataset:
        body = {"files": [_body(item) for item in files]}
        return self._dataset("POST", f"/datasets/{quote(accession)}/files", json=body)

    def update_file(self, accession: str, file_id: str, changes: Mapping[str, Any]) -> DataFile:
        """Edit a file's info or fix its MD5 (verified again at once by the server)."""
        path = f"/datasets/{quote(accession)}/files/{quote(file_id)}"
        return self._model(DataFile, self.request("PATCH", path, json=_body(changes)))

    def delete_file(self, accession: str, file_id: str) -> None:
        self.request("DELETE", f"/datasets/{quote(accession)}/files/{quote(file_id)}")

    def file_diagnosis(self, accession: str, file_id: str) -> FileDiagnosis:
        path = f"/datasets/{quote(accession)}/files/{quote(file_id)}/diagnosis"
        return self._model(FileDiagnosis, self.request("GET", path))

    def resubmit(self, accession: str) -> CurationItem:
        """Send a dataset the curators returned back to them."""
        path = f"/datasets/{quote(accession)}/resubmit"
        return self._model(CurationItem, self.request("POST", path))

    def _dataset(self, method: str, path: str, **kwargs: Any) -> Dataset:
        return self._model(Dataset, self.request(method, path, **kwargs))

    # -- reviewer links --------------------------------------------------------------

    def create_review_link(self, accession: str) -> ReviewLink:
        """A new link with its address (the only time it is given); an open one is replaced."""
        path = f"/datasets/{quote(accession)}/review-link"
        return self._model(ReviewLink, self.request("POST", path))

    def review_link(self, accession: str) -> ReviewLink | None:
        """The dataset's open link, ``None`` when none is open (never made or closed).

        Without its address: the server cannot give it back (it keeps a hash).
        """
        try:
            response = self.request("GET", f"/datasets/{quote(accession)}/review-link")
        except NotFoundError as error:
            if error.code == "review_link_not_found":
                return None
            raise
        return self._model(ReviewLink, response)

    def close_review_link(self, accession: str) -> None:
        self.request("DELETE", f"/datasets/{quote(accession)}/review-link")

    def review_preview(self, token: str) -> ReviewPreview:
        return self._model(ReviewPreview, self.request("GET", f"/review/{quote(token)}"))

    # -- the public archive ----------------------------------------------------------

    def public_datasets(
        self,
        query: str = "",
        sort: str = "released",
        order: str = "desc",
        page: int = 1,
        page_size: int = 20,
    ) -> DatasetPage:
        params = {"q": query, "sort": sort, "order": order, "page": page, "size": page_size}
        return self._model(DatasetPage, self.request("GET", "/public/datasets", params=params))

    def public_dataset(self, accession: str) -> PublicDatasetDetail:
        path = f"/public/datasets/{quote(accession)}"
        return self._model(PublicDatasetDetail, self.request("GET", path))

    def statistics(self) -> Statistics:
        return self._model(Statistics, self.request("GET", "/public/statistics"))

    def download_url(self, file_id: str) -> str:
        """The first download address, which servers keep as an alias.

        Prefer a file's ``download_url`` from :meth:`public_dataset`: it ends
        with the public name, as on FTP, and has its ``.md5`` beside it.
        """
        return f"{self.server_url}/api/v1/public/files/{quote(file_id)}/download"

    def on_this_server(self, url: str) -> str:
        """An address the server gave, on the server this client signed in to.

        The server writes its addresses with its configured public base URL
        (a proxy, or a name this computer may not resolve); keeping the path
        but this client's server means the bearer token the session carries
        goes only where the user signed in.
        """
        marker = "/api/v1/"
        if url.startswith(self.server_url + "/") or marker not in url:
            return url
        return self.server_url + marker + url.split(marker, 1)[1]

    def file_md5(self, file_id: str, md5_url: str | None = None) -> str:
        """The MD5 in a released file's md5sum-format ``.md5`` (what ``md5sum -c`` checks).

        ``md5_url`` is the file list's address of the ``.md5``; without it
        (an older server) the first address, ``…/<file id>/md5``, is asked.
        """
        path = f"/public/files/{quote(file_id)}/md5"
        if md5_url and "/api/v1/" in md5_url:
            path = "/" + md5_url.split("/api/v1/", 1)[1]  # asked of this client's server
        text = self.request("GET", path).text
        return text.split()[0].lower() if text.strip() else ""

    def md5_companion(self, md5_url: str) -> str:
        """The text of a released file's ``.md5`` (``<md5>  <name>``), from this server.

        Saved beside a download as it is, so ``md5sum -c`` checks the file
        against the archive's own line rather than one this client wrote.
        """
        return self.request("GET", "/" + md5_url.split("/api/v1/", 1)[-1].lstrip("/")).text

    # -- controlled access -----------------------------------------------------------

    def request_access(self, accession: str, purpose: str) -> AccessRequest:
        path = f"/public/datasets/{quote(accession)}/access-requests"
        response = self.request("POST", path, json={"purpose": purpose})
        return self._model(AccessRequest, response)

    def my_access_requests(self) -> list[AccessRequest]:
        return self._models(AccessRequest, self.get_json("/access-requests/mine"))

    def dataset_access_requests(self, accession: str) -> list[AccessRequest]:
        path = f"/datasets/{quote(accession)}/access-requests"
        return self._models(AccessRequest, self.get_json(path))

    def approve_access(self, accession: str, request_id: int, message: str = "") -> AccessRequest:
        return self._decide(accession, request_id, "approve", message)

    def reject_access(self, accession: str, request_id: int, message: str = "") -> AccessRequest:
        return self._decide(accession, request_id, "reject", message)

    def _decide(self, accession: str, request_id: int, verb: str, message: str) -> AccessRequest:
        path = f"/datasets/{quote(accession)}/access-requests/{request_id}/{verb}"
        response = self.request("POST", path, json={"message": message})
        return self._model(AccessRequest, response)

    # -- curation (curators only) ----------------------------------------------------

    def curation_queue(self) -> list[CurationItem]:
        return self._models(CurationItem, self.get_json("/curation/queue"))

    def approve_curation(self, accession: str) -> CurationItem:
        path = f"/curation/{quote(accession)}/approve"
        return self._model(CurationItem, self.request("POST", path))

    def return_to_submitter(self, accession: str, message: str) -> CurationItem:
        path = f"/curation/{quote(accession)}/return"
        response = self.request("POST", path, json={"message": message})
        return self._model(CurationItem, response)
