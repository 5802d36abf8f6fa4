"""The suggestion rules, one by one, on real sentences (annotator/suggestions/).

Each rule's own example (``RULES``) must produce a suggestion of that rule; then the hard
cases: curly and straight quotes, quotes split by their cue, quotes over several paragraphs,
nested quotes, no-break spaces, "according to" inside a quote, scare quotes and headings, and
the sample article measured against the demo reviewers.
"""

from __future__ import annotations

import pytest

from annotator.codebook import default_codebook, load_codebook
from annotator.demo import demo_review_spans, sample_bytes
from annotator.imports import parse_text_file
from annotator.suggestions import RULE_NAMES, RULES, fit_to_codebook, suggest
from annotator.suggestions.evaluate import Item, evaluate, format_table
from annotator.suggestions.text import find_quotes


def spans(paragraphs, outlet=None, **kwargs):
    """(paragraph, text, label, rule, attributes) of each suggestion."""
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    return [(s.paragraph, paragraphs[s.paragraph][s.start:s.end], s.label, s.rule,
             s.attributes) for s in suggest(paragraphs, outlet, **kwargs)]


def one(paragraphs, outlet=None, **kwargs):
    found = spans(paragraphs, outlet, **kwargs)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def sample():
    return parse_text_file(sample_bytes(), "sample.txt").paragraphs


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_each_rules_example_is_found_by_that_rule(rule):
    paragraphs = [rule.example]
    if rule.name == "footnote-marker":
        paragraphs.append("** \"Taliban\" - the organization was recognized as terrorist by the "
                          "decision of the Supreme Court of the Russian Federation.")
    found = suggest(paragraphs)
    assert rule.name in {s.rule for s in found}, found
    assert {s.label for s in found if s.rule == rule.name} == {rule.label}


def test_rules_are_named_documented_and_use_the_default_codebook():
    codebook = load_codebook(default_codebook())
    assert len(set(RULE_NAMES)) == len(RULES)
    for rule in RULES:
        assert rule.summary and rule.example
        assert rule.label in codebook.labels


# --- quotations -------------------------------------------------------------------------------

def test_curly_quote_with_the_speaker_after():
    paragraph, text, label, rule, attributes = one(
        "“There is no need for the presence of foreign military forces on Iraqi soil,” "
        "al-Kazimi said.")
    assert rule == "quote-cue-after" and label == "attribution"
    assert text.startswith("“There is") and text.endswith("al-Kazimi said")
    assert attributes["source"] == "al-Kazimi"
    assert attributes["form"] == "direct_quote"


def test_straight_quote_with_the_verb_before_the_speaker_and_an_apposition():
    _, text, label, rule, attributes = one(
        '"The market had priced in an extension, but not for this long," said Vanessa '
        'Lindgren, senior commodities analyst at Nordic Bank.')
    assert text.endswith("at Nordic Bank")
    # an analyst: the expert-opinion rule takes the attribution over
    assert (label, rule) == ("expert-opinion", "expert-opinion")
    assert attributes["expert"] == "Vanessa Lindgren"


def test_split_quote_is_one_suggestion_over_both_parts():
    _, text, label, rule, attributes = one(
        "“We will leave,” he said, “and we will not come back.”")
    assert rule == "quote-split"
    assert text == "“We will leave,” he said, “and we will not come back.”"


def test_quote_with_its_cue_before():
    _, text, _, rule, attributes = one("The minister told reporters: “We are not leaving.”")
    assert rule == "quote-cue-before"
    assert text == "The minister told reporters: “We are not leaving.”"
    assert attributes["channel"] == "statement"
    assert attributes["source_type"] == "official"


def test_partial_quote_after_that_is_mixed():
    _, text, _, _, attributes = one(
        'Mackenzie expressed confidence that "there is still a lot of work to be done in '
        'Iraq with regard to the ISIS present there."')
    assert attributes["form"] == "mixed"
    assert text.startswith("Mackenzie expressed")


