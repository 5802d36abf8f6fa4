"""The flat HTML forms (WTForms with CSRF)."""

import json

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

try:  # WTForms 3.3 deprecates choices given as tuples
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - WTForms < 3.3
    def SelectChoice(value: str, label: str) -> tuple[str, str]:  # noqa: N802
        return value, label

from ..accounts import validate_password
from ..codebook import validate_codebook
from ..errors import DomainError, Invalid
from ..inputs import loads
from ..projects import parse_reviewers_per_document, validate_slug


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


# --- admin: users ----------------------------------------------------------------------------

def _check_password(field) -> None:
    try:
        validate_password(field.data or "")
    except Invalid as exc:
        raise ValidationError(exc.message) from None


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class UserCreateForm(FlaskForm):
    username = StringField("User name", validators=[
        DataRequired("Enter a user name."), Length(max=64, message="At most 64 characters.")])
    role = SelectField("Role", choices=[SelectChoice("reviewer", "Reviewer"),
                                             SelectChoice("admin", "Admin")],
                       default="reviewer")
    password = PasswordField("Password", validators=[
        DataRequired("Enter a password."), Length(max=1024)])
    confirm = PasswordField("Repeat the password", validators=[
        DataRequired("Repeat the password."),
        EqualTo("password", "The two passwords differ.")])

    def validate_password(self, field):
        _check_password(field)


class PasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[
        DataRequired("Enter a password."), Length(max=1024)])
    confirm = PasswordField("Repeat the new password", validators=[
        DataRequired("Repeat the password."),
        EqualTo("password", "The two passwords differ.")])

    def validate_password(self, field):
        _check_password(field)


class OwnPasswordForm(PasswordForm):
    current = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=1024)])


EXPIRIES = [SelectChoice("30d", "30 days"), SelectChoice("90d", "90 days"),
            SelectChoice("1y", "1 year"), SelectChoice("never", "Never (until revoked)")]


class TokenForm(FlaskForm):
    name = StringField("Note (what the token is for)", validators=[
        Optional(), Length(max=100, message="At most 100 characters.")])
    expires = SelectField("Expires after", choices=EXPIRIES, default="90d")


# --- admin: projects -------------------------------------------------------------------------

MODES = [SelectChoice("blind", "Blind: reviewers see only their own spans"),
         SelectChoice("open", "Open: reviewers may see each other's spans")]


def _codebook_from_text(text: str, where: str) -> dict:
    """Parse and check codebook JSON; a ValidationError with one sentence on any fault."""
    try:
        return validate_codebook(loads(text, where=where))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}).") from None
    except DomainError as exc:  # nested too deeply, text that cannot be stored, invalid
        raise ValidationError(exc.message) from None


def _codebook_file(upload) -> dict:
    """An uploaded codebook file, parsed and checked (a ValidationError naming the file)."""
    if not upload.filename.lower().endswith(".json"):
        raise ValidationError(f"{upload.filename}: a codebook file must be a .json file.")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(f"{upload.filename}: the file is not UTF-8 text.") from None
    return _codebook_from_text(text, upload.filename)


def _reviewers_per_document(field) -> int | None:
    """The field's whole number (``projects.parse_reviewers_per_document``), or None."""
    try:
        return parse_reviewers_per_document(field.data)
    except Invalid as exc:
        raise ValidationError(exc.message) from None


