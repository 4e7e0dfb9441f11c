"""Generic boilerplate rules: no per-site selectors, only patterns common to news templates.

Two levels: elements (pruned from the tree before any scoring) and lines (dropped from the
extracted paragraphs, or cutting off a trailing furniture section such as "Latest Stories").
"""

from __future__ import annotations

import functools
import re

import lxml.etree
import lxml.html

from pipelines.clean import liveblog
from pipelines.clean.html import squash

# class/id words that mark page furniture rather than article text
_FURNITURE = re.compile(
    r"(^|[\s_-])(share|sharing|social|newsletter|subscribe|signup|cookie|consent|related|"
    r"recommended|most-?read|most-?popular|trending|promo|advert|ads?|modal|popup|"
    r"sponsor|outbrain|taboola|comments?|commentlist|disqus|breadcrumbs?|tts|text-?to-?speech|"
    r"audio-?player|podcast-?player|author-?bio|bio-?box|more-?stories|read-?next|up-?next|"
    r"tags?-?list|post-?tags|skip-?link|visually-?hidden|sr-only|"
    r"affiliate-disclosure|captions?|credits?)($|[\s_-])",
    re.I,
)
# weaker words: layout names that article containers sometimes carry too ("l-sidebar-fixed
# l-article-body-segment"); a positive word in the same attributes overrides them
_WEAK_FURNITURE = re.compile(
    r"(^|[\s_-])(sidebar|latest|listen|footer|masthead|nav|navbar|menu|toolbar)($|[\s_-])", re.I)
_POSITIVE = re.compile(r"article|body|content|story|entry|main|post-?text", re.I)
_DROP_TAGS = {"script", "style", "noscript", "iframe", "button", "svg", "audio", "video", "template", "select", "input", "textarea", "label",
              "dialog", "link", "meta", "object", "embed", "canvas", "map"}
#: page furniture by its tag; dropped unless it holds most of the page's text (an article
#: inside a header <aside> or a <footer>, from markup that never closes them)
_LAYOUT_TAGS = ("nav", "aside", "footer")
LAYOUT_KEEP_SHARE = 0.5
#: a layout element with less text than this is dropped without sizing the page
LAYOUT_MIN_CHARS = 1000
# inline elements that continue a run of text (a paragraph that follows a figure or list)
_INLINE = {"a", "em", "strong", "b", "i", "span", "sup", "sub", "cite", "abbr", "time", "code",
           "mark", "small", "u", "s", "q", "br"}
# block elements whose tail text is a paragraph of its own
_TAIL_BLOCKS = ("figure", "img", "picture", "table", "ul", "ol", "h2", "h3", "h4")
MIN_TAIL = 40
#: an element inside a <p> with an image and at least this many links is a card, not text
CARD_LINKS = 2
_KEEP_INSIDE = lxml.etree.XPath(
    "boolean(descendant::article | descendant::main | descendant::*[@itemprop='articleBody'])")
# the label of an inline related-links paragraph, and the share of the rest that is link text
_LINKS_LABEL = re.compile(
    r"^(don'?t miss|read more|related( stories| articles| content| coverage| reading| links)?|"
    r"more( stories| news)?( on this( story| topic)?)?|see also|also read|read also|"
    r"recommended( reading| for you)?|you (may|might) also like|further reading|"
    r"more from [\w .'’-]{1,40}|keep reading|read next|up next|what to read next)\s*[:.…]?$", re.I)