def test_nested_quotes_belong_to_the_outer_one():
    _, text, _, rule, _ = one(
        "“He told me ‘we are leaving’ and then left,” the officer said.")
    assert rule == "quote-cue-after"
    assert text == "“He told me ‘we are leaving’ and then left,” the officer said"
    _, text, _, _, _ = one('“The plan is called "Operation Dawn" for a reason,” the '
                           'spokesman said.')
    assert text.startswith("“The plan is called")


def test_apostrophes_are_not_quotation_marks():
    text = "“We don’t need more fighters, because we’ve got them,” the minister’s aide said."
    quotes = find_quotes([text])
    assert len(quotes) == 1
    assert quotes[0].pieces == [(0, 0, text.index("”") + 1)]


def test_no_break_spaces():
    _, text, _, _, attributes = one("“We will leave,”\u00a0al-Kazimi said.")
    assert text == "“We will leave,”\u00a0al-Kazimi said"
    _, text, _, rule, attributes = one(
        "Mustafa\u00a0al-Kazimi\u00a0said that Iraq no longer needs foreign combat troops.")
    assert rule == "reported-speech"
    assert attributes["source"] == "Mustafa al-Kazimi"
    assert spans("Destabilization potential\u00a0") == []


def test_according_to_inside_a_quote_is_no_source():
    found = spans("“Everything went according to plan,” the minister said.")
    assert [rule for *_, rule, _ in found] == ["quote-cue-after"]
    assert spans("The bridge reopened according to plan in 2019.") == []


def test_scare_quotes_titles_and_headings_are_left_alone():
    assert spans('The film, titled "The Last Harvest", opens in cinemas next month.') == []
    assert spans(['“We will leave,” al-Kazimi said.', '"Now we\'re leaving"']) == [
        (0, "“We will leave,” al-Kazimi said", "attribution", "quote-cue-after",
         {"source": "al-Kazimi", "named": "named", "form": "direct_quote"})]
    assert spans("It is worth noting that the so-called \"peace dividend\" never arrived.") == []


def test_quote_over_several_paragraphs_with_one_opening_and_one_closing_mark(sample):
    found = [s for s in suggest(sample, "RT") if 9 <= s.paragraph <= 13]
    assert [s.paragraph for s in found] == [9, 10, 11, 12, 13]
    assert {s.rule for s in found} == {"quote-cue-after"}
    assert found[0].start == 0 and sample[9][found[0].start] == "“"
    assert sample[13][found[-1].start:found[-1].end].endswith(
        "the newspaper quoted the Iraqi diplomat as saying")
    # the speaker is the diplomat the newspaper quoted, introduced as a foreign minister
    assert {s.attributes["source"] for s in found} == {"Fuad Hussein"}
    assert {s.attributes["channel"] for s in found} == {"press_report"}


def test_quote_over_paragraphs_each_opening_with_a_mark():
    paragraphs = ["“We have done what we came to do.",
                  "“We leave a country that can defend itself,” the general said."]
    found = spans(paragraphs)
    assert [(p, rule) for p, _, _, rule, _ in found] == [(0, "quote-cue-after"),
                                                         (1, "quote-cue-after")]


def test_unclosed_quotation_mark_does_not_swallow_the_article():
    paragraphs = ["He said “we leave tomorrow.", "The weather was fine.",
                  "“We will stay,” the minister said."]
    found = spans(paragraphs)
    assert (2, "“We will stay,” the minister said", "attribution", "quote-cue-after") in [
        x[:4] for x in found]
    assert all(p != 1 for p, *_ in found)


def test_quote_of_the_same_speaker_without_a_cue():
    found = spans("“We’ll get it done,” Ellis told reporters as he left for Ohio. “We always do.”")
    assert [(text, rule) for _, text, _, rule, _ in found] == [
        ("“We’ll get it done,” Ellis told reporters as he left for Ohio", "quote-cue-after"),
        ("“We always do.”", "quote-same-speaker")]
    assert found[1][4]["source"] == "Ellis"


