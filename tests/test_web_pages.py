"""Web pages: the article taken out of saved pages of real layouts (tests/data/pages), and the
rules around trafilatura (annotator/imports/html.py), each against the page that needs it;
saved pages on the command line, with other files, all or nothing.

The pages are written by hand after real ones: a wire story, a live blog, an RT article with
footnoted designations, a Russian regional page in windows-1251, and a section front that is
not an article. Each has its site's furniture: cookie banner, navigation, ads, share buttons,
bylines, related links, comments, footer, and og/JSON-LD metadata.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import trafilatura
from sqlalchemy import select

from annotator.errors import ImportFailed
from annotator.extensions import db
from annotator.imports.html import PageOrigin, decode_html, parse_html
from annotator.models import Document
from tests.helpers import nothing_written

PAGES = Path(__file__).parent / "data" / "pages"
EXTRACTOR = f"trafilatura {trafilatura.__version__}"


def page(name: str, origin: PageOrigin | None = None):
    return parse_html((PAGES / name).read_bytes(), name, origin)


def html_page(body: str, head: str = "<title>A page</title>") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>{head}</head>"
            f"<body>{body}</body></html>").encode()


# Words of the pages' furniture: none may be in any paragraph.
FURNITURE = [
    "cookie", "Cookie", "Accept", "Subscribe", "Sign in", "Sign up", "Advertisement", "Реклама",
    "Share", "Facebook", "Twitter", "Telegram", "ВКонтакте", "Поделиться", "Related",
    "More from", "Read more", "READ MORE", "Читайте также", "Другие новости", "Topics:",
    "Теги", "Comments", "Комментарии", "Reply", "jk_1987", "Gorgonzola", "Сергей",
    "All rights reserved", "©", "Privacy", "Key events", "Updated", "Filter:", "Most viewed",
    "Top stories", "Популярное", "Trends:", "By Dana", "Автор:", "Skip to main content",
    "Our Standards", "Makhmour", "Erbil", "Lebanon", "Tigris", "on.rt.com",
]


def assert_no_furniture(paragraphs: list[str]) -> None:
    for paragraph in paragraphs:
        for word in FURNITURE:
            assert word not in paragraph, (word, paragraph)


def test_wire_story():
    doc = page("wire-story.html")
    assert doc.title == "Iraq says U.S. combat troops will leave by year-end, trainers to stay"
    assert doc.source == "Northline News"
    assert doc.url == ("https://www.northlinenews.com/world/middle-east/"
                       "iraq-says-us-combat-troops-will-leave-by-year-end-2021-07-26/")
    assert doc.published == dt.date(2021, 7, 26)
    assert doc.meta == {"author": "Dana Whitfield", "language": "en-US",
                        "extracted_with": EXTRACTOR}
    assert doc.origin == "wire-story.html"
    assert doc.paragraphs == [
        "WASHINGTON, July 26 (Northline) - Iraqi Prime Minister Mustafa al-Kadhimi said on "
        "Monday that U.S. combat troops would leave his country by the end of the year, but "
        "that American trainers and military advisers would remain to help Iraqi forces fight "
        "the remnants of Islamic State.",
        "Speaking after talks at the White House, Kadhimi said the two governments had agreed "
        "that the U.S. mission would shift entirely to an advisory role, ending nearly two "
        "decades in which American soldiers fought in Iraq.",
        '"There is no need for any foreign combat forces on Iraqi soil," Kadhimi told '
        'reporters. "Our forces are capable of protecting our country, but we still need '
        'training, intelligence and air support."',
        "About 2,500 U.S. troops are currently stationed in Iraq. A senior administration "
        "official, speaking on condition of anonymity, said the number would not necessarily "
        "fall once the combat mission ended.",
        "The announcement is expected to help Kadhimi ahead of parliamentary elections in "
        "October. Iran-aligned factions have demanded the withdrawal of all foreign forces and "
        "have been blamed for a string of rocket and drone attacks on bases hosting U.S. "
        "personnel.",
        'Analysts said the change was largely one of labels. "Most of what U.S. forces do in '
        'Iraq today is already advising and assisting," said Hana Morales, a fellow at the '
        'Washington Institute for Near East Policy. "The question is whether this satisfies '
        'the militias, and I doubt it will."',
        "Iraq's Foreign Ministry said in a statement that a joint committee would meet in the "
        "coming weeks to set out the details of the transition.",
    ]
    assert_no_furniture(doc.paragraphs)


def test_live_blog_keeps_every_entry_in_page_order_with_its_heading():
    """The entries are several articleBody parts; each entry's heading is a paragraph, the
    blog's own headline is not; "Key events" and "Updated at" lines are furniture."""
    doc = page("live-blog.html")
    assert doc.title == "Iraq election 2021 live: polls close as turnout falls to record low"
    assert doc.source == "The Courier"
    assert doc.published == dt.date(2021, 10, 10)
    assert doc.meta["author"] == "Martin Hale"
    assert doc.paragraphs == [
        "Preliminary figures suggest 41% of eligible voters cast a ballot in the first "
        "election since the 2019 protest movement forced the government to resign",
        "That’s where we will leave our live coverage for today. Counting continues overnight, "
        "and the Independent High Electoral Commission says it expects to publish preliminary "
        "results within 24 hours.",
        "Thank you for following along.",
        "Polls close; turnout put at 41%",
        "Polling stations have closed across Iraq. The electoral commission’s chairman, Jalil "
        "Adnan Khalaf, told a press conference in Baghdad that turnout stood at 41% according "
        "to preliminary figures, down from 44.5% in 2018, the lowest since the fall of Saddam "
        "Hussein.",
        "Many of the young Iraqis who led the 2019 protests had called for a boycott, saying "
        "the vote would only return the same parties to power.",
        "“We went out in 2019 and they shot at us. Why would I give them my vote now?” said "
        "Ali, a 24-year-old from Nasiriyah who did not want to give his family name.",
        "Sadr casts his vote in Najaf",
        "The Shia cleric Moqtada al-Sadr, whose movement won the most seats in 2018, voted in "
        "the holy city of Najaf this morning, surrounded by supporters and television cameras.",
        "Sadr, who has positioned himself as a nationalist opposed to both US and Iranian "
        "influence, has said his bloc expects to choose the next prime minister.",
        "Polls open under tight security",
        "Good morning and welcome to our live coverage of Iraq’s parliamentary election, the "
        "fifth since the US-led invasion of 2003 and the first held under a new law that "
        "divides the country into 83 smaller constituencies.",
        "Airports and land borders have been closed until Monday morning, and security forces "
        "have been deployed around polling stations. About 25 million Iraqis are eligible to "
        "vote.",
    ]
    assert_no_furniture(doc.paragraphs)


