"""Every word the archive server sends that the app shows: one catalog, in the user's language.

The server speaks English, in a fixed vocabulary (``server_stub/models.py``,
``release/models.py``, ``omix_wire/data/data_types.json``): file, dataset and
curation statuses, access levels, data types and sub-types, the answer to an
access request. The app shows these words in tables and summaries; they are
translated here, once, rather than by a dictionary in each screen, so a
status reads the same everywhere and a new screen cannot forget one.

A word the server sends that is not listed (a newer server's status, a data
type added to its list) is shown as sent: better an English word than a
blank or a wrong one. ``tests/i18n/test_server_terms.py`` checks that every
term of the server's lists is here and translated.
"""

from __future__ import annotations

from collections.abc import Mapping

from omix_desktop.i18n.translator import N_, Translator

STATUSES: tuple[str, ...] = (
    N_("Checking"),
    N_("MD5 Checked Failed"),
    N_("Archived"),
    N_("Released"),
)
"""A file's or a dataset's status (``FileStatus``, ``DatasetStatus``); the values are the keys."""

CURATION_STATUSES: tuple[str, ...] = (
    N_("Waiting for Curation"),
    N_("Returned"),
    N_("Curated"),
    N_("Released"),
)

ACCESS: Mapping[str, str] = {
    "open": N_("Open access"),
    "controlled": N_("Controlled access"),
}
"""A dataset's accessibility (``Access``): the server sends the lower-case value."""

ACCESS_REQUESTS: Mapping[str, str] = {
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
"""The state of a request for controlled data (``AccessRequestStatus``)."""

PREUPLOAD_STATES: Mapping[str, str] = {
    "uploading": N_("Still uploading"),
    "complete": N_("Upload complete"),
    "incomplete": N_("Upload incomplete"),
    "absent": N_("Not in the pre-upload area"),
}
"""How far a pre-upload file has arrived (``UploadState``; the diagnosis' ``absent``)."""

SOURCES: Mapping[str, str] = {
    "ftp": N_("FTP pre-upload"),
    "http": N_("Online upload"),
}
"""How a data file reached the archive (``FileSource``)."""

DATA_TYPES: Mapping[str, tuple[str, ...]] = {
    N_("Transcriptome"): (
        N_("Gene expression matrix"), N_("RNA-seq expression matrix"),
        N_("Single-cell expression matrix"), N_("Spatial transcriptomics"),
        N_("Microarray expression"), N_("Small RNA expression"),
        N_("Long non-coding RNA expression"), N_("Alternative splicing"),
        N_("Differential expression results"), N_("Other transcriptome data"),
    ),
    N_("Proteome"): (
        N_("Label-free quantification"), N_("TMT/iTRAQ quantification"),
        N_("DIA (SWATH) quantification"), N_("Targeted proteomics (MRM/PRM)"),
        N_("Phosphoproteome"), N_("Post-translational modifications"),
        N_("Protein-protein interaction"), N_("Antibody array"), N_("Other proteome data"),
    ),
    N_("Metabolome"): (
        N_("Untargeted LC-MS"), N_("Targeted LC-MS"), N_("GC-MS"), N_("NMR"), N_("CE-MS"),
        N_("Imaging mass spectrometry"), N_("Flux analysis"), N_("Other metabolome data"),
    ),
    N_("Lipidome"): (
        N_("Untargeted lipidomics"), N_("Targeted lipidomics"), N_("Shotgun lipidomics"),
        N_("Other lipidome data"),
    ),
    N_("Epigenome"): (
        N_("DNA methylation array"), N_("Bisulfite sequencing results"), N_("ChIP-seq peaks"),
        N_("ATAC-seq peaks"), N_("Histone modification"), N_("Chromatin conformation (Hi-C)"),
        N_("RNA modification"), N_("Other epigenome data"),
    ),
    N_("Genome"): (
        N_("Genome assembly"), N_("Genome annotation"), N_("Variant calls (VCF)"),
        N_("Copy number variation"), N_("Structural variation"), N_("Other genome data"),
    ),
    N_("Genotype"): (
        N_("SNP array"), N_("Genotyping by sequencing"), N_("Microsatellite (SSR) markers"),
        N_("Genetic map"), N_("GWAS summary statistics"), N_("Other genotype data"),
    ),
    N_("Microbiome"): (
        N_("16S rRNA amplicon profile"), N_("ITS amplicon profile"), N_("Metagenomic profile"),
        N_("Metatranscriptomic profile"), N_("Metagenome-assembled genomes"),
        N_("Other microbiome data"),
    ),
    N_("Phenotype"): (
        N_("Phenotype measurements"), N_("Plant phenotyping"), N_("Behavioural data"),
        N_("Physiological data"), N_("Other phenotype data"),
    ),
    N_("Imaging"): (
        N_("Microscopy"), N_("Medical imaging"), N_("Histopathology"),
        N_("Electron microscopy"), N_("Remote sensing"), N_("Other imaging data"),
    ),
    N_("Clinical"): (
        N_("Clinical information"), N_("Electronic health records"), N_("Laboratory tests"),
        N_("Questionnaire"), N_("Other clinical data"),
    ),
    N_("Multi-omics"): (N_("Integrated multi-omics"), N_("Other multi-omics data")),
    N_("Other"): (N_("Code and scripts"), N_("Supplementary tables"), N_("Other")),
}  # fmt: skip
"""The archive's data types and sub-types (``GET /reference/data-types``), spelled as it does."""


def _catalog() -> dict[str, str]:
    """Server value → catalog key. Statuses and data types are their own keys."""
    keys: dict[str, str] = {}
    for word in (*STATUSES, *CURATION_STATUSES):
        keys[word] = word
    for name, subtypes in DATA_TYPES.items():
        keys[name] = name
        keys.update((subtype, subtype) for subtype in subtypes)
    for table in (ACCESS, ACCESS_REQUESTS, PREUPLOAD_STATES, SOURCES):
        keys.update(table)
    return keys


KNOWN: Mapping[str, str] = _catalog()
"""Every term the app knows, by the value the server sends (read-only after import)."""


def is_known(value: str) -> bool:
    return value in KNOWN


def term(value: str, tr: Translator) -> str:
    """``value`` (as the server sent it) in ``tr``'s language; an unknown term as sent."""
    key = KNOWN.get(value)
    return value if key is None else tr.gettext(key)


def from_display(text: str, tr: Translator) -> str:
    """The server's value for a term as shown (in any of our languages, whichever is
    current), else ``text`` unchanged.

    For choices a user picks from translated items (a data type in a combo box)
    and a value typed in either language.
    """
    folded = " ".join(text.split()).casefold()
    for value in KNOWN:
        if folded == value.casefold():
            return value
    for value, key in KNOWN.items():
        if any(folded == shown.casefold() for shown in tr.in_every_language(key)):
            return value
    return text