class ProjectCreateForm(FlaskForm):
    slug = StringField("Slug", validators=[DataRequired("Enter a slug.")])
    name = StringField("Name", validators=[
        Optional(), Length(max=200, message="At most 200 characters.")])
    mode = RadioField("Who sees whose spans", choices=MODES, default="blind")
    reviewers_per_document = StringField("Reviewers per document")
    codebook_source = RadioField("Codebook", default="default", choices=[
        SelectChoice("default", "The default codebook"),
        SelectChoice("upload", "Upload a .json file"),
        SelectChoice("edit", "Edit the JSON here"),
    ])
    codebook_file = FileField("Codebook file (.json)")
    codebook_json = TextAreaField("Codebook JSON")

    # Set by validation: the checked codebook (None: the default) and reviewers per document.
    codebook = None
    reviewers = None

    def validate_slug(self, field):
        field.data = (field.data or "").strip()
        try:
            validate_slug(field.data)
        except Invalid as exc:
            raise ValidationError(exc.message) from None

    def validate_reviewers_per_document(self, field):
        self.reviewers = _reviewers_per_document(field)

    def validate_codebook_file(self, field):
        if self.codebook_source.data != "upload":
            return
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError("Choose a codebook file to upload.")
        self.codebook = _codebook_file(upload)

    def validate_codebook_json(self, field):
        if self.codebook_source.data != "edit":
            return
        if not (field.data or "").strip():
            raise ValidationError("Enter the codebook JSON, or choose the default codebook.")
        self.codebook = _codebook_from_text(field.data, "Codebook")


class ProjectSettingsForm(FlaskForm):
    name = StringField("Name", validators=[
        DataRequired("Enter a name."), Length(max=200, message="At most 200 characters.")])
    mode = RadioField("Who sees whose spans", choices=MODES)
    reviewers_per_document = StringField("Reviewers per document")
    codebook_json = TextAreaField("Codebook JSON", validators=[
        InputRequired("Enter the codebook JSON.")])
    # Keys renamed in the codebook form (static/js/settings/): the stored spans follow them.
    codebook_renames = HiddenField()
    codebook_file = FileField("Import a codebook (.json)")

    codebook = None
    reviewers = None
    renames = None

    def validate_reviewers_per_document(self, field):
        self.reviewers = _reviewers_per_document(field)

    def validate_codebook_json(self, field):
        if self._uploaded() is None:
            self.codebook = _codebook_from_text(field.data, "Codebook")

    def validate_codebook_renames(self, field):
        text = (field.data or "").strip()
        if not text or self._uploaded() is not None:
            return  # an imported codebook renames nothing: a changed key is a new one
        try:
            self.renames = json.loads(text)
        except json.JSONDecodeError:
            raise ValidationError("The renames of the codebook form are not valid JSON; "
                                  "reload the page and try again.") from None

    def validate_codebook_file(self, field):
        upload = self._uploaded()
        if upload is not None:
            self.codebook = _codebook_file(upload)

    def _uploaded(self):
        """The codebook file chosen (it replaces the codebook), or None."""
        upload = self.codebook_file.data
        return upload if upload is not None and getattr(upload, "filename", "") else None


class SuggestionSettingsForm(FlaskForm):
    """A project's suggestion settings (annotator/suggestions/store.py), on the project page."""

    enabled = BooleanField("Offer the rules' suggestions on the annotate page")
    unprimed_documents = StringField("Off for each reviewer's first documents")
    rules_off = SelectMultipleField("Rules turned off")

    unprimed = 0

    def validate_unprimed_documents(self, field):
        text = (field.data or "").strip() or "0"
        if not (text.isascii() and text.isdigit() and int(text) <= 10000):
            raise ValidationError("Enter a whole number of documents from 0 to 10000.")
        self.unprimed = int(text)


# --- admin: imports --------------------------------------------------------------------------

class ImportForm(FlaskForm):
    files = MultipleFileField("Files (.txt, .md, .html, .jsonl, brat .zip)")
    urls = TextAreaField("Web pages", validators=[Optional(), Length(max=100_000)],
                         description="Addresses of articles to fetch, one a line (http:// "
                                     "or https://).")
    first_line_title = BooleanField("First line is the title",
                                    description="For .txt and .md files without a title in "
                                                "their front matter.")
    skip_existing = BooleanField("Skip articles already imported",
                                 description="Instead of refusing the whole import.")
    reviewer = StringField("Reviewer of doccano files", validators=[Optional(), Length(max=64)],
                           description="doccano JSONL holds one reviewer's spans: name them "
                                       "(an account is created when there is none; “gold” "
                                       "imports them as gold).")

    def validate_files(self, field):
        if not [f for f in field.data or [] if getattr(f, "filename", "")] \
                and not (self.urls.data or "").strip():
            raise ValidationError("Choose at least one file to import, or list web pages to "
                                  "fetch.")
