"""The command line: ``annotator COMMAND`` (also ``flask --app annotator COMMAND``).

Errors go to stderr with exit status 1 (usage errors: 2); nothing is half-written.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask.cli import run_command as flask_run_command
from sqlalchemy import func, select

from .errors import DomainError
from .extensions import db
from .models import Project, User

SLUG_HELP = "lowercase letters, digits and '-'"


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _project(slug: str) -> Project:
    project = db.session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        fail(f"there is no project '{slug}' (see 'annotator create-project').")
    return project


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database schema, or upgrade it to the newest version."""
    from .database import upgrade_schema

    upgrade_schema()
    click.echo(f"The database is up to date: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "reviewer"]), default="reviewer",
              show_default=True)
@click.option("--password", help="Prompted for (hidden, confirmed) when omitted.")
@with_appcontext
def create_user_command(name: str, role: str, password: str | None) -> None:
    """Create a user account."""
    from .accounts import create_user, find_user, set_password

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    existing = find_user(name)
    try:
        if existing is not None and existing.password_hash is None and existing.role == role:
            # An account an import created without a password: give it one.
            set_password(existing, password)
            click.echo(f"Set the password of {role} '{existing.username}'.")
            return
        user = create_user(name, role=role, password=password)
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"Created {user.role} '{user.username}'.")


@click.command("create-token")
@click.argument("name")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.option("--expires", default="never", show_default=True,
              help="How long the token works: 90d, 12w, 6m, 1y, or never.")
@with_appcontext
def create_token_command(name: str, label: str, expires: str) -> None:
    """Print a new API token for the user, alone on one line."""
    from .accounts import create_token, parse_expiry

    try:
        click.echo(create_token(_user(name), label, parse_expiry(expires)))
    except DomainError as exc:
        fail(exc.message)


@click.command("tokens")
@click.argument("name")
@with_appcontext
def tokens_command(name: str) -> None:
    """List the user's API tokens: id, note, created, last used, expiry."""
    from .accounts import list_tokens, token_expired

    def when(value) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if value else "-"

    rows = list_tokens(_user(name))
    if not rows:
        click.echo(f"{name} has no API tokens.")
        return
    click.echo(f"{'id':>6}  {'created':16}  {'last used':16}  {'expires':16}  note")
    for token in rows:
        expiry = when(token.expires_at) if token.expires_at else "never"
        if token_expired(token):
            expiry += " (expired)"
        click.echo(f"{token.id:>6}  {when(token.created_at):16}  {when(token.last_used_at):16}"
                   f"  {expiry:16}  {token.name}")