def test_rt_article_keeps_its_standfirst_and_footnoted_designations():
    """The standfirst under the headline carries a designation's asterisk; the footnotes at
    the end are the designations (the `disclaimer` label's matter); the embedded post is a
    quoted source, its text and its attribution line as the page shows them."""
    doc = page("rt-footnotes.html")
    assert doc.title == "Baghdad wants US combat troops out, but not the trainers – PM"
    assert doc.source == "RT International"
    assert doc.url == "https://www.rt.com/news/530327-iraq-us-troops-kadhimi/"
    assert doc.published == dt.date(2021, 7, 26)
    assert doc.meta == {"language": "en", "extracted_with": EXTRACTOR}  # no person wrote it
    assert doc.paragraphs[0] == (
        "Iraq still needs American help with training and intelligence to defeat the remnants "
        "of ISIS*, Prime Minister Mustafa al-Kadhimi has said ahead of talks in Washington")
    assert doc.paragraphs[1].startswith("Iraqi Prime Minister Mustafa al-Kadhimi has said his")
    assert doc.paragraphs[1].endswith("in the fight against Islamic State (IS, formerly ISIS)*.")
    assert doc.paragraphs[5].endswith("as does Hayat Tahrir al-Sham** across the border in Syria.")
    assert doc.paragraphs[6:8] == [
        "Iraqi PM says no need for US combat troops, but trainers welcome. Talks with Biden on "
        "Monday.",
        "— RT (@RT_com) July 26, 2021",
    ]
    assert doc.paragraphs[-2:] == [
        "*Islamic State (IS, formerly ISIS) is recognized as a terrorist organization and "
        "banned in Russia.",
        "**Hayat Tahrir al-Sham is recognized as a terrorist organization and banned in Russia.",
    ]
    assert len(doc.paragraphs) == 11
    assert_no_furniture(doc.paragraphs)


