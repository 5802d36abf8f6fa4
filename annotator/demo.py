"""The demo: a project with the default codebook, the sample article and four accounts."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from sqlalchemy import select
from werkzeug.security import check_password_hash

from .accounts import create_user, find_user
from .extensions import db
from .imports import import_documents, parse_text_file
from .models import Project
from .projects import create_project

DEMO_SLUG = "demo"
DEMO_ACCOUNTS = (
    ("admin", "admin", "admin-demo"),
    ("alice", "reviewer", "alice-demo"),
    ("bob", "reviewer", "bob-demo1"),
    ("carol", "reviewer", "carol-demo"),
)
SAMPLE = "rt-iraq-withdrawal.txt"
SAMPLE_TITLE = "Iraq no longer needs US troops, says Prime Minister al-Kazimi"


def sample_bytes() -> bytes:
    return resources.files("annotator").joinpath(f"data/samples/{SAMPLE}").read_bytes()


def load_demo() -> Project:
    for name, role, password in DEMO_ACCOUNTS:
        if find_user(name) is None:
            create_user(name, role=role, password=password)
    project = create_project(
        DEMO_SLUG,
        name="Demo: RT on the US withdrawal from Iraq",
        blind=False,
    )
    project.suggestion_settings = {"enabled": True}  # the rules' suggestions, to try them
    db.session.commit()
    document = parse_text_file(sample_bytes(), SAMPLE)
    document.title = SAMPLE_TITLE
    document.source = "RT"
    document.published = dt.date(2021, 7, 26)
    document.meta = {"language": "en", "note": "English edition; text kept as published, "
                     "captions and photo credits included."}
    import_documents(project, [document])
    annotate_demo_reviews(project)
    return project


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo accounts that still have their demo password."""
    logins = []
    for name, _role, password in DEMO_ACCOUNTS:
        user = find_user(name)
        if user is not None and user.password_hash and \
                check_password_hash(user.password_hash, password):
            logins.append((user.username, user.role, password))
    return logins


def demo_project() -> Project | None:
    return db.session.scalar(select(Project).where(Project.slug == DEMO_SLUG))


# --- demo reviews: three reviewers who annotated the sample article ---------------------------
#
# So that the agreement page has something to show right after `annotator demo`: dana, eli and
# fay (accounts without a password: they cannot log in) submitted the sample article with
# mostly the same attributions, expert opinions and disclaimers; they differ on some
# boundaries, on a few labels (attribution or expert opinion?) and on some attributes, and
# fay, the least careful, misses more than the others.

DEMO_REVIEWERS = ("dana", "eli", "fay")

_KAZIMI = {"source": "Mustafa al-Kazimi", "source_type": "official", "named": "named",
           "channel": "interview_elsewhere"}
_HUSSEIN = {"source": "Fuad Hussein", "source_type": "official", "named": "named",
            "channel": "press_report"}
_TRUMP = {"source": "Donald Trump", "source_type": "official", "named": "named",
          "channel": "statement"}
_MACKENZIE = {"source": "Frank Mackenzie", "source_type": "official", "named": "named",
              "channel": "interview_elsewhere"}
_BLOKHIN = {"expert": "Konstantin Blokhin",
            "affiliation": "Center for Security Studies of the Russian Academy of Sciences",
            "affiliation_type": "academic", "affiliation_country": "same_as_outlet",
            "credentials": "explicit", "stance": "supports_framing",
            "access": "exclusive_to_outlet"}
_KOSHKIN = {"expert": "Andrei Koshkin", "affiliation": "Plekhanov Russian University of Economics",
            "affiliation_type": "academic", "affiliation_country": "same_as_outlet",
            "credentials": "explicit", "stance": "supports_framing",
            "access": "exclusive_to_outlet"}
_US_NEGATIVE = {"device": "lexical", "valence": "negative", "target": "United States"}
_LEGAL = {"kind": "legal_designation", "authority": "court", "placement": "footnote"}

