"""What the public sees of a released dataset: list rows, details, JSON-LD.

Shared by the public API (``api/public.py``) and the web pages (``web/``),
so the page, the API and the schema.org record never disagree.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from server_stub.config import Settings
from server_stub.models import Access, DataFile, Dataset

CATALOG_NAME = "OMIX"
PUBLISHER = "OMIX reference archive"


def public_name(file: DataFile) -> str:
    """``OMIX006457-01.txt``: the file id with the whole original extension."""
    suffix = file.suffix or ""
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    return f"{file.file_id}{suffix}"


def display_suffix(file: DataFile) -> str:
    return (file.suffix or "").lstrip(".")


def ftp_path(dataset: Dataset, file: DataFile | None = None) -> str:
    folder = f"/OMIX/{dataset.accession}/"
    return folder if file is None else folder + public_name(file)


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute addresses the outside world uses."""

    base_url: str
    ftp_base: str

    @classmethod
    def for_request(cls, settings: Settings, request_base: str) -> Links:
        base = (settings.public_base_url or request_base).rstrip("/")
        host = urlsplit(base).hostname or settings.host
        if ":" in host:
            host = f"[{host}]"
        return cls(base_url=base, ftp_base=f"ftp://{host}:{settings.public_ftp_port}")

    def page(self, dataset: Dataset) -> str:
        return f"{self.base_url}/datasets/{dataset.accession}"

    def browse(self) -> str:
        return f"{self.base_url}/browse"

    def download(self, file: DataFile) -> str:
        """``…/files/<file id>/<public name>``: ends with the name ``wget`` saves it as.

        The last segment is the FTP tree's file name, so plain ``wget URL``
        and ``wget URL.md5`` give the pair ``md5sum -c`` checks.
        """
        folder = f"{self.base_url}/api/v1/public/files/{quote(file.file_id)}"
        return f"{folder}/{quote(public_name(file))}"

    def md5(self, file: DataFile) -> str:
        """The md5sum-format ``.md5`` companion, beside :meth:`download`."""
        return self.download(file) + ".md5"

    def ftp(self, path: str) -> str:
        return self.ftp_base + quote(path)


def is_open(dataset: Dataset) -> bool:
    return dataset.access == Access.OPEN


def released_on(dataset: Dataset) -> date | None:
    return dataset.released_at.date() if dataset.released_at else None


def total_size(dataset: Dataset) -> int:
    return sum(file.size or 0 for file in dataset.files)


def summary(dataset: Dataset) -> dict[str, Any]:
    """A row of the released-data list."""
    return {
        "accession": dataset.accession,
        "bioproject": dataset.bioproject.accession if dataset.bioproject else None,
        "title": dataset.title,
        "organism": dataset.organism,
        "access": dataset.access,
        "data_type": dataset.data_type,
        "released_at": dataset.released_at,
    }


def _file_fields(file: DataFile) -> dict[str, Any]:
    """What every listing of a file shows (the reviewer's preview no more than this)."""
    return {
        "file_id": file.file_id,
        "title": file.title,
        "samples": file.samples,
        "data_type": file.data_type,
        "size": file.size,
        "suffix": display_suffix(file),
    }


def file_record(dataset: Dataset, file: DataFile, links: Links) -> dict[str, Any]:
    path = ftp_path(dataset, file)
    return {
        **_file_fields(file),
        "name": public_name(file),
        "md5": file.md5_computed,
        "download_count": file.download_count,
        "download_url": links.download(file),
        "md5_url": links.md5(file),
        "open_access": is_open(dataset),
        "ftp_path": path if is_open(dataset) else None,
        "ftp_url": links.ftp(path) if is_open(dataset) else None,
    }


def _metadata(dataset: Dataset) -> dict[str, Any]:
    """The summary and the descriptive fields both the public and the reviewer's page show."""
    user = dataset.user
    return {
        **summary(dataset),
        "description": dataset.description,
        "tax_id": dataset.tax_id,
        "data_subtype": dataset.data_subtype,
        "release_date": dataset.release_date,
        "submitted_at": dataset.submitted_at,
        "updated_at": dataset.updated_at,
        "submitter": user.display_name if user else None,
        "organization": user.organization if user else None,
        "most_registration_number": dataset.most_registration_number or None,
    }