def test_russian_page_in_windows_1251():
    """Declared by <meta http-equiv> only; the lead and the footnote are the article's."""
    raw = (PAGES / "ru-cp1251.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    doc = page("ru-cp1251.html")
    assert doc.title == ("В Ираке объявили о выводе американских боевых подразделений до "
                         "конца года")
    assert doc.source == "Новости Поволжья"
    assert doc.url == "https://novosti-povolzhya.ru/world/2021/07/27/irak-vyvod-vojsk-ssha.html"
    assert doc.published == dt.date(2021, 7, 27)
    assert doc.meta == {"author": "Ирина Соколова", "language": "ru",
                        "extracted_with": EXTRACTOR}
    assert doc.paragraphs == [
        "Премьер-министр Ирака Мустафа аль-Казыми заявил, что боевые подразделения США "
        "покинут страну до конца 2021 года, однако американские инструкторы останутся.",
        "Глава правительства Ирака Мустафа аль-Казыми по итогам переговоров в Белом доме "
        "сообщил, что военная миссия США в стране будет полностью переведена в "
        "консультативный формат.",
        "«Нашим силам больше не нужны иностранные боевые части на иракской земле», — заявил "
        "аль-Казыми журналистам. По его словам, Багдаду по-прежнему требуется помощь в "
        "подготовке военных и обмене разведданными.",
        "Сейчас в Ираке находятся около 2,5 тыс. американских военнослужащих. Они участвуют в "
        "операциях против группировки «Исламское государство»*, остатки которой продолжают "
        "действовать на севере и западе страны.",
        "Эксперт Российского совета по международным делам Кирилл Семёнов считает, что "
        "решение носит во многом символический характер. «Речь идёт скорее о смене вывески, "
        "чем о реальном сокращении присутствия», — отметил он.",
        "Парламентские выборы в Ираке назначены на 10 октября.",
        "* Организация признана террористической и запрещена в России.",
    ]
    assert_no_furniture(doc.paragraphs)


def test_a_section_front_is_refused_as_a_list_of_articles():
    with pytest.raises(ImportFailed) as refused:
        page("no-article.html")
    assert refused.value.message == (
        "no-article.html: the page is a list of articles (teasers that link to other pages), "
        "not an article; import the articles' own pages.")


@pytest.mark.parametrize("body", [
    # an app that builds its page in the browser
    '<div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>'
    '<script src="/static/js/main.js"></script>',
    # nothing but furniture
    '<nav><a href="/">Home</a> <a href="/news">News</a></nav><footer>© 2024 Example</footer>',
])
def test_a_page_without_article_text_is_refused_with_the_reason(body):
    with pytest.raises(ImportFailed) as refused:
        parse_html(html_page(body), "app.html")
    assert refused.value.message == (
        "app.html: no article text was found in the page (it may be a list of articles, a "
        "page that loads its text with JavaScript, or a paywall or cookie wall).")


@pytest.mark.parametrize("data", [
    b"Just some words in a file that is called .html but holds no markup at all.",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
])
def test_a_file_that_is_not_html_is_refused(data):
    with pytest.raises(ImportFailed) as refused:
        parse_html(data, "photo.html")
    assert refused.value.message == ("photo.html: the file is not an HTML page (it has no "
                                     "<html>, <body> or paragraph tags).")


ARTICLE = (
    "<article><h1>Floods close the valley road</h1>"
    "<div class='article-body'>"
    "<p>The valley road was closed on Tuesday after the river burst its banks near the old "
    "mill, the county council said in a statement released in the afternoon.</p>"
    "{middle}"
    "<p>Council workers expect to reopen it by the weekend if the weather holds, though more "
    "rain is forecast for Thursday and Friday across the whole of the region.</p>"
    "</div></article>")


def test_line_breaks_are_kept_and_a_blank_line_separates_paragraphs():
    """<br> is a line break inside a paragraph; <br><br> ends one, as a blank line does in
    plain text (exports join paragraphs with blank lines and read them back so)."""
    middle = ("<p>Residents said:<br>“We have never seen it this high.”<br><br>"
              "Sandbags were   handed\n out at the school.</p>")
    doc = parse_html(html_page(ARTICLE.format(middle=middle),
                               "<title>Floods close the valley road</title>"), "flood.html")
    assert doc.paragraphs[1:3] == ["Residents said:\n“We have never seen it this high.”",
                                   "Sandbags were handed out at the school."]
    assert len(doc.paragraphs) == 4


def test_the_headline_is_not_a_paragraph_but_crossheads_are():
    middle = "<h2>Floods close the valley road</h2><h2>Warnings for the weekend</h2>"
    doc = parse_html(html_page(ARTICLE.format(middle=middle),
                               "<title>Floods close the valley road</title>"), "flood.html")
    assert "Floods close the valley road" not in doc.paragraphs
    assert doc.paragraphs[1] == "Warnings for the weekend"


def test_html_and_script_in_a_page_stay_text():
    middle = ("<p>A reader wrote &lt;script&gt;alert(1)&lt;/script&gt; in the form, and "
              "<script>alert(2)</script>the page went on with <b>bold</b> words.</p>")
    doc = parse_html(html_page(ARTICLE.format(middle=middle)), "flood.html")
    assert doc.paragraphs[1] == ("A reader wrote <script>alert(1)</script> in the form, and "
                                 "the page went on with bold words.")


# --- decoding --------------------------------------------------------------------------------

CYRILLIC = "Премьер-министр"


@pytest.mark.parametrize("data, declared, expected", [
    # a BOM wins over everything
    (b"\xef\xbb\xbf<meta charset='windows-1251'>" + CYRILLIC.encode(), "latin-1",
     "<meta charset='windows-1251'>" + CYRILLIC),
    # the server's charset wins over the page's
    (b"<meta charset='windows-1251'>" + CYRILLIC.encode("koi8-r"), "koi8-r",
     "<meta charset='windows-1251'>" + CYRILLIC),
    # the page's <meta charset> (or http-equiv) when the server names none
    (b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
     + CYRILLIC.encode("cp1251"), None,
     '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' + CYRILLIC),
    # latin-1 is read as windows-1252, as browsers do: 0x93 and 0x94 are quotes
    (b"<meta charset=iso-8859-1>\x93Quoted\x94", None, "<meta charset=iso-8859-1>“Quoted”"),
    # a page cannot declare UTF-16 in ASCII: UTF-8
    (b"<meta charset=utf-16>" + CYRILLIC.encode(), None, "<meta charset=utf-16>" + CYRILLIC),
    # nothing declared: UTF-8 when it is UTF-8
    (CYRILLIC.encode(), None, CYRILLIC),
    # an unknown label is no label
    (b"<meta charset=no-such-thing>" + CYRILLIC.encode(), None,
     "<meta charset=no-such-thing>" + CYRILLIC),
])
def test_decoding_as_a_browser_decodes(data, declared, expected):
    assert decode_html(data, declared) == expected


def test_a_fetched_page_is_decoded_by_the_servers_charset():
    body = ("<article><h1>Заголовок</h1><div class='article-body'>"
            + "".join(f"<p>{CYRILLIC} заявил, что войска покинут страну до конца года, однако "
                      f"инструкторы останутся, сообщает издание номер {n}.</p>"
                      for n in range(4)) + "</div></article>")
    data = f"<html><head><title>Заголовок</title></head><body>{body}</body></html>".encode(
        "koi8-r")
    origin = PageOrigin(url="https://example.ru/a", charset="koi8-r")
    doc = parse_html(data, "https://example.ru/a", origin)
    assert doc.paragraphs[0].startswith(CYRILLIC + " заявил")


# --- where a page came from ------------------------------------------------------------------

def test_a_fetched_page_keeps_its_address_and_time():
    when = dt.datetime(2021, 7, 26, 18, 3, 9, 123456, tzinfo=dt.UTC)
    origin = PageOrigin(url="http://news.example/a?id=7", fetched_at=when,
                        final_url="https://www.northlinenews.com/world/a")
    doc = page("wire-story.html", origin)
    assert doc.meta == {"author": "Dana Whitfield", "language": "en-US",
                        "fetched_url": "http://news.example/a?id=7",
                        "final_url": "https://www.northlinenews.com/world/a",
                        "fetched_at": "2021-07-26T18:03:09Z", "extracted_with": EXTRACTOR}
    # the canonical address is the page's own
    assert doc.url.startswith("https://www.northlinenews.com/world/middle-east/iraq-says")


def test_without_a_canonical_link_the_url_is_where_the_page_was_fetched():
    data = html_page(ARTICLE.format(middle=""))
    origin = PageOrigin(url="http://news.example/floods", fetched_at=None,
                        final_url="https://news.example/2024/floods")
    assert parse_html(data, "x", origin).url == "https://news.example/2024/floods"
    assert parse_html(data, "flood.html").url is None


def test_a_relative_canonical_link_is_read_against_the_pages_address():
    data = html_page(ARTICLE.format(middle=""),
                     "<title>Floods</title><link rel='canonical' href='/2024/floods'>")
    origin = PageOrigin(url="https://news.example/x?utm_source=feed")
    assert parse_html(data, "x", origin).url == "https://news.example/2024/floods"


def test_a_saved_page_says_where_it_was_saved_from():
    chrome = ("<!DOCTYPE html>\n<!-- saved from url=(0036)https://news.example/2024/floods -->\n"
              + html_page(ARTICLE.format(middle="")).decode()[len("<!DOCTYPE html>"):])
    doc = parse_html(chrome.encode(), "flood.html")
    assert doc.meta["fetched_url"] == "https://news.example/2024/floods"
    assert "fetched_at" not in doc.meta
    singlefile = ("<!DOCTYPE html> <html lang='en'><!--\n Page saved with SingleFile \n url: "
                  "https://news.example/2024/floods \n saved date: Tue Jul 27 2021 10:12:41 "
                  "GMT+0200 (Central European Summer Time)\n-->"
                  + html_page(ARTICLE.format(middle="")).decode()[len("<!DOCTYPE html>"):])
    doc = parse_html(singlefile.encode(), "flood.html")
    assert doc.meta["fetched_url"] == "https://news.example/2024/floods"
    assert doc.meta["fetched_at"] == "2021-07-27T08:12:41Z"
    assert doc.url == "https://news.example/2024/floods"


def test_a_saved_from_address_that_is_not_a_web_address_is_left_out():
    page_text = ("<!-- saved from url=(0030)javascript:alert(document.cookie) -->"
                 + html_page(ARTICLE.format(middle="")).decode())
    doc = parse_html(page_text.encode(), "flood.html")
    assert "fetched_url" not in doc.meta and doc.url is None


def test_control_characters_no_page_shows_are_left_out():
    middle = "<p>A form\x0cfeed, a NUL\x00 and a bell\x07 in the text.</p>"
    doc = parse_html(html_page(ARTICLE.format(middle=middle)), "flood.html")
    assert doc.paragraphs[1] == "A form feed, a NUL and a bell in the text."


# --- saved pages on the command line -----------------------------------------------------------

def test_saved_pages_import_with_other_files_and_folders(app, runner, make_project, tmp_path):
    make_project("news")
    folder = tmp_path / "collected"
    folder.mkdir()
    (folder / "rt.html").write_bytes((PAGES / "rt-footnotes.html").read_bytes())
    (folder / "ru.HTM").write_bytes((PAGES / "ru-cp1251.html").read_bytes())
    (folder / "note.txt").write_text("---\ntitle: A note\n---\nOne paragraph.\n")
    (folder / "more.jsonl").write_text(json.dumps({"title": "J", "paragraphs": ["J one."]}))
    r = runner.invoke(args=["import", "news", str(PAGES / "wire-story.html"), str(folder)])
    assert r.exit_code == 0, r.output
    assert "Imported 5 documents, 27 paragraphs, 0 spans." in r.output
    with app.app_context():
        rows = db.session.scalars(select(Document).order_by(Document.id)).all()
        assert [d.title for d in rows] == [
            "Iraq says U.S. combat troops will leave by year-end, trainers to stay", "J",
            "A note", "Baghdad wants US combat troops out, but not the trainers – PM",
            "В Ираке объявили о выводе американских боевых подразделений до конца года"]
        assert rows[0].source == "Northline News"
        assert rows[0].meta["author"] == "Dana Whitfield"
        assert rows[0].published == dt.date(2021, 7, 26)


def test_a_page_without_an_article_refuses_the_whole_import(app, runner, make_project):
    make_project("news")
    r = runner.invoke(args=["import", "news", str(PAGES / "wire-story.html"),
                            str(PAGES / "no-article.html")])
    assert r.exit_code == 1
    assert r.stderr.strip().endswith(
        "no-article.html: the page is a list of articles (teasers that link to other pages), "
        "not an article; import the articles' own pages. Nothing was imported.")
    with app.app_context():
        assert nothing_written()


def test_a_page_the_extractor_trips_on_is_refused_with_the_reason(monkeypatch):
    def trips(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", trips)
    with pytest.raises(ImportFailed) as refused:
        page("wire-story.html")
    assert refused.value.message == (
        "wire-story.html: the article cannot be taken out of this page (the extractor failed: "
        "RecursionError).")
