"""What the server returns about files, datasets and the public archive.

Field names are the server's JSON names (``server_stub/api/*.py``), so a
field seen in the OpenAPI schema has the same name here. Unknown fields are
ignored (:class:`~omix_desktop.api.models._Wire`), so an older app keeps
working with a newer server.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from omix_desktop.api.models import _Wire


class DataType(_Wire):
    name: str
    subtypes: list[str]


class Organism(_Wire):
    name: str
    tax_id: int | None = None


class NameProblem(_Wire):
    code: str
    component: str
    character: str = ""
    message: str


class Incomplete(_Wire):
    """Why an upload stopped early: ``disk_full`` or ``connection_lost``."""

    code: str
    message: str
    action: str = "resume_upload"


class PreuploadFile(_Wire):
    """A file in the user's FTP pre-upload area, as the server sees it."""

    name: str
    path: str
    size: int
    modified_at: datetime
    md5: str | None = None
    """Computed by the server while it received the file; ``None`` while uploading."""
    state: Literal["uploading", "complete", "incomplete"]
    valid: bool
    problem: NameProblem | None = None
    incomplete: Incomplete | None = None
    """Set when the server knows the upload stopped early (state ``incomplete``)."""
    selected_by: str | None = None
    """Accession of the dataset that selected the file, if any."""


class OnlineUpload(_Wire):
    token: str
    name: str
    size: int
    md5: str
    created_at: datetime
    expires_at: datetime


class OnlineUploads(_Wire):
    limit: int
    used: int
    uploads: list[OnlineUpload]


class DataFile(_Wire):
    file_id: str
    title: str
    samples: int
    data_type: str
    name: str
    suffix: str
    size: int
    md5: str
    """The MD5 the submitter typed (or the app filled in)."""
    md5_server: str | None = None
    status: str
    """``Checking``, ``MD5 Checked Failed`` or ``Archived``."""
    checking_reason: str | None = None
    checking_message: str | None = None
    source: str
    preupload_path: str | None = None
    download_count: int = 0
    warnings: list[str] = []
    created_at: datetime
    updated_at: datetime


class DatasetRow(_Wire):
    """One line of "My submissions"."""

    accession: str
    title: str
    organism: str
    access: str
    bioproject: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    status: str
    curation_status: str
    file_count: int


class Dataset(_Wire):
    accession: str
    title: str
    description: str
    organism: str
    tax_id: int | None = None
    human_genetic_resource: bool = False
    data_type: str
    data_subtype: str
    access: str
    bioproject: str
    release_date: date
    most_registration_number: str = ""
    backup_number: str = ""
    submitter: str = ""
    organization: str = ""
    submitted_at: datetime
    updated_at: datetime
    released_at: datetime | None = None
    status: str
    curation_status: str
    curation_message: str = ""
    file_count: int
    total_size: int
    files: list[DataFile]

    def file(self, file_id: str) -> DataFile | None:
        return next((item for item in self.files if item.file_id == file_id), None)


class FileDiagnosis(_Wire):
    """Why a file is still ``Checking``: missing, still uploading, bad name…"""

    file_id: str
    status: str
    reason: str | None = None
    message: str
    preupload_path: str | None = None
    preupload_state: Literal["uploading", "complete", "incomplete", "absent"] | None = None
    received_bytes: int | None = None
    last_received_at: datetime | None = None
    md5_declared: str
    md5_server: str | None = None


class CurationItem(_Wire):
    accession: str
    title: str
    organism: str
    data_type: str
    data_subtype: str
    access: str
    submitter: str
    submitter_email: str
    organization: str
    submitted_at: datetime
    release_date: date
    status: str
    curation_status: str
    curation_message: str = ""
    file_count: int
    total_size: int


class ReviewLink(_Wire):
    """A reviewer link of one of the user's datasets.

    The server keeps only a hash of the link's token, so ``token``, ``url``
    and ``api_url`` are there only in the answer that made the link; read
    back later (``GET``) a link says only that it is open and since when.
    """

    accession: str
    created_at: datetime
    closed_at: datetime | None = None
    close_reason: str | None = None
    token: str | None = None
    url: str | None = None
    """The preview page to send to reviewers; only when the link was just made."""
    api_url: str | None = None
    replaced: bool = False
    """Making this link closed an open one (whose address no longer works)."""

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PreviewFile(_Wire):
    file_id: str
    name: str
    title: str
    samples: int
    data_type: str
    size: int
    suffix: str


class ReviewPreview(_Wire):
    accession: str
    bioproject: str | None = None
    title: str
    description: str
    organism: str
    tax_id: int | None = None
    data_type: str
    data_subtype: str
    access: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    submitter: str | None = None
    organization: str | None = None
    most_registration_number: str | None = None
    file_count: int
    total_size: int
    files: list[PreviewFile]


class PublicDatasetSummary(_Wire):
    accession: str
    bioproject: str | None = None
    title: str
    organism: str
    access: str
    data_type: str
    released_at: datetime


class DatasetPage(_Wire):
    items: list[PublicDatasetSummary]
    total: int
    page: int
    size: int
    pages: int
    query: str = ""
    sort: str
    order: str


class PublicFile(_Wire):
    file_id: str
    title: str
    samples: int
    data_type: str
    size: int
    suffix: str
    name: str
    md5: str | None = None
    download_count: int = 0
    download_url: str
    """``…/files/<file id>/<name>``: ends with the public name, as on FTP."""
    md5_url: str | None = None
    """The md5sum-format ``.md5`` beside ``download_url``; ``None`` from older servers."""
    open_access: bool
    ftp_path: str | None = None
    ftp_url: str | None = None


class PublicDatasetDetail(PublicDatasetSummary):
    description: str
    tax_id: int | None = None
    data_subtype: str
    release_date: date
    submitted_at: datetime
    updated_at: datetime
    submitter: str | None = None
    organization: str | None = None
    most_registration_number: str | None = None
    file_count: int
    total_size: int
    url: str
    ftp_folder: str | None = None
    ftp_folder_url: str | None = None
    files: list[PublicFile]
    jsonld: dict[str, Any] = {}


class StatRow(_Wire):
    key: str
    datasets: int
    files: int
    bytes: int


class Statistics(_Wire):
    datasets: int
    files: int
    bytes: int
    by_data_type: list[StatRow]
    by_organism: list[StatRow]
    by_month: list[StatRow]
    by_access: list[StatRow]


class Requester(_Wire):
    name: str
    email: str
    organization: str
    department: str


class AccessRequest(_Wire):
    id: int
    accession: str
    dataset_title: str
    status: str
    """``pending``, ``approved`` or ``rejected``."""
    purpose: str
    created_at: datetime
    decided_at: datetime | None = None
    decision_message: str = ""
    requester: Requester | None = None
    """Shown to the dataset's owner only."""