# --- reported speech ---------------------------------------------------------------------------

def test_reported_speech_with_a_title_and_a_name():
    _, text, _, rule, attributes = one(
        "Iraqi Prime Minister Mustafa al-Kazimi said that his country no longer needs the "
        "presence of the US military on its territory.")
    assert rule == "reported-speech"
    assert text.endswith("on its territory")  # to the end of the sentence, without the stop
    assert attributes == {"source": "Mustafa al-Kazimi", "source_type": "official",
                          "named": "named", "form": "indirect"}


def test_told_with_an_outlet_and_a_title_before_the_name():
    _, text, _, _, attributes = one(
        "For example, in April, the head of the US Central Command, General Frank Mackenzie, "
        "told the Military Times that the Pentagon was not going to withdraw the last 2,500 "
        "troops.")
    assert text.startswith("the head of the US Central Command")
    assert attributes["source"] == "Frank Mackenzie"
    assert attributes["channel"] == "interview_elsewhere"


def test_speaker_behind_a_parenthetical_clause():
    _, text, _, _, attributes = one(
        "Earlier, The Wall Street Journal, citing sources in the Biden administration, "
        "reported that the White House and the Iraqi authorities are working on a joint "
        "statement.")
    assert text.startswith("The Wall Street Journal")
    assert attributes["source"] == "The Wall Street Journal"
    assert attributes["source_type"] == "media"
    assert attributes["channel"] == "press_report"


def test_anonymous_sources():
    _, _, _, _, attributes = one(
        "A senior administration official, speaking on condition of anonymity, said the "
        "number would not necessarily fall.")
    assert attributes["source_type"] == "anonymous"
    assert attributes["named"] == "unnamed"
    _, _, _, _, attributes = one(
        "Two sources familiar with the talks told Reuters that negotiators had met in "
        "Istanbul.", outlet="Reuters")
    assert attributes["source_type"] == "anonymous"
    assert attributes["channel"] == "interview_with_outlet"


def test_believes_that_needs_its_clause():
    _, text, _, rule, attributes = one("The minister also believes that the United States "
                                       "wants to reorient its forces.")
    assert rule == "reported-speech" and text.startswith("The minister also believes")
    assert spans("The minister believes in hard work.") == []
    assert spans("The parties agreed to meet again in May.") == []


def test_two_attributions_in_one_sentence():
    found = spans("Ukraine's air force said it had shot down 28 of 31 drones, while officials "
                  "in Mykolaiv reported damage to power lines.")
    assert [text for _, text, *_ in found] == [
        "Ukraine's air force said it had shot down 28 of 31 drones",
        "officials in Mykolaiv reported damage to power lines"]


def test_cue_at_the_end_of_the_sentence():
    _, text, _, rule, attributes = one(
        "Germany's economy ministry expects growth of just 0.3% this year, it said on "
        "Tuesday, cutting its forecast for the second time.")
    assert rule == "reported-speech-after"
    assert text.startswith("Germany's economy ministry")
    _, _, _, rule, attributes = one(
        "Russia will respond to any deployment of US missiles in Europe, Deputy Foreign "
        "Minister Sergei Ostrov told TASS.", outlet="TASS")
    assert attributes["source"] == "Sergei Ostrov"
    assert attributes["channel"] == "interview_with_outlet"


def test_participle_cue_and_data_verbs():
    _, text, _, _, _ = one("France's finance minister on Sunday defended a plan to raise the "
                           "retirement age, saying the pension system would otherwise run a "
                           "deficit.")
    assert text.startswith("France's finance minister")
    _, _, _, _, attributes = one("Polls show around two thirds of voters oppose the reform.")
    assert attributes["source_type"] == "document"
    assert spans("Prices rose 3.2% in May, the fastest pace in a year.") == []