_LABEL_TAGS = ("strong", "b", "em", "span")
RELATED_LINK_SHARE = 0.8
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# lines that are player/furniture whatever the template
_LINE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^audio by [\w .-]+$",
        r"^(listen|play) (to )?(this|the) (article|story|podcast)\b.{0,40}$",
        r"^listen to (this )?article\b.{0,40}$",
        r"^(\d+|one|two|three|four|five)[ -](min(ute)?s?)[ -]read$",
        r"^\d+\s*(sec|secs|seconds?|min|mins|minutes?|hours?|hrs?|days?)\s*(ago)?\s*[-–—]?\s*$",
        r"^(latest|top|related|more|popular|trending|recent) (stories|news|articles|posts|videos)$",
        r"^(most read|most popular|read more|related|advertisement|sponsored|share this( article)?|"
        r"share|tweet|email|print|comments?|follow us|skip to (main )?content)$",
        r"^(sign up|subscribe) (for|to) (our|the) .{0,30}newsletters?.{0,120}$",
        r"^we use cookies.{0,200}$",
        r"^(related|read more|also read|see also|read also|recommended|more)\s*:.{0,200}$",
        r"^(click|tap) here to .{0,120}$",
        r"^(advertisement|ad|sponsored content)\s*[-–—]?\s*(scroll|continue).{0,40}$",
        r"^(photo|image|credit|source)s?\s*:\s*\S.{0,60}$",
        # a teaser headline tagged with its media type: "… jibe [INSIGHT]", "… Finale [Watch]"
        r"^.{10,200}\[(video|watch|photos?|pics|pictures|gallery|insight|reaction|listen|poll|"
        r"live|analysis|latest)\]\W{0,3}$",
        # newsletter and affiliate boxes inside the article column
        r"^(sign up|subscribe|get|join)\b.{0,160}\b(newsletters?|inbox|e-?mails?)\b.{0,120}$",
        # a paragraph that is only a date line or a tweet signature
        r"^((published|updated|posted|last updated)\s*:?\s*)?((mon|tues|wednes|thurs|fri|satur|sun)"
        r"day,?\s+)?(\d{1,2}\s+)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
        r"\s+(\d{1,2},?\s+)?\d{4}[\s,]*(\d{1,2}[:.]\d{2}\s*([ap]\.?m\.?)?)?[\s,]*\w{0,4}$",
        # copyright, "continues below" markers, filing lines, social and tip prompts
        r"^(copyright|©|\(c\))\s*(\d{4}|.{0,80}\ball rights reserved).{0,200}$",
        r"^(article|story) continues (below|after).{0,40}$",
        r"^filed under\s*:.{0,200}$",
        r"^(reading time|read time|tempo de leitura|temps de lecture|lesezeit)\s*:?.{0,30}$",
        r"^([*•·-]\s*)?follow .{0,60} on (twitter|facebook|instagram|snapchat|x|youtube|tiktok|"
        r"linkedin|threads)\b.{0,120}$",
        r"^listen (to|on) .{0,80}\b(spotify|apple podcasts|google podcasts|wherever you get your "
        r"podcasts)\b.{0,80}$",
        r"^(©|\(c\)|copyright)\s*.{0,80}\bnot (to )?be reproduced\b.{0,80}$",
        r"^(recommended by our editors|you (may|might) (also )?be interested in|"
        r"recommended for you)\s*:?$",
        r"^join (our|the) .{0,60}\b(forums?|community|discussion)\b.{0,200}$",
        r"^(tell us what you think|what do you think)\W{0,5}$",
        # a WordPress shortcode left in the text: "[button link=… type=”big”] Send us …[/button]"
        r"^\[(button|caption|embed|video|gallery|audio|playlist)\b[^\]]{0,300}\].{0,200}$",
        r"^(have|got) a (news )?tip\?.{0,200}$",
        r"^(see more|don'?t miss|watch|also see|more on this)(\s*[:|].{0,160})?$",
        r"^(updated|published|posted|last updated)( at| on)?\s*:?\s*.{0,40}\d{1,2}[:.]\d{2}\s*"
        r"([ap]\.?m\.?)?\.?\s*\w{0,4}$",
        # a caption ending in an agency credit: "… at auction. (Valerie Macon / AFP / Getty Images)"
        r"^.{0,400}\((?-i:[^()]{0,80}(/|\bvia\b)\s*)?(?-i:Getty Images|AP|AP Photo[^()]{0,60}|"
        r"Reuters|AFP|Shutterstock|iStock|EPA|Alamy|PA|Bloomberg)\)\.?$",
        # "(MORE: …)" links, "read more on …", "Most read in Music", gallery prompts
        r"^\((more|read more|related|see also|also read|watch|listen)\s*:.{0,200}\)$",
        r"^read more (on|about) .{0,80}$",
        r"^most (read|popular|viewed|shared) in [\w .'&-]{1,40}$",
        r"^scroll (down |through |below )?.{0,60}\b(gallery|slideshow|photos|pictures|images)\b"
        r".{0,60}$",
        # notes about the article rather than the article: "This story was originally published
        # Dec. 22", "Editor's note: …", "This story contains spoilers for …"
        r"^this (story|article|piece|post|report|column) (was )?(originally|first) "
        r"(published|appeared|ran)\b.{0,120}$",
        r"^editor[’']?s note\s*:.{0,300}$",
        r"^this (story|article|review|post|piece) contains (spoilers|affiliate links).{0,120}$",
    )
]
# all of them as one pattern: one call a line instead of one per pattern (2x faster)
_ANY_LINE = re.compile("|".join(f"(?:{p.pattern})" for p in _LINE_PATTERNS), re.I)
# lines that hold a phrase near their start: each such pattern scans the whole line (2-4 µs a
# line), so they run only on lines that hold one of their phrases (_has_phrase) in the first
# PHRASE_WINDOW characters (every phrase of these patterns ends by character 155)
_PHRASE_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"^.{0,80}\bnewsletter may contain\b.{0,300}$",
        r"^.{0,80}\b(has|have) affiliate (partnerships|links)\b.{0,200}$",
        r"^.{0,120}\bwe (may )?(receive|earn|get) (a )?(small )?(compensation|commission)\b.{0,200}$",
        r"^.{0,80}\ball rights reserved\b.{0,200}$",
        # promo lines: "GET FOX BUSINESS ON THE GO BY CLICKING HERE", "… Click here for more."
        r"^.{0,120}\b(click(ing)?|tap(ping)?) here\b.{0,80}$",
        # a contribution line: "Associated Press researcher Jane Roe in New York contributed."
        r"^.{0,100}\b(contributed to this (report|story|article)|(writer|reporter|researcher|"
        r"correspondent|producer)s?\b.{0,60}\bcontributed( reporting)?)\.?$",
        # prompts inside the text: "Want to keep up …? Subscribe to our email newsletter.",
        # "What do you think? Let us know in the comments"
        r"^.{0,80}\b(subscribe|sign up) (to|for) our .{0,40}newsletters?\b.{0,80}$",
        r"^.{0,150}\blet us know in the comments\b.{0,100}$",
    )
]
_PHRASES = ("newsletter", "affiliate", "compensation", "commission", "all rights reserved", "here",
            "contributed", "let us know in the comments")