@click.command("revoke-token")
@click.argument("token_id", type=int)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke an API token by its id (see `annotator tokens NAME`); it stops working at once."""
    from .accounts import revoke_token
    from .models import ApiToken

    token = db.session.get(ApiToken, token_id)
    if token is None:
        fail(f"there is no API token {token_id}.")
    owner = token.user
    revoke_token(owner, token_id)
    click.echo(f"Revoked API token {token_id} of {owner.username}.")


def _user(name: str):
    from .accounts import find_user

    user = find_user(name)
    if user is None:
        fail(f"there is no user '{name}'.")
    return user


@click.command("create-project")
@click.argument("slug")
@click.option("--name", help="The project's name (default: the slug).")
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="A codebook JSON file (default: the built-in codebook).")
@click.option("--reviewers-per-document", metavar="K",
              help="Assign each document to this many reviewers (1 to 100).")
@click.option("--blind/--open", default=True, show_default=True,
              help="Blind: reviewers never see each other's spans.")
@with_appcontext
def create_project_command(slug, name, codebook_path, reviewers_per_document, blind) -> None:
    """Create a project with a codebook."""
    from .inputs import loads
    from .projects import create_project, parse_reviewers_per_document

    try:
        reviewers_per_document = parse_reviewers_per_document(reviewers_per_document)
    except DomainError as exc:
        fail(exc.message)
    codebook = None
    if codebook_path:
        try:
            raw = Path(codebook_path).read_bytes()
        except OSError as exc:
            fail(f"{codebook_path}: cannot be read ({exc.strerror}).")
        try:
            codebook = loads(raw.decode("utf-8-sig"), where=codebook_path)
        except UnicodeDecodeError:
            fail(f"{codebook_path}: the codebook is not UTF-8 text.")
        except json.JSONDecodeError as exc:
            fail(f"{codebook_path}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                 f"column {exc.colno}).")
        except DomainError as exc:  # nested too deeply, text that cannot be stored
            fail(exc.message)
    try:
        project = create_project(slug, name=name, codebook=codebook, blind=blind,
                                 reviewers_per_document=reviewers_per_document)
    except DomainError as exc:
        fail(exc.message)
    labels = ", ".join(label["key"] for label in project.codebook["labels"])
    click.echo(f"Created project '{project.slug}' ({'blind' if blind else 'open'}) with the "
               f"labels {labels}.")


@click.command("import")
@click.argument("slug")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="A web page to fetch and import (http or https; repeatable).")
@click.option("--urls", "url_list", type=click.File("r", encoding="utf-8-sig"), metavar="FILE",
              help="A file of web addresses, one a line ('-': standard input); blank lines "
                   "and lines starting with # are left out.")
@click.option("--allow-private", is_flag=True,
              help="Fetch from loopback and private addresses too (a local or intranet "
                   "server); cloud metadata addresses stay refused.")
@click.option("--first-line-title", is_flag=True,
              help="Plain text without a title in front matter: the first paragraph is it.")
@click.option("--skip-existing", is_flag=True,
              help="Skip articles already in the project instead of refusing the import.")
@click.option("--reviewer", metavar="NAME",
              help="doccano JSONL: the reviewer whose spans the file holds (one reviewer per "
                   "file; required for doccano files, unused for other formats).")
@with_appcontext
def import_command(slug, paths, urls, url_list, allow_private, first_line_title,
                   skip_existing, reviewer) -> None:
    """Import .txt/.md articles, saved web pages (.html/.htm), documents JSONL, doccano JSONL
    (with --reviewer) and brat folders or .zip files (REVIEWER/DOCID.txt and .ann); folders
    too; web pages by address with --url or --urls; all or nothing.

    Labelled data for an article already in the project adds its reviews to that document
    when its reviewers have no review of it yet.
    """
    import itertools

    from flask import current_app

    from .codebook import load_codebook
    from .imports import (
        expand_paths,
        fetch_documents,
        fetch_policy,
        import_stream,
        read_url_list,
        stream_documents,
    )

    addresses = list(urls) + (read_url_list(url_list) if url_list else [])
    if not paths and not addresses:
        raise click.UsageError("name the files or folders to import, or web pages with --url "
                               "or --urls.")
    project = _project(slug)
    codebook = load_codebook(project.codebook)
    try:
        files = expand_paths(paths)
        fetched = []
        if addresses:
            # Pages are fetched (a few at a time) before anything is written: the transaction
            # below never waits on the network.
            policy = fetch_policy(current_app.config, allow_private=allow_private)
            with click.progressbar(length=len(addresses), label="Fetching  ", file=sys.stderr,
                                   show_pos=True) as bar:
                fetched = fetch_documents(addresses, policy, progress=lambda _url: bar.update(1))
        # Files are read and written as they come, in one transaction: one bar for both, over
        # the files, with the count of documents written.
        with click.progressbar(length=len(files), label="Importing ", file=sys.stderr,
                               show_pos=True, item_show_func=lambda n: n and f"{n} documents"
                               ) as bar:
            documents = stream_documents(files, codebook, first_line_title,
                                         progress=lambda _path: bar.update(1),
                                         reviewer=reviewer)
            result = import_stream(project, itertools.chain(documents, fetched),
                                   skip_existing=skip_existing,
                                   progress=lambda done: bar.update(0, done))
    except DomainError as exc:
        if "Nothing was imported" in exc.message:
            fail(exc.message)
        fail(exc.message + ("\n" if "\n" in exc.message else " ") + "Nothing was imported.")
    click.echo(result.summary())


@click.command("demo")
@click.option("--if-empty", is_flag=True,
              help="Load the demo only into an empty database (what 'make run' does).")
@click.option("--host", default="127.0.0.1", show_default=True, envvar="HOST",
              help="Where the server will listen, for the login address it prints.")
@click.option("--port", default=5000, show_default=True, type=int, envvar="PORT",
              help="Its port, for the login address it prints.")
@with_appcontext
def demo_command(if_empty: bool, host: str, port: int) -> None:
    """Create the demo project with the sample article and demo accounts."""
    from .demo import DEMO_SLUG, demo_logins, load_demo

    has_users = db.session.scalar(select(func.count()).select_from(User)) > 0
    exists = db.session.scalar(select(Project).where(Project.slug == DEMO_SLUG)) is not None
    if exists:
        click.echo(f"The demo project '{DEMO_SLUG}' is already loaded.")
    elif if_empty and has_users:
        click.echo("The database already has accounts; the demo was not loaded. "
                   "Log in with your own account.")
        return
    else:
        try:
            load_demo()
        except DomainError as exc:
            fail(exc.message)
        click.echo(f"Loaded the demo project '{DEMO_SLUG}' with the sample article.")
        click.echo("It is an open project (new projects are blind by default), so that the "
                   "demo reviewers can see the agreement page and compare their spans once "
                   "they have submitted. dana, eli and fay have already reviewed the article "
                   "(they have no password and cannot log in).")
    logins = demo_logins()
    if logins:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        if ":" in shown and not shown.startswith("["):
            shown = f"[{shown}]"
        click.echo(f"Log in at http://{shown}:{port}/login with:")
        for name, role, password in logins:
            click.echo(f"  {name:<8} password {password:<12} ({role})")


@click.command("agreement")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--bootstrap", type=click.IntRange(min=0, max=100000), default=0,
              help="Resamples of documents for 95% intervals (e.g. 1000).")
@click.option("--seed", type=int, help="Seed of the resampling: the same seed, the same intervals.")
@click.option("--origin", type=click.Choice(["suggestion", "hand"]),
              help="Only the spans accepted from suggestions, or only those made by hand.")
@with_appcontext
def agreement_command(slug: str, fmt: str, bootstrap: int, seed: int | None,
                      origin: str | None) -> None:
    """Inter-annotator agreement of a project (INTERFACE.md, "Agreement report")."""
    from .agreement.formats import report_text
    from .agreement.report import build_report

    report = build_report(_project(slug), bootstrap=bootstrap, seed=seed, origin=origin)
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(report_text(report), nl=False)


@click.command("suggest")
@click.argument("slug")
@click.option("--documents", metavar="1,2", help="Only these documents: ids separated by commas.")
@click.option("--format", "fmt", type=click.Choice(["text", "jsonl", "json"]), default="text",
              show_default=True, help="The suggestions: a line each (text) or one JSON object "
                                      "a line (jsonl); the evaluation: a table or JSON.")
@click.option("--evaluate", is_flag=True,
              help="Measure the suggestions instead: precision and recall per label and rule "
                   "at 30 % and 80 % token coverage.")
@click.option("--against", default="gold", show_default=True, metavar="gold|NAME",
              help="With --evaluate: the gold spans, or a reviewer's spans.")
@with_appcontext
def suggest_command(slug: str, documents: str | None, fmt: str, evaluate: bool,
                    against: str) -> None:
    """The rules' suggestions for a project's documents, or their evaluation (INTERFACE.md,
    "Suggestions")."""
    from .projects import project_documents
    from .suggestions import store
    from .suggestions.evaluate import format_table

    project = _project(slug)
    ids = None
    if documents:
        try:
            ids = [int(x) for x in documents.split(",") if x.strip()]
        except ValueError:
            fail("--documents takes document ids separated by commas, e.g. 1,2,3.")
    chosen = project_documents(project, ids)
    if ids is not None:
        missing = sorted(set(ids) - {d.id for d in chosen})
        if missing:
            fail(f"project '{slug}' has no document {missing[0]}.")
    try:
        if evaluate:
            result = store.evaluate_project(project, against, ids)
            if fmt == "text":
                title = (f"Suggestions of project '{slug}' against "
                         f"{'gold' if against == 'gold' else 'reviewer ' + against}")
                click.echo(format_table(result, title))
                rates = store.decision_rates(project)
                if rates:
                    click.echo("")
                    click.echo("decisions by rule: accepted / edited / rejected")
                    for rule, counts in rates.items():
                        click.echo(f"  {rule:24} {counts['accepted']:>5} {counts['edited']:>5} "
                                   f"{counts['rejected']:>5}")
            else:
                click.echo(json.dumps({"against": against, **result.as_dict(),
                                       "decisions": store.decision_rates(project)},
                                      ensure_ascii=False, indent=2))
            return
        for document in chosen:
            texts = None
            for suggestion in store.document_suggestions(document):
                item = {"document_id": document.id, **suggestion.as_dict()}
                if fmt == "text":
                    if texts is None:
                        from .annotations import paragraph_texts

                        texts = paragraph_texts(document.id)
                    passage = texts[suggestion.paragraph][suggestion.start:suggestion.end]
                    click.echo(f"{document.id}\t{suggestion.paragraph}\t{suggestion.start}-"
                               f"{suggestion.end}\t{suggestion.label}\t{suggestion.rule}\t"
                               f"{' '.join(passage.split())}")
                else:
                    click.echo(json.dumps(item, ensure_ascii=False))
    except DomainError as exc:
        fail(str(exc))


@click.command("ledger")
@click.argument("slug")
@click.option("--spans", default="gold", show_default=True, metavar="gold|NAME",
              help="Gold, or the submitted documents of one reviewer.")
@click.option("--by", type=click.Choice(["source", "month"]),
              help="Group the documents by outlet or by publication month.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text",
              show_default=True,
              help="csv: one row per document (with --by: one row per group).")
@click.option("--bootstrap", type=click.IntRange(min=0, max=100000), default=0,
              help="Resamples of documents for 95 % intervals of the means.")
@click.option("--seed", type=int, help="Seed of the resampling.")
@with_appcontext
def ledger_command(slug: str, spans: str, by: str | None, fmt: str, bootstrap: int,
                   seed: int | None) -> None:
    """The source ledger of a project (INTERFACE.md, "Source ledger")."""
    from .ledger.formats import documents_csv, groups_csv, ledger_json, ledger_text
    from .ledger.project import build_project_ledger

    project = _project(slug)
    user_id = None
    if spans != "gold":
        user = _user(spans)
        spans, user_id = user.username, user.id
    ledger = build_project_ledger(project, spans=spans, spans_user_id=user_id, by=by,
                                  bootstrap=bootstrap, seed=seed, top=None)
    if fmt == "json":
        click.echo(ledger_json(ledger), nl=False)
    elif fmt == "csv":
        click.echo(groups_csv(ledger) if by else documents_csv(ledger), nl=False)
    else:
        click.echo(ledger_text(ledger), nl=False)


@click.command("export")
@click.argument("slug")
@click.option("--format", "fmt",
              type=click.Choice(["jsonl", "csv", "conll", "brat", "doccano", "answers-csv"]),
              required=True)
@click.option("--gold-only", is_flag=True, help="Only the adjudicated gold spans.")
@click.option("--submitted-only", is_flag=True, help="Only reviews that were submitted.")
@click.option("--reviewer", "reviewers", multiple=True, help="Only this reviewer (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (required for brat, a .zip).")
@click.option("--raw", is_flag=True,
              help="csv: cells as stored, without the ' before cells a spreadsheet would run "
                   "as formulas (=, +, -, @).")
@with_appcontext
def export_command(slug, fmt, gold_only, submitted_only, reviewers, output, raw) -> None:
    """Export the labelled data (to stdout without -o)."""
    from .exports import ExportOptions, export

    project = _project(slug)
    if fmt == "brat" and not output:
        fail("the brat export is a zip file: name it with -o FILE.zip.")
    options = ExportOptions(reviewers=list(reviewers) or None, submitted_only=submitted_only,
                            gold_only=gold_only, raw=raw)
    try:
        chunks = export(project, fmt, options)
        if output:
            path = Path(output)
            partial = path.with_name(path.name + ".partial")
            mode = "wb" if fmt == "brat" else "w"
            with open(partial, mode, **({} if fmt == "brat" else {"encoding": "utf-8",
                                                                  "newline": ""})) as f:
                for chunk in chunks:
                    f.write(chunk)
            partial.replace(path)
            click.echo(f"Wrote {path}.", err=True)
        else:
            for chunk in chunks:
                click.echo(chunk, nl=False)
    except DomainError as exc:
        fail(exc.message)


@click.command("dump")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to this file (default: standard output).")
@with_appcontext
def dump_command(output: str | None) -> None:
    """Write the whole instance as a gzip JSONL dump that `annotator load` reads back."""
    from .instance import dump

    try:
        if output:
            path = Path(output)
            partial = path.with_name(path.name + ".partial")
            with open(partial, "wb") as f:
                counts = dump(f)
            partial.replace(path)
            click.echo(f"Wrote {path}: {sum(counts.values()):,} rows of "
                       f"{sum(1 for v in counts.values() if v)} tables.", err=True)
        else:
            dump(sys.stdout.buffer)
    except DomainError as exc:
        fail(exc.message)


@click.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def load_command(path: str) -> None:
    """Fill an empty database (of either engine) from a dump; all or nothing."""
    from .instance import load

    try:
        counts = load(Path(path))
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"Loaded {sum(counts.values()):,} rows into {len(counts)} tables from {path}.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path: str) -> None:
    """Copy the live SQLite database consistently, while the server runs."""
    from .instance import backup

    try:
        written = backup(Path(path))
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"Backed up the database to {written}.")


class MigrationCommands(click.Group):
    """Flask-Migrate's ``db`` group (``annotator db upgrade``, ``flask --app annotator db ...``),
    imported and bound to the app only when it runs: listing it in ``--help`` costs nothing."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def make_context(self, info_name, args, parent=None, **extra):
        from flask_migrate.cli import db as migration_commands

        from .database import bind_migrations

        bind_migrations(self.app)
        return migration_commands.make_context(info_name, args, parent=parent, **extra)


