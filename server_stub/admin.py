"""``omix-server admin``: account administration from the command line."""

from __future__ import annotations

import argparse
import getpass
import sys

from server_stub.accounts import find_user, normalize_email
from server_stub.config import Settings
from server_stub.db import Database
from server_stub.models import User
from server_stub.runner import open_database
from server_stub.security import hash_password

MIN_PASSWORD = 8


def run_admin(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(settings)
    try:
        if args.admin_command == "create-user":
            return _create_user(args, database)
        if args.admin_command == "make-curator":
            return _make_curator(args, database)
    finally:
        database.dispose()
    return 2


def _create_user(args: argparse.Namespace, database: Database) -> int:
    password = read_password(args.password_stdin)
    if len(password) < MIN_PASSWORD:
        print(
            f"omix-server: the password needs at least {MIN_PASSWORD} characters", file=sys.stderr
        )
        return 1
    with database.session() as session:
        if find_user(session, args.email):
            print(f"omix-server: {args.email} already has an account", file=sys.stderr)
            return 1
        session.add(
            User(
                email=normalize_email(args.email),
                password_hash=hash_password(password),
                first_name=args.first_name,
                last_name=args.last_name,
                street_address=args.street_address,
                city=args.city,
                postal_code=args.postal_code,
                country_region=args.country_region,
                organization=args.organization,
                department=args.department,
                is_curator=args.curator,
            )
        )
    print(f"created {normalize_email(args.email)}")
    return 0


def _make_curator(args: argparse.Namespace, database: Database) -> int:
    with database.session() as session:
        user = find_user(session, args.email)
        if user is None:
            print(f"omix-server: no account with email {args.email}", file=sys.stderr)
            return 1
        user.is_curator = not args.revoke
    role = "no longer a curator" if args.revoke else "now a curator"
    print(f"{normalize_email(args.email)} is {role}")
    return 0


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise SystemExit("omix-server: the passwords differ")
    return first