_PHRASES_RE = re.compile("|".join(_PHRASES), re.I)
PHRASE_WINDOW = 200
# the characters other than A-Z that re.I matches with an ASCII letter and str.lower() does not
# map to it (every code point checked): where one occurs, the phrase test is the regex's own
_FOLDS_APART = ("\u0130", "\u0131", "\u017f")
# a line ending "… 5 minutes ago -"; searched only in lines that end with the dash
_DASHES = ("-", "–", "—")
_TIME_SUFFIX = re.compile(r"\b\d+\s*(seconds?|minutes?|mins?|hours?|hrs?|days?)\s*(ago)?\s*[-–—]\s*$",
                          re.I)
# a reference-list heading ("References", "Our Sources", …)
_SOURCES = r"^(references|sources|our sources|bibliography|footnotes|notes)\s*:?$"
_SOURCES_HEADING = re.compile(_SOURCES, re.I)
# a heading that opens a trailing block of furniture (everything after it goes)
_TAIL_HEADING = re.compile(
    r"^(latest|top|related|more|popular|trending|recent|recommended|other|similar)\s+"
    r"(stories|news|articles|posts|videos|headlines|reads|from [\w .'-]{1,40})$|"
    r"^(you (may|might) (also )?like|read next|up next|most (read|popular|viewed)|"
    r"more from [\w .'-]{1,40}|(leave a|post a|add a) (comment|reply)|comments?( \(\d+\))?|"
    r"\d+ comments?|related( content| coverage| reading)?|what to read next|stay connected)"
    r"\s*(:|\.\.\.|…)?$|" + _SOURCES,
    re.I,
)


# an author bio closing the article: "Jane Doe is a senior editor at Example, covering ..."
_BIO = re.compile(
    r"^(?!(He|She|They|It|I|We|This|That)\s)([A-Z][\w.'’-]+\s){1,4}(is|was|has been) "
    r"(an? |the )?([\w-]+ ){0,4}(?i:writer|editor|reporter|journalist|correspondent|columnist|"
    r"contributor|producer|critic|author|freelancer)\b.{0,800}$")
TAIL_BIO_WINDOW = 3