# (paragraph, exact text, label, attributes, reviewers by initial): one line per span, so a
# boundary difference or a label confusion is a second line for the reviewer who differs.
_DEMO_SPANS: tuple[tuple[int, str, str, dict, str], ...] = (
    (0, "Iraqi Prime Minister Mustafa al-Kazimi said that his country no longer needs the "
        "presence of the US military on its territory, since the security services and the "
        "Iraqi army are able to defend the republic without the support of the US-led "
        "coalition", "attribution", {**_KAZIMI, "form": "indirect"}, "de"),
    (0, "Iraqi Prime Minister Mustafa al-Kazimi said that his country no longer needs the "
        "presence of the US military on its territory", "attribution",
     {**_KAZIMI, "form": "indirect"}, "f"),
    (1, "He said this in an interview with the Associated Press", "attribution",
     {**_KAZIMI, "form": "indirect"}, "de"),
    (2, "“There is no need for the presence of foreign military forces on Iraqi soil,” "
        "al-Kazimi said", "attribution", {**_KAZIMI, "form": "direct_quote"}, "def"),
    (3, "According to the prime minister, the dates and timing of the US withdrawal will "
        "depend on progress in talks with the Biden administration over the coming week",
     "attribution", {**_KAZIMI, "form": "indirect"}, "def"),
    (4, "“The war against IS and the readiness of our troops requires a special schedule, so "
        "the date depends on the negotiations that we will hold in Washington,” the Iraqi "
        "prime minister added", "attribution", {**_KAZIMI, "form": "direct_quote"}, "de"),
    (4, "“The war against IS and the readiness of our troops requires a special schedule, so "
        "the date depends on the negotiations that we will hold in Washington,”",
     "attribution", {**_KAZIMI, "form": "direct_quote"}, "f"),
    (5, "he noted that Baghdad will still turn to Washington for help in training the "
        "military and collecting intelligence", "attribution",
     {**_KAZIMI, "form": "indirect"}, "df"),
    (5, "At the same time, he noted that Baghdad will still turn to Washington for help in "
        "training the military and collecting intelligence", "attribution",
     {**_KAZIMI, "form": "indirect"}, "e"),
    (6, "“We expect from the US presence in Iraq to support our forces in training and "
        "strengthening effectiveness and capabilities, as well as security cooperation,” "
        "al-Kazimi said", "attribution", {**_KAZIMI, "form": "direct_quote"}, "def"),
    (7, "The Wall Street Journal, citing sources in the Biden administration, reported that "
        "the White House and the Iraqi authorities are working on a joint statement on the "
        "withdrawal of American troops from the country by the end of 2021", "attribution",
     {"source": "The Wall Street Journal", "source_type": "media", "named": "named",
      "channel": "press_report", "form": "indirect"}, "de"),
    (7, "The Wall Street Journal, citing sources in the Biden administration, reported that "
        "the White House and the Iraqi authorities are working on a joint statement on the "
        "withdrawal of American troops from the country by the end of 2021", "attribution",
     {"source": "sources in the Biden administration", "source_type": "anonymous",
      "named": "unnamed", "channel": "press_report", "form": "indirect"}, "f"),
    (7, "sources in the Biden administration", "attribution",
     {"source": "sources in the Biden administration", "source_type": "anonymous",
      "named": "unnamed", "channel": "unknown", "form": "indirect"}, "e"),
    (8, "The material quoted the words of Iraqi Foreign Minister Fuad Hussein, who expressed "
        "a position similar to that of the Prime Minister", "attribution",
     {**_HUSSEIN, "form": "indirect"}, "de"),
    (9, "“We don't need more fighters, because we have them.", "attribution",
     {**_HUSSEIN, "form": "direct_quote"}, "de"),
    (10, "What we need?", "attribution", {**_HUSSEIN, "form": "direct_quote"}, "d"),
    (11, "We need intelligence cooperation.", "attribution",
     {**_HUSSEIN, "form": "direct_quote"}, "de"),
    (12, "We need help with combat training.", "attribution",
     {**_HUSSEIN, "form": "direct_quote"}, "de"),
    (13, "We need the military for air support, ”the newspaper quoted the Iraqi diplomat as "
         "saying", "attribution", {**_HUSSEIN, "form": "direct_quote"}, "def"),
    (14, "\"Now we're leaving\"", "framing",
     {"dimension": "political", "device": "lexical", "valence": "negative",
      "target": "United States"}, "e"),
    (16, "the American special operation", "framing",
     {**_US_NEGATIVE, "dimension": "security_defense", "valence": "neutral"}, "df"),
    (22, "then-President Donald Trump announced that the armed forces of the United States "
         "and the international coalition supporting them would be withdrawn from Iraq within "
         "three years", "attribution", {**_TRUMP, "form": "indirect"}, "def"),
    (23, "“We were there and now we are leaving.", "attribution",
     {**_TRUMP, "form": "direct_quote"}, "de"),
    (24, "We will withdraw our troops shortly and relations remain very good.", "attribution",
     {**_TRUMP, "form": "direct_quote"}, "def"),
    (25, "We are concluding very large oil deals.", "attribution",
     {**_TRUMP, "form": "direct_quote"}, "de"),
    (26, "Our oil companies are making colossal deals ... Soon we will withdraw our troops and "
         "hope to leave a country that can defend itself on its own, ”Trump said at the time",
     "attribution", {**_TRUMP, "form": "direct_quote"}, "de"),
    (26, "Our oil companies are making colossal deals ... Soon we will withdraw our troops and "
         "hope to leave a country that can defend itself on its own, ”", "attribution",
     {**_TRUMP, "form": "direct_quote"}, "f"),
    (27, "US Ambassador to Iraq Matthew Tuller said that the United States is not currently "
         "conducting any military operations in Iraq, but is limited only to supporting the "
         "Iraqi security forces from the air and providing them with intelligence",
     "attribution", {"source": "Matthew Tuller", "source_type": "official", "named": "named",
                     "channel": "statement", "form": "indirect"}, "def"),
    (28, "US officials have sent only mixed signals about the future of the American "
         "contingent in Iraq", "framing",
     {**_US_NEGATIVE, "dimension": "political", "target": "US officials"}, "de"),
    (28, "US officials have sent only mixed signals about the future of the American "
         "contingent in Iraq", "attribution",
     {"source": "US officials", "source_type": "official", "named": "unnamed",
      "channel": "unknown", "form": "indirect"}, "f"),
    (29, "the head of the US Central Command, General Frank Mackenzie, told the Military Times "
         "that the Pentagon was not going to withdraw the last 2,500 troops from the country",
     "attribution", {**_MACKENZIE, "form": "indirect"}, "def"),
    (30, "According to him, Operation Unwavering Determination in the fight against IS "
         "terrorists is not over yet", "attribution", {**_MACKENZIE, "form": "indirect"},
     "de"),
    (31, "“We will be there, our NATO partners will be there to end the fight against ISIS.",
     "attribution", {**_MACKENZIE, "form": "direct_quote"}, "de"),
    (32, "And we will stay in Iraq, ”the publication quotes the words of the military leader",
     "attribution", {**_MACKENZIE, "form": "direct_quote"}, "def"),
    (33, "Mackenzie expressed confidence that \"there is still a lot of work to be done in "
         "Iraq with regard to the ISIS present there.\"", "attribution",
     {**_MACKENZIE, "form": "mixed"}, "de"),
    (33, "Mackenzie expressed confidence that \"there is still a lot of work to be done in "
         "Iraq with regard to the ISIS present there", "attribution",
     {**_MACKENZIE, "form": "direct_quote"}, "f"),
    (35, "under the pretext that Baghdad allegedly possesses weapons of mass destruction",
     "framing", {**_US_NEGATIVE, "dimension": "legality"}, "df"),
    (35, "allegedly possesses weapons of mass destruction", "framing",
     {**_US_NEGATIVE, "dimension": "morality"}, "e"),
    (36, "This invasion and overthrow of the Hussein government destabilized Iraq and led to "
         "the emergence of various militias", "framing",
     {**_US_NEGATIVE, "dimension": "security_defense", "device": "informational"}, "de"),
    (38, "According to the Pentagon, as of June 1, 2008, there were more than 182,000 American "
         "troops in the country", "attribution",
     {"source": "the Pentagon", "source_type": "official", "named": "named",
      "channel": "statement", "form": "indirect"}, "def"),
    (45, "Now Washington wants to cut costs that have become unnecessary, in his opinion, in "
         "order to redistribute the released funds, said Konstantin Blokhin, a leading "
         "researcher at the Center for Security Studies of the Russian Academy of Sciences",
     "expert-opinion", _BLOKHIN, "de"),
    (45, "Now Washington wants to cut costs that have become unnecessary, in his opinion, in "
         "order to redistribute the released funds, said Konstantin Blokhin, a leading "
         "researcher at the Center for Security Studies of the Russian Academy of Sciences",
     "attribution", {"source": "Konstantin Blokhin", "source_type": "expert", "named": "named",
                     "channel": "interview_with_outlet", "form": "indirect"}, "f"),
    (46, "“Biden's strategy is to rid the United States of the heaviest baggage that has arisen "
         "due to military-political alliances and the spread of the contingent around the "
         "world.", "expert-opinion", _BLOKHIN, "def"),
    (47, "Given that the presence of armed forces abroad imposes certain obligations on the "
         "United States, and also involves financial costs, the White House is trying to free "
         "up all the resources involved, if possible, in order to concentrate them against "
         "Russia and China, ”the expert said in a conversation with RT.", "expert-opinion",
     _BLOKHIN, "def"),
    (47, "in order to concentrate them against Russia and China", "framing",
     {**_US_NEGATIVE, "dimension": "security_defense", "device": "informational"}, "e"),
    (48, "At the same time, it cannot be ruled out that by its actions the United States is "
         "destabilizing the situation in the republic, as has already happened in Afghanistan, "
         "the political scientist added", "expert-opinion", _BLOKHIN, "d"),
    (48, "it cannot be ruled out that by its actions the United States is destabilizing the "
         "situation in the republic, as has already happened in Afghanistan, the political "
         "scientist added", "expert-opinion", {**_BLOKHIN, "affiliation_type": "state_affiliated"},
     "ef"),
    (49, "the hasty withdrawal of the American military from Afghanistan led to a large-scale "
         "counteroffensive by the Taliban fighters", "framing",
     {**_US_NEGATIVE, "dimension": "security_defense", "device": "informational"}, "def"),
    (49, "**", "disclaimer", {**_LEGAL, "attached_to": "Taliban"}, "def"),
    (50, "“However, the White House will not suffer from remorse over this.", "expert-opinion",
     _BLOKHIN, "def"),
    (51, "Considering that the United States is far from the Middle East and the consequences "
         "of this decision will not affect them, Washington can afford such experiments, in "
         "particular, to introduce and then withdraw American troops whenever it pleases, "
         "”said Konstantin Blokhin.", "expert-opinion", _BLOKHIN, "de"),
    (51, "Considering that the United States is far from the Middle East and the consequences "
         "of this decision will not affect them, Washington can afford such experiments, in "
         "particular, to introduce and then withdraw American troops whenever it pleases, "
         "”said Konstantin Blokhin", "expert-opinion", _BLOKHIN, "f"),
    (52, "Head of the Department of Political Science and Sociology of the PRUE",
     "expert-opinion", _KOSHKIN, "de"),
    (54, "Plekhanov's Andrei Koshkin also believes that the United States wants to reorient its "
         "forces and the forces of its allies", "expert-opinion", _KOSHKIN, "def"),
    (55, "“The US needs to free its forces and NATO forces, and pull them into the "
         "Asia-Pacific region.", "expert-opinion", _KOSHKIN, "def"),
    (56, "To do this, it is necessary to revise the map of the presence of American troops in "
         "the regions of the planet that have become unpromising.", "expert-opinion",
     _KOSHKIN, "de"),
    (57, "Therefore, Joe Biden decided to complete the withdrawal of troops from Afghanistan.",
     "expert-opinion", _KOSHKIN, "de"),
    (57, "Therefore, Joe Biden decided to complete the withdrawal of troops from Afghanistan.",
     "attribution", {"source": "Andrei Koshkin", "source_type": "expert", "named": "named",
                     "channel": "interview_with_outlet", "form": "direct_quote"}, "f"),
    (58, "Now Iraq is next in line, ”the expert explained in an interview with RT.",
     "expert-opinion", _KOSHKIN, "def"),
    (59, "Andrei Koshkin agrees with the opinion of Konstantin Blokhin that after the Americans "
         "leave Iraq, the situation in this country may begin to develop according to a "
         "scenario similar to the Afghani scenario.", "expert-opinion",
     {**_KOSHKIN, "affiliation": ""}, "def"),
    (60, "“Destabilization always arises when forces that restrain a multi-vector conflict "
         "leave the region.", "expert-opinion", _KOSHKIN, "def"),
    (61, "The same will happen with Iraq when the US military is withdrawn.", "expert-opinion",
     _KOSHKIN, "de"),
    (62, "Moreover, this may affect not only Iraq itself, but also the surrounding countries of "
         "the region, ”the political scientist concluded.", "expert-opinion", _KOSHKIN,
     "def"),
    (63, "* \"Islamic State\" (IS, ISIS) - the organization was recognized as terrorist by the "
         "decision of the Supreme Court of the Russian Federation of December 29, 2014.",
     "disclaimer", {**_LEGAL, "attached_to": "Islamic State"}, "def"),
    (64, "** \"Taliban\" - the organization was recognized as terrorist by the decision of the "
         "Supreme Court of the Russian Federation dated 02.14.2003.", "disclaimer",
     {**_LEGAL, "attached_to": "Taliban"}, "de"),
    (64, "\"Taliban\" - the organization was recognized as terrorist by the decision of the "
         "Supreme Court of the Russian Federation dated 02.14.2003.", "disclaimer",
     {**_LEGAL, "attached_to": "Taliban", "authority": "government_body"}, "f"),
)


