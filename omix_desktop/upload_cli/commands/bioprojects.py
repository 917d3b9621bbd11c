"""``bioproject list`` and ``bioproject create``: the projects a dataset belongs to.

A dataset names one of the user's BioProjects, so a terminal user must be
able to see them and make one without the desktop app.
"""

from __future__ import annotations

from omix_desktop.i18n.errors import fill
from omix_desktop.i18n.translator import Translator
from omix_desktop.upload_cli.commands import (
    Commands,
    add_command,
    exit_codes_common,
    group,
    json_option,
)
from omix_desktop.upload_cli.context import OK, Cli
from omix_desktop.upload_cli.output import table, when


def list_projects(cli: Cli) -> int:
    _ = cli.tr.gettext
    client = cli.client()
    projects = cli.call(client.bioprojects)
    if cli.json:
        cli.emit(projects)
        return OK
    if not projects:
        cli.say(_("No BioProject yet: create one with `omix-upload bioproject create --title …`."))
        return OK
    rows = [[p.accession, p.title, when(p.created_at)] for p in projects]
    for line in table([_("Accession"), _("Title"), _("Created")], rows):
        cli.say(line)
    return OK


def create_project(cli: Cli) -> int:
    client = cli.client()
    body = {"title": cli.args.title, "description": cli.args.description}
    project = cli.call(client.create_bioproject, cli.args.title, cli.args.description, values=body)
    if cli.json:
        cli.emit(project)
    else:
        cli.say(
            fill(
                cli.tr.gettext("Created {accession}: {title}"),
                {"accession": project.accession, "title": project.title},
            )
        )
    return OK


def register(commands: Commands, tr: Translator) -> None:
    _ = tr.gettext
    sub = group(
        commands, "bioproject", tr,
        help=_("list your BioProjects or create one"),
        example=["omix-upload bioproject list",
                 "omix-upload bioproject create --title 'Rice drought'"],
    )  # fmt: skip
    listing = add_command(
        sub, "list", tr,
        help=_("your BioProjects (accession, title, creation date)"),
        example=["omix-upload bioproject list --json | jq -r '.[].accession'"],
        exits=exit_codes_common(tr), handler=list_projects,
    )  # fmt: skip
    json_option(listing, tr)
    create = add_command(
        sub, "create", tr,
        help=_("create a BioProject and print its accession"),
        example=["omix-upload bioproject create --title 'Rice drought response' "
                 "--description 'Leaves under drought, three time points.'"],
        exits=exit_codes_common(tr), handler=create_project,
    )  # fmt: skip
    create.add_argument("--title", required=True, help=_("the project's title"))
    create.add_argument("--description", default="", help=_("what the project studies"))
    json_option(create, tr)