def register_commands(app: Flask) -> None:
    for command in (init_db_command, create_user_command, create_token_command,
                    tokens_command, revoke_token_command, create_project_command,
                    import_command, demo_command, agreement_command, ledger_command,
                    export_command, suggest_command,
                    dump_command, load_command, backup_command, MigrationCommands(app)):
        app.cli.add_command(command)


def _create_app():
    from . import create_app

    # Loaded by the group itself, to find or list the app's own commands (which never serve a
    # request): the app without its pages and API, a sixth of every start. Loaded by a command
    # that serves or may (run, shell, routes): the whole app.
    ctx = click.get_current_context(silent=True)
    return create_app(web=ctx is None or ctx.command is not cli)


LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def exposure_warning(host: str) -> str | None:
    """A warning when the server would listen beyond this machine while demo accounts still
    have the passwords the README publishes (inside an app context)."""
    from .demo import demo_logins

    if host in LOOPBACK or host.startswith("127."):
        return None
    logins = demo_logins()
    if not logins:
        return None
    names = ", ".join(name for name, _, _ in logins)
    return (f"WARNING: serving on {host}, reachable from other machines, while the demo "
            f"accounts ({names}) still have the passwords printed in the README: anyone who "
            f"can reach this address can log in as them. Change their passwords (the admin "
            f"pages or 'annotator create-user'), disable them, or serve on 127.0.0.1.")


def _run_command() -> click.Command:
    """Flask's ``run``, which first warns about published demo passwords on an open address."""
    command = copy.copy(flask_run_command)
    serve = command.callback

    @functools.wraps(serve)
    def callback(*args, **kwargs):
        info = click.get_current_context().ensure_object(ScriptInfo)
        with info.load_app().app_context():
            warning = exposure_warning(kwargs.get("host") or "127.0.0.1")
        if warning:
            click.secho(warning, err=True, fg="red", bold=True)
        return serve(*args, **kwargs)

    command.callback = callback
    return command


cli = FlaskGroup(create_app=_create_app, help="The framing annotator.")
cli.add_command(_run_command(), "run")


def main() -> None:
    cli(prog_name="annotator")