# one entry of a reference list: "Source, Title, Dec. 14, 2023", "Interview with …, accessed May 2,
# 2023" — a source, comma-separated parts, a date at the end
_CITATION = re.compile(
    r"^(?![-–—])[^,]{2,120}(, [^,]{1,200}){0,6},? "
    r"(accessed |updated( as of)? |archived |published )?"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? (\d{1,2}, )?\d{4}\.?$", re.I)
#: a run of at least this many citation lines is a reference list
MIN_CITATIONS = 3


def _attrs(el: lxml.html.HtmlElement) -> str:
    return " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))


def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def _is_furniture(el: lxml.html.HtmlElement) -> bool:
    if el.tag in ("html", "body", "article", "main") or el.get("itemprop") == "articleBody":
        return False
    if el.get("role") in ("navigation", "complementary"):
        return True
    attrs = _attrs(el)
    return bool(attrs) and _furniture_words(attrs)


@functools.lru_cache(maxsize=8192)
def _furniture_words(attrs: str) -> bool:
    """Whether class/id/role words name furniture (memoised: a template repeats its classes)."""
    if _FURNITURE.search(attrs):
        return True
    return bool(_WEAK_FURNITURE.search(attrs)) and not _POSITIVE.search(attrs)


def _is_related_links(para: lxml.html.HtmlElement) -> bool:
    """A paragraph that opens with a bold "Read more:"/"Related:" label and is links after it:
    "<p><strong>Read more:</strong><br><a>…</a><br><a>…</a></p>"."""
    if (para.text and para.text.strip()) or not len(para) or para[0].tag not in _LABEL_TAGS:
        return False
    label = squash(para[0].text_content())
    if not _LINKS_LABEL.match(label):
        return False
    rest = len(squash(para.text_content())) - len(label)
    links = sum(len(squash(a.text_content())) for a in para.iter("a")) - \
        sum(len(squash(a.text_content())) for a in para[0].iter("a"))
    return rest > 0 and links >= RELATED_LINK_SHARE * rest


def _prose_len(el: lxml.html.HtmlElement, links: bool) -> int:
    """Characters of text in ``el`` outside scripts and styles (and outside links unless
    ``links``)."""
    size = len(el.text_content()) - sum(len(c.text_content()) for c in el.iter("script", "style"))
    return size if links else size - sum(len(a.text_content()) for a in el.iter("a"))


def _weight(el: lxml.html.HtmlElement) -> int:
    """Characters of text outside links: what a container would contribute to an article."""
    return len(el.text_content()) - sum(len(a.text_content()) for a in el.iter("a"))


class _Pruner:
    """Two passes over a tree: code and hidden elements, then furniture that holds little text."""

    MAX_SHARE = 0.35

    def __init__(self, tree: lxml.html.HtmlElement) -> None:
        self.tree = tree
        self.total = 1
        self.page_ps: int | None = None

    def _drop_all(self, test) -> None:
        """Drop each element ``test`` accepts; the inside of an accepted one is not tested.

        ``iterwalk`` yields elements only: ``parse_html`` trees have no comments (removed at
        parse; ``<?…>`` parses as one), and they could not be dropped anyway (no
        ``drop_tree`` on lxml's plain comment class).
        """
        doomed = []
        walker = lxml.etree.iterwalk(self.tree, events=("start",))
        for _, el in walker:
            if test(el):
                doomed.append(el)
                walker.skip_subtree()
        for el in doomed:
            if el.getparent() is not None:
                el.drop_tree()

    def is_code(self, el: lxml.html.HtmlElement) -> bool:
        tag = el.tag
        if not isinstance(tag, str):
            return True
        if tag in _DROP_TAGS:
            return True
        if tag in _LAYOUT_TAGS:
            return not self.holds_the_page(el)
        return _is_hidden(el) and tag not in ("body", "html") and el.find(".//p") is None

    def is_furniture(self, el: lxml.html.HtmlElement) -> bool:
        if el.tag == "form" or _is_furniture(el):
            return not _KEEP_INSIDE(el) and _weight(el) < self.MAX_SHARE * self.total
        return el.tag == "p" and _is_related_links(el)

    def wrap_tails(self) -> None:
        """Text right after a figure, list or table inside a container becomes a <p> of its own.

        trafilatura (precision mode) drops the tail of an element it prunes, so an opening
        paragraph that follows a lead image as bare text would be lost with the image.
        """
        for el in list(self.tree.iter(*_TAIL_BLOCKS)):
            tail, parent = el.tail, el.getparent()
            if not tail or len(tail.strip()) < MIN_TAIL or parent is None or parent.tag == "p":
                continue
            para = lxml.html.Element("p")
            para.text, el.tail = tail, None
            nxt = el.getnext()
            while nxt is not None and nxt.tag in _INLINE:
                following = nxt.getnext()
                para.append(nxt)
                nxt = following
            el.addnext(para)

    def drop_inline_cards(self) -> None:
        """A card inside running text goes, the sentence around it stays: an element in a <p>
        holding an image and CARD_LINKS links (a person's hover card with their latest stories:
        "Rep. <a>Jane Roe</a><span><img><a>Jane Roe</a><a>story</a><a>story</a></span> (D)")."""
        cards = []
        for para in self.tree.iter("p"):
            if para.find(".//img") is not None:
                cards.extend(el for el in para.iter("span", "div", "aside")
                             if el.find(".//img") is not None
                             and len(el.findall(".//a")) >= CARD_LINKS)
        # the innermost: a wrapper that holds the card also holds the name linked in the text
        found = set(cards)
        innermost = [el for el in cards if not any(
            inner in found for inner in el.iterdescendants("span", "div", "aside"))]
        for el in innermost:
            el.drop_tree()

    def holds_the_page(self, el: lxml.html.HtmlElement) -> bool:
        """Whether a layout element holds the page: LAYOUT_KEEP_SHARE of its paragraphs and
        of its text outside links and code (then the article is inside it: the page never
        closed a header <aside>). Cheap tests first: most hold no <p>, or few."""
        if el.find(".//p") is None:
            return False
        if self.page_ps is None:
            self.page_ps = sum(1 for _ in self.tree.iter("p"))
        ps = sum(1 for _ in el.iter("p"))
        if ps < LAYOUT_KEEP_SHARE * self.page_ps or len(el.text_content()) < LAYOUT_MIN_CHARS:
            return False
        return _prose_len(el, links=False) >= LAYOUT_KEEP_SHARE * _prose_len(self.tree, links=True)

    def run(self) -> lxml.html.HtmlElement:
        liveblog.collect(self.tree)
        self._drop_all(self.is_code)
        self.drop_inline_cards()
        self.wrap_tails()
        self.total = max(_weight(self.tree), 1)
        self._drop_all(self.is_furniture)
        return self.tree


def prune(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """Remove scripts, navigation, hidden and furniture-named elements from ``tree`` in place."""
    return _Pruner(tree).run()


def _has_phrase(text: str) -> bool:
    """Whether one of _PHRASES occurs (ignoring case as ``re.I`` does) near the start of ``text``."""
    head = text[:PHRASE_WINDOW]
    if not head.isascii() and any(c in head for c in _FOLDS_APART):
        return _PHRASES_RE.search(head) is not None
    low = head.lower()
    return any(phrase in low for phrase in _PHRASES)


def is_boilerplate_line(line: str) -> bool:
    text = line.strip()
    if _ANY_LINE.match(text):
        return True
    if _has_phrase(text) and any(p.match(text) for p in _PHRASE_PATTERNS):
        return True
    return text.endswith(_DASHES) and bool(_TIME_SUFFIX.search(text))


def is_tail_heading(line: str) -> bool:
    return bool(_TAIL_HEADING.match(line.strip()))


def filter_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop furniture lines; cut at a furniture heading in the second half; drop a closing bio."""
    total = sum(len(p) for p in paragraphs)
    seen = 0
    for index, para in enumerate(paragraphs):
        if seen > total / 2 and is_tail_heading(para):
            paragraphs = paragraphs[:index]
            break
        seen += len(para)
    kept = drop_citations([p for p in paragraphs if not is_boilerplate_line(p)])
    tail = len(kept) - TAIL_BIO_WINDOW
    return [p for i, p in enumerate(kept) if i < max(tail, 1) or not _BIO.match(p)]


def drop_citations(paragraphs: list[str]) -> list[str]:
    """Without reference lists: runs of MIN_CITATIONS or more citation lines, and the reference
    heading ("Sources", "Our Sources", …) right before such a run."""
    cited = [p.rstrip(".")[-4:].isdigit() and bool(_CITATION.match(p)) for p in paragraphs]
    if sum(cited) < MIN_CITATIONS:
        return paragraphs
    doomed = set()
    start = None
    for i, flag in enumerate(cited + [False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            if i - start >= MIN_CITATIONS:
                doomed.update(range(start, i))
                if start and _SOURCES_HEADING.match(paragraphs[start - 1].strip()):
                    doomed.add(start - 1)
            start = None
    return [p for i, p in enumerate(paragraphs) if i not in doomed]