def detail(dataset: Dataset, links: Links) -> dict[str, Any]:
    """Everything the dataset page shows, plus the JSON-LD record."""
    return {
        **_metadata(dataset),
        "file_count": len(dataset.files),
        "total_size": total_size(dataset),
        "url": links.page(dataset),
        "ftp_folder": ftp_path(dataset) if is_open(dataset) else None,
        "ftp_folder_url": links.ftp(ftp_path(dataset)) if is_open(dataset) else None,
        "files": [file_record(dataset, file, links) for file in dataset.files],
        "jsonld": jsonld(dataset, links),
    }


def preview(dataset: Dataset) -> dict[str, Any]:
    """A reviewer's view of an unreleased dataset: metadata and files, no address."""
    files = [_file_fields(file) for file in dataset.files]
    return {
        **_metadata(dataset),
        "file_count": len(files),
        "total_size": total_size(dataset),
        "files": files,
    }


def _iso(moment: date | datetime | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.isoformat().replace("+00:00", "Z")
    return moment.isoformat()


def _encoding(file: DataFile) -> str:
    name = public_name(file)
    kind, encoding = mimetypes.guess_type(name, strict=False)
    if encoding == "gzip":
        return "application/gzip"
    if encoding == "bzip2":
        return "application/x-bzip2"
    if encoding == "xz":
        return "application/x-xz"
    return kind or (display_suffix(file) or "application/octet-stream")


CONTROLLED_CONDITIONS = (
    "Controlled access: the files are downloadable only after the submitter approves "
    "a data user's access request stating the purpose of use."
)


def jsonld(dataset: Dataset, links: Links) -> dict[str, Any]:
    """A schema.org ``Dataset`` record for search engines and harvesters."""
    open_access = is_open(dataset)
    url = links.page(dataset)
    distribution = []
    for file in dataset.files:
        entry: dict[str, Any] = {
            "@type": "DataDownload",
            "identifier": file.file_id,
            "name": file.title,
            "encodingFormat": _encoding(file),
            "contentSize": f"{file.size or 0} B",
        }
        if open_access:
            entry["contentUrl"] = links.download(file)
        distribution.append(entry)
    record: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "identifier": dataset.accession,
        "name": dataset.title,
        "description": dataset.description,
        "datePublished": _iso(released_on(dataset)),
        "dateCreated": _iso(dataset.submitted_at),
        "dateModified": _iso(dataset.updated_at),
        "keywords": [
            value for value in (dataset.data_type, dataset.data_subtype, dataset.organism) if value
        ],
        "isAccessibleForFree": open_access,
        "size": {
            "@type": "QuantitativeValue",
            "value": total_size(dataset),
            "unitText": "byte",
        },
        "distribution": distribution,
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": CATALOG_NAME,
            "url": links.browse(),
        },
        "publisher": {"@type": "Organization", "name": PUBLISHER},
    }
    if dataset.organism:
        taxon: dict[str, Any] = {"@type": "Taxon", "name": dataset.organism}
        if dataset.tax_id:
            taxon["identifier"] = f"NCBITaxon:{dataset.tax_id}"
        record["about"] = taxon
    if dataset.bioproject is not None and dataset.bioproject.accession:
        record["isPartOf"] = {
            "@type": "CreativeWork",
            "additionalType": "BioProject",
            "identifier": dataset.bioproject.accession,
            "name": dataset.bioproject.title,
        }
    user = dataset.user
    if user is not None:
        creator: dict[str, Any] = {"@type": "Person", "name": user.display_name}
        if user.organization:
            creator["affiliation"] = {"@type": "Organization", "name": user.organization}
        record["creator"] = [creator]
    if not open_access:
        record["conditionsOfAccess"] = CONTROLLED_CONDITIONS
    return record