def test_pronouns_and_descriptions_follow_the_speaker_introduced_before(sample):
    found = {s.paragraph: s for s in suggest(sample, "RT")}
    assert found[1].attributes["source"] == "Mustafa al-Kazimi"  # "He said this …"
    assert found[3].attributes["source"] == "Mustafa al-Kazimi"  # "According to the prime …"
    assert found[4].attributes["source"] == "Mustafa al-Kazimi"  # "the Iraqi prime minister"
    assert found[30].attributes["source"] == "Frank Mackenzie"  # "According to him"
    assert found[32].attributes["source"] == "Frank Mackenzie"  # "the military leader"
    assert found[38].attributes["source"] == "the Pentagon"


def test_not_speakers():
    assert spans("We will remind, on January 5, the parliament adopted a resolution.") == []
    assert spans("Recall that the treaty was signed in 1992 and expired in 2019.") == []
    assert spans("After that, the United States and its allies handed over a number of "
                 "bases.") == []
    assert spans("He was accused of fraud by the prosecutors last year.") == []


# --- expert opinion ----------------------------------------------------------------------------

def test_expert_with_affiliation_and_credentials(sample):
    found = {s.paragraph: s for s in suggest(sample, "RT")}
    blokhin = found[45]
    assert blokhin.label == "expert-opinion" and blokhin.rule == "expert-opinion"
    assert blokhin.attributes == {
        "expert": "Konstantin Blokhin",
        "affiliation": "Center for Security Studies of the Russian Academy of Sciences",
        "affiliation_type": "academic", "credentials": "explicit"}
    # "the expert said in a conversation with RT": the same expert, an exclusive comment
    assert found[47].attributes["expert"] == "Konstantin Blokhin"
    assert found[47].attributes["access"] == "exclusive_to_outlet"
    # Koshkin's title is broken over the three paragraphs before his name
    assert found[54].label == "expert-opinion"
    assert found[54].attributes["expert"] == "Andrei Koshkin"
    assert "Political Science" in found[54].attributes["affiliation"]
    # "the political scientist concluded": the expert introduced last
    assert found[62].attributes["expert"] == "Andrei Koshkin"


def test_expert_introduced_by_an_apposition_before_the_verb():
    _, _, label, _, attributes = one(
        "Andrei Koshkin, head of the department of political science and sociology of the "
        "Plekhanov Russian University of Economics, said that the US wants to free its "
        "forces.")
    assert label == "expert-opinion"
    assert attributes["expert"] == "Andrei Koshkin"
    assert "Plekhanov Russian University of Economics" in attributes["affiliation"]
    assert attributes["affiliation_type"] == "academic"
    assert attributes["credentials"] == "explicit"


def test_analysts_without_names_are_vague():
    _, _, label, _, attributes = one("Analysts say neither side appears able to win outright.")
    assert label == "expert-opinion"
    assert attributes["credentials"] == "vague"
    assert attributes["affiliation_type"] == "unstated"


def test_expert_rule_off_leaves_an_attribution():
    _, _, label, rule, attributes = one(
        "Analysts say neither side appears able to win outright.",
        rules_off=["expert-opinion"])
    assert (label, rule) == ("attribution", "reported-speech")
    assert attributes["source_type"] == "expert"


def test_a_body_with_a_research_word_is_no_expert():
    _, _, label, _, _ = one("U.S. crude inventories fell by 2.3 million barrels last week, the "
                            "American Petroleum Institute said.")
    assert label == "attribution"
    _, _, label, _, attributes = one("The council says it is working on a regeneration plan.")
    assert label == "attribution"


# --- disclaimers -------------------------------------------------------------------------------

