"""Release: how a curated, archived dataset becomes public on its date.

Modules: :mod:`.clock` (the server's "today"), :mod:`.rules` (what is due,
what is publishable), :mod:`.public_tree` (the released files on disk and
their addresses), :mod:`.releasing` (one release, the due pass, start-up
reconciliation), :mod:`.scheduler` (the pass in the server process) and
:mod:`.models` (the journal and reviewer link tables). Curation lives in
:mod:`server_stub.curation`, reviewer links in :mod:`server_stub.review_links`.

Release
-------
A dataset is *due* when it is not released, its release date is today or
earlier (by :func:`clock_for`), every one of its files is ``Archived`` and a
curator has approved it (``Curated``: the guide's chain is Waiting for
Curation → Curated → Released). A dataset curated after its date, or
archived after it, releases at once. Releasing it:

1. links each open-access file from the archive into a hidden folder
   ``public/OMIX/.<acc>.partial/<file id><full suffix>`` (``os.link``: no
   copy, whatever the size; a copy only when the public store is on another
   filesystem) with an md5sum-format ``<name>.md5`` companion beside it;
2. renames that folder to ``public/OMIX/<acc>`` in one step (``os.replace``),
   so the anonymous FTP endpoint and the HTTP side see all files or none;
3. only then sets ``released_at`` and the curation status ``Released`` and
   closes the dataset's reviewer links, in one transaction.

Each step can be repeated: a release cut half way (a crash, a full disk) is
finished by the next pass, which reuses what step 1 already linked. At start
the scheduler also removes public folders that should not be there (a hidden
partial folder of a dataset that is no longer due, the folder of a dataset
that is not released).

With an object store (``--store s3://…``) step 1 is a server-side copy of
each file into ``public/OMIX/<acc>/`` with its ``.md5`` object, and step 2
writes the manifest ``public/published/<acc>`` that makes the folder visible
(:mod:`.public_tree`); nothing is renamed and nothing is uploaded twice.

Controlled-access files are never put in the public tree; they are served
over HTTPS only to approved requesters (``api/downloads.py``). Human genetic
resource data are withheld from the public tree until the dataset has its
MOST registration number (the guide: such data cannot be downloaded or
requested before registration); the number can be added after release, and
the next scheduler pass then publishes the files.

The clock
---------
Release dates are calendar days in the server's local time. Tests move the
server's clock with ``--clock-file FILE``: the file holds either a date
(``2030-01-31``) or a day offset (``+3``, ``-1``) and is read at every pass,
so a test process can change "today" while the server runs.

Scheduler
---------
:class:`ReleaseScheduler` runs inside the server process (started and stopped
by ``runner.serve``): one pass at start (catching up on dates passed while the
server was down), then one every ``settings.release_interval`` seconds, or at
once when its :class:`ReleaseWaker` is woken (e.g. after the owner moved
the release date to today). :func:`release_due` is the same pass as a plain
function for callers that want the release done before they answer.

Several processes (a site)
--------------------------
Every ``omix-server`` process of a site runs the scheduler on one
PostgreSQL database; :mod:`.claims` makes each release happen in exactly one
of them (a PostgreSQL advisory lock per dataset, tried without waiting),
and the final transaction re-checks that the dataset is still due. On
SQLite a data folder has one process (:mod:`server_stub.data_folder_lock`).
"""
