"""A binary body served as HTML never becomes an article row; real text in any script does.

The rule (``pipelines.clean.classify.looks_binary``): more than 5 % of a sample of the
decoded page (start, middle, end) is control characters or U+FFFD.
"""

from __future__ import annotations

import gzip
import json
import random

import pytest

from pipelines.clean.classify import looks_binary
from pipelines.clean.html import decode_html
from pipelines.crawlpage import clean_page
from tests.conftest import SHARED, crawl, query
from tests.faults import BODIES

URL = "http://news.example/2026/11/27/harbour-budget-approved-today.html"
#: 200 KB of random bytes that the cleaner used to store as an article of mojibake
RANDOM_200K = BODIES["/binary/large"]

#: a paragraph of news prose per script (written for this test), the page's language and
#: the legacy charsets it is also served in
SAMPLES = {
    "ru": ("Городской совет во вторник снова обсуждал бюджет порта, а жители спрашивали, "
           "почему строительство железной дороги отложено ещё на год.",
           ("cp1251", "koi8-r")),
    "uk": ("Міська рада у вівторок знову обговорювала бюджет порту, а мешканці питали, чому "
           "будівництво залізниці відкладено ще на рік.", ("cp1251",)),
    "ar": ("ناقش المجلس البلدي يوم الثلاثاء ميزانية الميناء مرة أخرى، وسأل السكان عن سبب "
           "تأجيل مشروع السكك الحديدية لعام آخر.", ("cp1256", "iso-8859-6")),
    "hi": ("नगर परिषद ने मंगलवार को फिर से बंदरगाह के बजट पर बहस की और निवासियों ने पूछा कि "
           "रेलवे परियोजना को एक और साल के लिए क्यों टाल दिया गया।", ()),
    "el": ("Το δημοτικό συμβούλιο συζήτησε ξανά την Τρίτη τον προϋπολογισμό του λιμανιού και "
           "οι κάτοικοι ρώτησαν γιατί το σιδηροδρομικό έργο καθυστερεί άλλον ένα χρόνο.",
           ("iso-8859-7", "cp1253")),
    "he": ("מועצת העיר דנה שוב ביום שלישי בתקציב הנמל, והתושבים שאלו מדוע פרויקט הרכבת נדחה "
           "בשנה נוספת.", ("cp1255",)),
    "zh": ("市议会周二再次讨论港口预算，居民们询问为什么铁路项目又推迟了一年，商人们说整个地区的"
           "燃料价格持续上涨。", ("gb18030", "gbk")),
    "zh-tw": ("市議會週二再次討論港口預算，居民們詢問為什麼鐵路項目又推遲了一年。", ("big5",)),
    "ja": ("市議会は火曜日に再び港の予算を審議し、住民は鉄道計画がなぜさらに一年遅れるのかと"
           "尋ねた。", ("shift_jis", "euc-jp", "iso-2022-jp")),
    "ko": ("시의회는 화요일에 항만 예산을 다시 논의했으며 주민들은 철도 사업이 왜 1년 더 "
           "연기되었는지 물었다.", ("euc-kr",)),
    "th": ("สภาเมืองได้หารือเรื่องงบประมาณท่าเรืออีกครั้งในวันอังคาร และชาวบ้านถามว่าทำไม"
           "โครงการรถไฟจึงล่าช้าออกไปอีกหนึ่งปี", ("tis-620",)),
    "vi": ("Hội đồng thành phố hôm thứ Ba lại thảo luận về ngân sách cảng, và người dân hỏi "
           "tại sao dự án đường sắt lại bị hoãn thêm một năm nữa.", ()),
}
#: scripts written without spaces between words: their word count is not the article test
UNSPACED = {"zh", "zh-tw", "ja", "th"}


def sample_page(lang: str, charset: str) -> str:
    para, _ = SAMPLES[lang]
    body = "".join(f"<p>{para} {n}</p>" for n in range(10))
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="{charset}">'
            f'<title>{para[:30]}</title><meta property="og:type" content="article"></head>'
            f"<body><nav><a href=\"/\">Home</a></nav><article><h1>{para[:30]}</h1>{body}"
            f"</article></body></html>")


def encodings():
    for lang, (_, legacy) in SAMPLES.items():
        for charset in ("utf-8", *legacy):
            yield lang, charset


@pytest.mark.parametrize("lang,charset", list(encodings()))
@pytest.mark.parametrize("declared", [True, False], ids=["header", "meta-only"])
def test_real_text_in_any_script_is_not_binary(lang, charset, declared):
    body = sample_page(lang, charset).encode(charset)
    page = clean_page(body, URL, encoding=charset if declared else None)
    assert page.doc.page_type != "binary"
    assert page.doc.page_type == "article" or lang in UNSPACED
    assert SAMPLES[lang][0][:20] in page.doc.text


def test_benchmark_pages_are_not_binary():
    files = sorted((SHARED / "benchmarks").glob("*/html/*.html.gz"))
    assert len(files) == 287
    for path in files:
        assert not looks_binary(decode_html(gzip.decompress(path.read_bytes()))), path.name


def test_wrong_and_mixed_charsets_stay_articles():
    """A few undecodable bytes (U+FFFD) in a real page do not make it binary."""
    for path in ("/charset/wrong", "/charset/mixed", "/html/nul"):
        assert clean_page(BODIES[path], URL, encoding="utf-8").doc.is_article, path


@pytest.mark.parametrize("charset", ["utf-8", "cp1252", "iso-8859-1", "koi8-r", "cp1251",
                                     "shift_jis", "gb18030", "big5", None])
def test_random_bytes_are_binary_whatever_the_charset(charset):
    for seed in range(5):
        page = clean_page(random.Random(seed).randbytes(200 * 1024), URL, encoding=charset)
        assert page.doc.page_type == "binary" and page.doc.text == "", (charset, seed)


def test_random_bytes_served_as_utf8_html_are_not_an_article():
    page = clean_page(RANDOM_200K, URL, encoding="utf-8")
    assert page.doc.page_type == "binary" and not page.doc.is_article


def test_binary_after_a_real_head_is_binary():
    head = sample_page("ru", "utf-8").encode()[:3000]
    assert clean_page(head + RANDOM_200K, URL, encoding="utf-8").doc.page_type == "binary"


def test_random_bytes_served_as_html_stay_a_capture(faults, tmp_path):
    """The crawl archives them (a capture, in the WARC) and stores no article row."""
    out = tmp_path / "out"
    crawl(faults.base_url + "/binary/large", out, "-s", "PRESSKEEP_DISCOVERY=False")
    db = out / "presskeep.db"
    captures = query(db, "SELECT status, length FROM captures WHERE url LIKE '%/binary/large'")
    assert [tuple(r) for r in captures] == [(200, len(RANDOM_200K))]
    assert query(db, "SELECT count(*) FROM articles")[0][0] == 0
    stats = json.loads(query(db, "SELECT stats FROM runs")[0]["stats"])
    assert stats["presskeep/clean/dropped/binary"] == 1