def test_footnote_lines_and_their_markers(sample):
    found = [s for s in suggest(sample, "RT") if s.label == "disclaimer"]
    assert [(s.paragraph, s.rule) for s in found] == [
        (49, "footnote-marker"), (63, "footnote"), (64, "footnote")]
    marker, islamic_state, taliban = found
    assert sample[49][marker.start:marker.end] == "**"
    assert marker.attributes["attached_to"] == "Taliban"
    assert islamic_state.attributes == {"kind": "legal_designation",
                                        "attached_to": "Islamic State",
                                        "placement": "footnote", "authority": "court"}
    assert (islamic_state.start, islamic_state.end) == (0, len(sample[63]))
    assert taliban.attributes["attached_to"] == "Taliban"


def test_footnotes_without_a_space_after_the_asterisk():
    paragraphs = [
        "The US-led coalition fights Islamic State (IS, formerly ISIS)*, as does Hayat Tahrir "
        "al-Sham** across the border.",
        "*Islamic State (IS, formerly ISIS) is recognized as a terrorist organization and "
        "banned in Russia.",
        "**Hayat Tahrir al-Sham is recognized as a terrorist organization and banned in "
        "Russia."]
    found = [(p, text, s["attached_to"]) for p, text, label, _, s in spans(paragraphs)
             if label == "disclaimer"]
    assert found == [(0, "*", "Islamic State"), (0, "**", "Hayat Tahrir al-Sham"),
                     (1, paragraphs[1], "Islamic State"), (2, paragraphs[2],
                                                           "Hayat Tahrir al-Sham")]


def test_an_asterisk_with_no_footnote_is_left_alone():
    assert spans("Prices rose 5%* in May.") == []


def test_inline_designations():
    found = spans("The militants of Hayat Tahrir al-Sham (a terrorist organization banned in "
                  "Russia) have intensified attacks in Idlib.")
    assert found == [(0, "(a terrorist organization banned in Russia)", "disclaimer",
                      "designation", {"kind": "legal_designation", "placement": "inline",
                                      "attached_to": "Hayat Tahrir al-Sham"})]
    found = [x for x in spans(
        "The Anti-Corruption Foundation (FBK), recognized as extremist and banned in Russia, "
        "announced that it would continue its work from abroad.") if x[2] == "disclaimer"]
    assert [text for _, text, *_ in found] == ["recognized as extremist and banned in Russia"]
    found = spans("Dozhd, which was designated a foreign agent in 2022, moved to Riga.")
    assert [text for _, text, *_ in found] == ["which was designated a foreign agent in 2022"]
    assert found[0][4]["attached_to"] == "Dozhd"
    # news of a designation, not boilerplate attached to a name
    assert spans("The ministry on Friday designated Meduza a foreign agent.") == []


# --- the whole --------------------------------------------------------------------------------

def test_ids_are_stable_and_differ_between_rules_and_places(sample):
    first = suggest(sample, "RT")
    again = suggest(list(sample), "RT")
    assert [s.id for s in first] == [s.id for s in again]
    assert len({s.id for s in first}) == len(first)
    edited = list(sample)
    edited[2] = edited[2].replace("al-Kazimi said", "al-Kazimi added")
    changed = {s.id for s in suggest(edited, "RT")} ^ {s.id for s in first}
    assert changed and all(len(x) == 16 for x in changed)


def test_offsets_are_code_points_into_the_paragraph(sample):
    for s in suggest(sample, "RT"):
        assert 0 <= s.start < s.end <= len(sample[s.paragraph])
        text = sample[s.paragraph][s.start:s.end]
        assert text == text.strip()


def test_fit_to_codebook_keeps_what_the_codebook_holds():
    codebook = load_codebook({"labels": [{
        "key": "attribution", "name": "Attribution", "color": "#1f77b4",
        "attributes": [{"key": "form", "name": "Form", "type": "choice",
                        "choices": ["direct_quote", "indirect"]}]}]})
    found = suggest(["“We will leave,” al-Kazimi said.",
                     "Mackenzie expressed confidence that \"there is still a lot of work to "
                     "be done there.\"",
                     "* \"Taliban\" - the organization was recognized as terrorist."])
    fitted = fit_to_codebook(found, codebook)
    assert [(s.paragraph, s.attributes) for s in fitted] == [
        (0, {"form": "direct_quote"}), (1, {})]  # "mixed" is no choice of this codebook


