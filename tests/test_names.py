"""Names and keys are checked whole: a trailing newline or a control character is refused
(it used to pass a '$' and then break the brat and CoNLL exports)."""

from __future__ import annotations

import copy

import pytest

from annotator.accounts import create_user
from annotator.codebook import default_codebook, validate_codebook
from annotator.errors import Invalid
from annotator.projects import create_project, validate_slug


@pytest.mark.parametrize("name", ["mallory\n", "alice\n", "bob\r", "tab\tname", "x\u0085"])
def test_user_names_with_line_ends_are_refused(app, name):
    with app.app_context(), pytest.raises(Invalid, match="user name"):
        create_user(name, password="password-123")


def test_the_cli_refuses_them_too(runner):
    r = runner.invoke(args=["create-user", "mallory\n", "--password", "password-123"])
    assert r.exit_code == 1 and "user name" in r.output


@pytest.mark.parametrize("slug", ["news\n", "news\r\n", "a-\n"])
def test_slugs_are_checked_whole(slug):
    with pytest.raises(Invalid, match="slug"):
        validate_slug(slug)


def _codebook(change):
    data = copy.deepcopy(default_codebook())
    change(data["labels"][0])
    return data


@pytest.mark.parametrize("change, message", [
    (lambda label: label.update(key="framing\n"), "needs a key"),
    (lambda label: label.update(color="#aabbcc\n"), "color must look like"),
    (lambda label: label.update(name="Fram\ning"), "control character"),
    (lambda label: label["attributes"][0].update(key="frame\n"), "needs a key"),
    (lambda label: label["attributes"][0].update(name="Frame\t"), "control character"),
    (lambda label: label["attributes"][0]["choices"].append("other\n"), "control character"),
])
def test_codebook_keys_colours_and_names_are_checked_whole(change, message):
    with pytest.raises(Invalid, match=message):
        validate_codebook(_codebook(change))


def test_project_names_refuse_control_characters(app):
    with app.app_context(), pytest.raises(Invalid, match="control character"):
        create_project("news", name="News\x07")
