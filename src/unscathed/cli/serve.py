"""``unscathed serve`` (the web app) and ``unscathed users create`` (accounts, e.g. the first admin)."""

from __future__ import annotations

import argparse
import getpass
import sys

from ..config import default_db_url


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the labeling / comparison / red-team web app")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store (default: $UNSCATHED_DB or sqlite:///unscathed.db)")
    serve.add_argument("--model", help="classifier directory (default: the default classifier)")
    serve.add_argument("--generator", help="generator directory (default: SmolLM2-135M)")
    serve.add_argument("--no-filter", action="store_true", help="the completions API serves plain samples, unfiltered, as model 'unscathed-unfiltered' (e.g. a distilled --generator)")
    serve.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (when served over HTTPS)")
    serve.add_argument("--allow-open-api", action="store_true", help="serve /v1/completions without $UNSCATHED_API_KEY on an address other than loopback (anyone who reaches the port can use the models)")
    serve.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="manage web app accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    create = users_sub.add_parser("create", help="create an account (the first admin, or any role)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=("admin", "labeler", "rater", "redteamer"))
    create.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin instead of prompting")
    create.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store")
    create.set_defaults(func=cmd_users_create)
    reset = users_sub.add_parser("set-password", help="replace a user's password (ends their sessions)")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin instead of prompting")
    reset.add_argument("--db", default=default_db_url(), help="SQLAlchemy URL of the store")
    reset.set_defaults(func=cmd_users_set_password)


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def open_api_refusal(host: str, api_key: str | None, allow_open_api: bool) -> str | None:
    """Why serving must not start: the completions API would be open to the network; None if it may."""
    if host in LOOPBACK or api_key or allow_open_api:
        return None
    return (f"refusing to serve on {host}: /v1/completions would be open to anyone who reaches the port. Set $UNSCATHED_API_KEY "
            "(clients send 'Authorization: Bearer <key>'), listen on 127.0.0.1, or pass --allow-open-api")


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from ..web.app import create_app
    from ..web.settings import WebSettings

    refusal = open_api_refusal(args.host, os.environ.get("UNSCATHED_API_KEY"), args.allow_open_api)
    if refusal:
        raise SystemExit(refusal)
    settings = WebSettings(db_url=args.db, model=args.model, generator=args.generator, secure_cookies=args.secure_cookies, filter_completions=not args.no_filter)
    print(f"unscathed serve: http://{args.host}:{args.port}/ on {args.db} (models load on first use)", file=sys.stderr)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("password: ")
    if getpass.getpass("again: ") != password:
        raise ValueError("the two passwords differ")
    return password


def cmd_users_create(args: argparse.Namespace) -> int:
    from ..store import open_store
    from ..store.accounts import create_user
    from ..web.security import hash_password

    password_hash = hash_password(_read_password(args.password_stdin))
    with open_store(args.db).session() as session:
        user = create_user(session, args.username, password_hash, args.role)
    print(f"created {user.role} {user.username!r}", file=sys.stderr)
    return 0


def cmd_users_set_password(args: argparse.Namespace) -> int:
    from ..store import open_store
    from ..store.accounts import set_password_hash, user_by_name
    from ..web.security import hash_password

    password_hash = hash_password(_read_password(args.password_stdin))
    with open_store(args.db).session() as session:
        user = user_by_name(session, args.username)
        if user is None:
            raise ValueError(f"no user named {args.username!r}")
        set_password_hash(session, user.id, password_hash)
    print(f"new password for {args.username!r}; their sessions ended", file=sys.stderr)
    return 0
