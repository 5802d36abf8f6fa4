"""Fetching web pages: the limits and the address checks (annotator/imports/fetch.py), the
command line's --url/--urls/--allow-private, all or nothing, and where a page came from
through a JSONL export and import.

Fetches go to a local site (tests/web_site.py: loopback only, a thread per request). Loopback
is not a public address: the command line needs --allow-private (or IMPORT_URL_ALLOW) to
reach it, and the server refuses it unless IMPORT_URL_ALLOW names it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re

import pytest
from sqlalchemy import select

from annotator.errors import ImportFailed
from annotator.extensions import db
from annotator.imports.fetch import FetchPolicy, fetch, fetch_policy
from annotator.models import Document, Project
from tests.helpers import nothing_written
from tests.web_site import CERTIFICATE, PAGES, RU_TITLE, WIRE_TITLE, documents, serving


@pytest.fixture
def site():
    with serving() as base:
        yield base


LOCAL = FetchPolicy(allow_private=True, timeout=10)


def refusal(url: str, policy: FetchPolicy = LOCAL) -> str:
    with pytest.raises(ImportFailed) as refused:
        fetch(url, policy)
    return refused.value.message


# --- fetching --------------------------------------------------------------------------------

def test_a_page_is_fetched_with_where_and_when(site):
    before = dt.datetime.now(dt.UTC)
    page = fetch(site + "/wire", LOCAL)
    assert page.data == (PAGES / "wire-story.html").read_bytes()
    assert page.origin.url == site + "/wire" and page.origin.final_url is None
    assert page.origin.charset == "utf-8"
    assert before <= page.origin.fetched_at <= dt.datetime.now(dt.UTC)


def test_https_to_the_address_checked_with_the_certificate_checked(monkeypatch):
    """The connection goes to the address resolved and checked, the certificate is checked
    against the host name (SNI): a certificate nobody vouches for is refused."""
    with serving(tls=True) as base:
        port = base.rsplit(":", 1)[1]
        assert refusal(base + "/wire") == (
            f"{base}/wire: the server's certificate cannot be trusted (self-signed "
            f"certificate).")
        monkeypatch.setenv("SSL_CERT_FILE", str(CERTIFICATE))  # now trusted
        for url in (f"{base}/wire", f"https://localhost:{port}/wire"):
            page = fetch(url, LOCAL)
            assert page.data == (PAGES / "wire-story.html").read_bytes(), url


def test_redirects_are_followed_within_limits(site):
    page = fetch(site + "/redirect", LOCAL)
    assert page.origin.url == site + "/redirect" and page.origin.final_url == site + "/wire"
    assert refusal(site + "/loop/0") == (
        f"{site}/loop/0: the page redirects more than 5 times.")
    fewer = FetchPolicy(allow_private=True, max_redirects=0)
    assert refusal(site + "/redirect", fewer) == (
        f"{site}/redirect: the page redirects more than 0 times.")


def test_a_redirect_is_checked_as_the_first_address_is(site):
    assert refusal(site + "/to-ftp") == (
        f"{site}/to-ftp: only http:// and https:// addresses can be fetched (this one is ftp:).")
    # 127.0.0.1 is allowed by name: the redirect to [::1] is not
    allowed = FetchPolicy(allow_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    assert fetch(site + "/wire", allowed).data.startswith(b"<!DOCTYPE html>")
    assert refusal(site + "/to-ipv6-loopback", allowed) == (
        f"{site}/to-ipv6-loopback: ::1 is a loopback address, which imports may not fetch "
        f"from; name it in IMPORT_URL_ALLOW to allow it.")
    # metadata endpoints stay refused with --allow-private
    assert refusal(site + "/to-metadata") == (
        f"{site}/to-metadata: 169.254.169.254 is a cloud metadata address, which imports may "
        f"not fetch from; name it in IMPORT_URL_ALLOW to allow it.")


@pytest.mark.parametrize("url, reason", [
    ("ftp://files.example.org/a.html",
     "only http:// and https:// addresses can be fetched (this one is ftp:)"),
    ("file:///etc/passwd", "only http:// and https:// addresses can be fetched (this one is "
                           "file:)"),
    ("javascript:alert(1)", "only http:// and https:// addresses can be fetched (this one is "
                            "javascript:)"),
    ("www.example.org/news", "only http:// and https:// addresses can be fetched (this one is "
                             "without a scheme)"),
    ("http:///path-only", "the address names no host"),
    ("http://user:secret@example.org/", "addresses with a user name or password are not "
                                        "fetched"),
    ("http://example.org:99999/", "this is not a valid web address"),
])
def test_only_http_and_https_addresses_are_fetched(url, reason):
    assert refusal(url) == f"{url}: {reason}."


@pytest.mark.parametrize("url, kind, shown", [
    ("http://127.0.0.1:9/a", "loopback", "127.0.0.1 is a loopback address"),
    ("http://localhost:9/a", "loopback", "localhost resolves to"),
    ("http://10.1.2.3/a", "private", "10.1.2.3 is a private address"),
    ("http://192.168.0.10/a", "private", "192.168.0.10 is a private address"),
    ("http://169.254.10.1/a", "link-local", "169.254.10.1 is a link-local address"),
    ("http://169.254.169.254/latest/meta-data/", "cloud metadata",
     "169.254.169.254 is a cloud metadata address"),
    ("http://[::1]:9/a", "loopback", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:9/a", "loopback", "::ffff:127.0.0.1 is a loopback address"),
    ("http://[fd00:ec2::254]/a", "cloud metadata", "fd00:ec2::254 is a cloud metadata address"),
    ("http://0.0.0.0:9/a", "non-public", "0.0.0.0 is a non-public address"),
])
def test_addresses_that_are_not_public_are_refused_before_connecting(url, kind, shown):
    message = refusal(url, FetchPolicy())  # as the server fetches
    assert message.startswith(f"{url}: {shown}")
    assert f"a {kind} address" in message
    assert message.endswith("which imports may not fetch from; name it in IMPORT_URL_ALLOW to "
                            "allow it.")
    command_line = refusal(url, FetchPolicy(allow_private=False))
    assert command_line.endswith("(or use --allow-private).") is (kind != "cloud metadata")


def test_the_operator_allows_addresses_networks_and_host_names(site):
    policy = fetch_policy({"IMPORT_URL_ALLOW": ["10.0.0.0/8", "127.0.0.1", "Intranet.Local."]})
    assert policy.allow_networks == (ipaddress.ip_network("10.0.0.0/8"),
                                     ipaddress.ip_network("127.0.0.1/32"))
    assert policy.allow_hosts == frozenset({"intranet.local"})
    assert policy.allow_private is None
    assert fetch(site + "/wire", policy).data
    port = site.rsplit(":", 1)[1]
    assert fetch(f"http://[::ffff:127.0.0.1]:{port}/wire", policy).data  # the same address
    # the environment gives a string: ANNOTATOR_IMPORT_URL_ALLOW="127.0.0.1, ::1"
    assert fetch_policy({"IMPORT_URL_ALLOW": "127.0.0.1, ::1"}).allow_networks == (
        ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    with pytest.raises(ImportFailed) as refused:
        fetch_policy({"IMPORT_URL_ALLOW": ["10.0.0.0/33"]})
    assert refused.value.message == ("IMPORT_URL_ALLOW: '10.0.0.0/33' is neither an address, "
                                     "a network such as 10.0.0.0/8, nor a host name.")


def test_answers_that_are_not_a_page_are_refused(site):
    assert refusal(site + "/missing") == f"{site}/missing: the server answered 404 Not Found."
    assert refusal(site + "/pdf") == (
        f"{site}/pdf: this is not a web page (the server says it is application/pdf).")
    assert refusal(site + "/brotli") == (
        f"{site}/brotli: the page is compressed as br, which cannot be read.")
    assert refusal("http://127.0.0.1:9/") .startswith(
        "http://127.0.0.1:9/: cannot connect to 127.0.0.1 (")


def test_the_size_limit_holds_with_and_without_a_length_and_after_gzip(site):
    small = FetchPolicy(allow_private=True, max_bytes=64 * 1024)
    for path in ("/big", "/big-streamed", "/gzip-bomb"):
        assert refusal(site + path, small) == (
            f"{site}{path}: the page is larger than 64 KB, the limit (IMPORT_URL_MAX_BYTES).")
    assert fetch(site + "/gzip", small).data == (PAGES / "wire-story.html").read_bytes()


def test_the_time_limit_holds_for_an_answer_and_for_a_page_that_never_ends(site):
    quick = FetchPolicy(allow_private=True, timeout=0.5)
    assert refusal(site + "/slow", quick) == (
        f"{site}/slow: the server did not answer within 0.5 seconds.")
    assert refusal(site + "/drip", quick) == (
        f"{site}/drip: the server did not send the page within 0.5 seconds.")


# --- the command line ------------------------------------------------------------------------

def test_import_by_url_keeps_where_and_when(app, runner, make_project, site):
    make_project("news")
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    r = runner.invoke(args=["import", "news", "--allow-private", "--url", site + "/redirect",
                            "--url", site + "/ru"])
    assert r.exit_code == 0, r.output
    assert "Imported 2 documents, 14 paragraphs, 0 spans." in r.output
    wire, ru = documents(app)
    assert wire.title == WIRE_TITLE and ru.title == RU_TITLE
    assert wire.url.startswith("https://www.northlinenews.com/")  # the canonical link
    assert wire.meta["fetched_url"] == site + "/redirect"
    assert wire.meta["final_url"] == site + "/wire"
    fetched_at = dt.datetime.fromisoformat(wire.meta["fetched_at"].replace("Z", "+00:00"))
    assert before <= fetched_at <= dt.datetime.now(dt.UTC)
    assert wire.meta["fetched_at"].endswith("Z")
    assert ru.meta["fetched_url"] == site + "/ru" and "final_url" not in ru.meta


def test_import_by_a_list_of_urls(app, runner, make_project, site, tmp_path):
    make_project("news")
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# collected 2021-07-27\n{site}/wire\n\n  {site}/rt  \n")
    r = runner.invoke(args=["import", "news", "--allow-private", "--urls", str(listing),
                            "--url", site + "/live"])
    assert r.exit_code == 0, r.output
    assert [d.meta["fetched_url"] for d in documents(app)] == [
        site + "/live", site + "/wire", site + "/rt"]
    # from standard input, with --skip-existing for a list that grew
    r = runner.invoke(args=["import", "news", "--allow-private", "--skip-existing", "--urls",
                            "-"], input=f"{site}/wire\n{site}/ru\n")
    assert r.exit_code == 0, r.output
    assert "Imported 1 document" in r.output and "Skipped 1 already imported" in r.output
    assert len(documents(app)) == 4


def test_loopback_needs_allow_private_on_the_command_line(app, runner, make_project, site):
    make_project("news")
    r = runner.invoke(args=["import", "news", "--url", site + "/wire"])
    assert r.exit_code == 1
    assert r.stderr.endswith(
        f"Error: {site}/wire: 127.0.0.1 is a loopback address, which imports may not fetch "
        f"from; name it in IMPORT_URL_ALLOW to allow it (or use --allow-private). Nothing was "
        f"imported.\n")
    app.config["IMPORT_URL_ALLOW"] = ["127.0.0.0/8"]
    r = runner.invoke(args=["import", "news", "--url", site + "/wire"])
    assert r.exit_code == 0, r.output
    assert len(documents(app)) == 1


def test_every_failed_address_is_named_and_nothing_is_imported(app, runner, make_project, site,
                                                                tmp_path):
    make_project("news")
    text_file = tmp_path / "a.txt"
    text_file.write_text("A paragraph of a text file.\n")
    app.config["IMPORT_URL_TIMEOUT"] = 0.5
    r = runner.invoke(args=["import", "news", str(text_file), "--allow-private",
                            "--url", site + "/wire", "--url", site + "/missing",
                            "--url", site + "/front", "--url", "gopher://example.org/",
                            "--url", site + "/slow"])
    assert r.exit_code == 1
    assert r.stderr.endswith(
        f"Error: 4 of 5 web addresses could not be imported:\n"
        f"  {site}/missing: the server answered 404 Not Found.\n"
        f"  {site}/front: the page is a list of articles (teasers that link to other pages), "
        f"not an article; import the articles' own pages.\n"
        f"  gopher://example.org/: only http:// and https:// addresses can be fetched (this one "
        f"is gopher:).\n"
        f"  {site}/slow: the server did not answer within 0.5 seconds.\n"
        f"Nothing was imported.\n")
    with app.app_context():
        assert nothing_written()


def test_import_needs_something_to_import(app, runner, make_project):
    make_project("news")
    r = runner.invoke(args=["import", "news"])
    assert r.exit_code == 2
    assert "name the files or folders to import, or web pages with --url or --urls." in r.output


# --- where it came from: the pages, and JSONL there and back ---------------------------------

@pytest.mark.both_engines
def test_the_origin_goes_through_a_jsonl_export_and_import(app, runner, make_project, site,
                                                           tmp_path):
    make_project("news")
    make_project("copy")
    r = runner.invoke(args=["import", "news", "--allow-private", "--url", site + "/redirect",
                            str(PAGES / "rt-footnotes.html")])
    assert r.exit_code == 0, r.output
    exported = runner.invoke(args=["export", "news", "--format", "jsonl"])
    assert exported.exit_code == 0
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert lines[1]["meta"]["fetched_url"] == site + "/redirect"
    assert lines[1]["meta"]["final_url"] == site + "/wire"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines[1]["meta"]["fetched_at"])
    assert lines[1]["meta"]["author"] == "Dana Whitfield"
    assert lines[0]["source"] == "RT International"
    path = tmp_path / "export.jsonl"
    path.write_text(exported.output, encoding="utf-8")
    r = runner.invoke(args=["import", "copy", str(path)])
    assert r.exit_code == 0, r.output

    def fields(slug):
        with app.app_context():
            return [(d.title, d.source, d.url, d.published, d.meta, [p.text for p in d.paragraphs])
                    for d in db.session.scalars(select(Document).join(Project).where(
                        Project.slug == slug).order_by(Document.id))]

    assert fields("copy") == fields("news")