def demo_review_spans(paragraphs: list[str]) -> dict[str, list[dict]]:
    """Each demo reviewer's spans on the sample article, offsets found in the text."""
    by_reviewer: dict[str, list[dict]] = {name: [] for name in DEMO_REVIEWERS}
    initials = {name[0]: name for name in DEMO_REVIEWERS}
    for paragraph, quote, label, attributes, who in _DEMO_SPANS:
        start = paragraphs[paragraph].find(quote)
        if start < 0:
            raise ValueError(f"demo span not found in paragraph {paragraph}: {quote[:40]!r}")
        for initial in who:
            by_reviewer[initials[initial]].append({
                "paragraph": paragraph, "start": start, "end": start + len(quote),
                "label": label, "attributes": dict(attributes)})
    return by_reviewer


def annotate_demo_reviews(project: Project | None = None) -> int:
    """Add the demo reviewers' submitted reviews of the sample article; returns the number of
    spans added (0 when they are there already)."""
    from .annotations import submit_document
    from .codebook import load_codebook
    from .models import Annotation, Document, DocumentReview

    project = project or demo_project()
    if project is None:
        return 0
    document = db.session.scalar(
        select(Document).where(Document.project_id == project.id,
                               Document.title == SAMPLE_TITLE).order_by(Document.id))
    if document is None:
        return 0
    codebook = load_codebook(project.codebook)
    paragraphs = [p.text for p in document.paragraphs]
    added = 0
    for name, spans in demo_review_spans(paragraphs).items():
        user = find_user(name) or create_user(name, role="reviewer", password=None)
        if db.session.scalar(select(DocumentReview.id).where(
                DocumentReview.document_id == document.id,
                DocumentReview.reviewer_id == user.id)) is not None:
            continue
        for span in spans:
            attributes = codebook.clean_attributes(span["label"], span["attributes"],
                                                   f"demo span of {name}")
            db.session.add(Annotation(
                document_id=document.id, paragraph_index=span["paragraph"],
                reviewer_id=user.id, start=span["start"], end=span["end"],
                label=span["label"], attributes=attributes, note=""))
            added += 1
        answers = codebook.clean_answers(DEMO_ANSWERS.get(name, {}))
        if answers:
            db.session.add(DocumentReview(document_id=document.id, reviewer_id=user.id,
                                          status="in_progress", answers=answers))
        db.session.flush()
        submit_document(document, user)  # marks every paragraph reviewed, commits
    return added


# The demo reviewers' answers to the article-level questions: two read the article as a
# security story, one as a political one; all find its tone toward the US presence negative,
# one of them very.
DEMO_ANSWERS = {
    "dana": {"primary_frame": "security_defense", "tone": "negative"},
    "eli": {"primary_frame": "security_defense", "tone": "very negative"},
    "fay": {"primary_frame": "political", "tone": "negative"},
}