def test_sample_article_against_the_demo_reviewers(sample):
    """The figures docs/suggestions.md reports: the sample article against dana, one of the
    demo reviewers (the others differ from her mostly where they differ from each other)."""
    reference = demo_review_spans(sample)["dana"]
    found = suggest(sample, "RT")
    item = Item(sample, range(len(sample)),
                [(s.paragraph, s.start, s.end, s.label, s.rule) for s in found],
                [(r["paragraph"], r["start"], r["end"], r["label"]) for r in reference])
    result = evaluate([item], labels=["attribution", "expert-opinion", "disclaimer"])
    at30 = result.labels[0.3]
    assert at30["disclaimer"].precision >= 0.95 and at30["disclaimer"].recall >= 0.95
    assert at30["attribution"].precision >= 0.8 and at30["attribution"].recall >= 0.65
    assert at30["expert-opinion"].precision >= 0.8 and at30["expert-opinion"].recall >= 0.65
    assert "token coverage 30 %" in format_table(result)


def test_evaluation_counts_coverage_by_tokens():
    text = "Alpha beta gamma delta epsilon zeta eta theta iota kappa."
    item = Item([text], [0],
                # 3 of its 4 tokens inside the reference: correct at 30 %, not at 80 %
                [(0, 0, 22, "attribution", "r1"), (0, 43, 53, "attribution", "r2")],
                [(0, 6, 38, "attribution")])
    result = evaluate([item])
    at30, at80 = result.labels[0.3]["attribution"], result.labels[0.8]["attribution"]
    assert (at30.suggested, at30.correct) == (2, 1)
    assert (at80.suggested, at80.correct) == (2, 0)
    # the reference span (beta … eta, 6 tokens): 3 of them in suggestions
    assert (at30.reference, at30.found, at80.found) == (1, 1, 0)
    assert result.rules[0.3]["r1"].found == 1 and result.rules[0.3]["r2"].found == 0
    assert result.labels[0.3]["attribution"].precision == 0.5


def test_evaluation_leaves_out_paragraphs_not_in_scope():
    item = Item(["One two three.", "Four five six."], [1],
                [(0, 0, 3, "attribution", "r")], [(0, 0, 3, "attribution")])
    result = evaluate([item], labels=["attribution"])
    counts = result.labels[0.3]["attribution"]
    assert (counts.suggested, counts.reference) == (0, 0)
    assert counts.precision is None and counts.recall is None


def test_an_rt_page_with_footnoted_designations():
    """The saved RT page of the web import tests (tests/data/pages), through the importer:
    every asterisk points to its footnote line, and both lines are suggested whole."""
    from tests.test_web_pages import page

    doc = page("rt-footnotes.html")
    found = [(s.paragraph, doc.paragraphs[s.paragraph][s.start:s.end], s.rule,
              s.attributes["attached_to"])
             for s in suggest(doc.paragraphs, doc.source) if s.label == "disclaimer"]
    last = len(doc.paragraphs) - 1
    assert found == [
        (0, "*", "footnote-marker", "Islamic State"),
        (1, "*", "footnote-marker", "Islamic State"),
        (5, "**", "footnote-marker", "Hayat Tahrir al-Sham"),
        (last - 1, doc.paragraphs[last - 1], "footnote", "Islamic State"),
        (last, doc.paragraphs[last], "footnote", "Hayat Tahrir al-Sham")]
    # the standfirst's cue closes its sentence: the whole sentence is the attribution
    first = next(s for s in suggest(doc.paragraphs, doc.source)
                 if s.paragraph == 0 and s.label == "attribution")
    assert (first.rule, first.start) == ("reported-speech-after", 0)
