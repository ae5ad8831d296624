"""Words and patterns that mark page furniture rather than article text.

A modest lexicon on purpose: the phrases are the interface texts that news sites and scrapers
print around every article (menus, account links, share buttons, ad and cookie prompts, video
players, scraper footers). They are matched only as whole short segments or as the start of a
segment, never inside a sentence, so an article that *mentions* a cookie or a newsletter keeps
its sentence. Structural signals in `storyline.clean.boilerplate` do most of the work; this
lexicon only names what those signals cannot see (a lone "Advertisement" line looks like a
heading).
"""

from __future__ import annotations

import re


def wordset(words: str) -> frozenset[str]:
    """The whitespace-separated words of a string, as a set (keeps long word lists readable)."""
    return frozenset(words.split())


# Whole-segment phrases, by removal reason. A segment made only of these (and punctuation) is
# furniture. Lower-cased, matched on folded text.
UI_PHRASES: dict[str, tuple[str, ...]] = {
    "navigation": (
        "ir al contenido", "inicio", "iniciar sesión", "accueil", "se connecter", "aller au contenu",
        "vai al contenuto", "accedi", "startseite", "anmelden", "zum inhalt springen", "inloggen",
        "home", "menu", "search", "log in", "login", "log out", "logout", "sign in", "sign out",
        "sign up", "register", "my account", "settings", "skip to content", "skip to main content",
        "skip to navigation", "back to top", "toggle navigation", "close", "open", "next", "previous",
        "more", "edition", "all sections", "sections", "go to", "follow us", "back to gallery",
        "image", "caption", "hide caption", "toggle caption", "show caption", "expand", "view all",
        "see all", "load more", "show more", "read more", "continue reading", "more stories",
    ),
    "ad": (
        "advertisement", "ad feedback", "sponsored", "publicidad", "anuncio", "publicité", "pubblicità",
        "annuncio", "anzeige", "werbung", "advertentie", "reclame", "publicidade", "sponsored content",
        "paid content",
        "paid post", "promoted", "ad choices", "adchoices", "story continues below advertisement",
        "continue reading below", "advertisement - scroll to continue", "scroll to continue with content",
    ),
    "video": (
        "see more videos", "play video", "watch video", "now playing", "up next", "replay",
        "autoplay", "video", "videos", "watch", "watch live", "live tv", "listen", "audio",
    ),
    "share": (
        "compartir", "compartir en facebook", "compartir en twitter", "partager", "condividi", "teilen",
        "delen", "compartilhar",
        "link copied", "link copied!", "copy link", "share", "share this", "share this article",
        "share this story", "share on facebook", "share on twitter", "tweet", "email", "print",
        "facebook", "twitter", "whatsapp", "linkedin", "pinterest", "reddit", "comments",
        "leave a comment", "comment", "save", "bookmark", "gift this article",
    ),
    "subscription": (
        "suscríbete", "abonnez-vous", "abbonati", "abonnieren", "abonneer",
        "subscribe", "subscribe now", "subscribers only", "already a subscriber", "newsletter",
        "newsletters", "sign up for our newsletter", "get our newsletter", "become a member",
        "support our journalism",
    ),
    "cookie": (
        "accept", "accept all", "accept cookies", "accept all cookies", "reject all",
        "manage cookies", "cookie settings", "cookie policy", "privacy policy", "privacy",
        "terms of use", "terms of service", "terms and conditions", "accessibility",
        "do not sell my personal information", "your privacy choices",
    ),
    "footer": (
        "source link", "related posts", "related articles", "related stories", "related", "more from",
        "most read", "most popular", "trending", "trending now", "recommended", "you may also like",
        "you might also like", "don't miss", "dont miss", "top stories", "latest news", "about us",
        "contact us", "contact", "about", "careers", "sitemap", "site map", "rss", "all rights reserved",
        "tags", "filed under", "topics",
    ),
}  # fmt: skip

# Segments that start like this are teasers for other articles or prompts, not article text.
# Derived from the forms used by the large English-language outlets (Fox, Express, Space.com,
# CNN, NJ.com) and by scraper templates; each is a label followed by a colon or a call to action.
TEASER_START_RE = re.compile(
    r"^(?:related|read more|read also|also read|see also|see more|more|watch|listen|opinion|analysis"
    r"|recommended|don'?t miss|trending|more on this|more from [\w .]+|click here|also"
    r"|leggi anche|lee también|lea también|lire aussi|voir aussi|à lire aussi|lesen sie auch|mehr zum thema"
    r"|lees ook|leia também|veja também|ver también)\s*[:|]",
    re.IGNORECASE,
)
# Calls to action and prompts: a sentence starting like this is a prompt, not reporting.
PROMPT_RE = re.compile(
    r"^(?:click here|sign up|subscribe|get (?:the|our) [\w' ]{0,60}(?:newsletter|app|inbox|updates)"
    r"|follow (?:us|him|her|them|[\w]+) on (?:twitter|facebook|instagram)"
    r"|download (?:the|our) [\w ]{0,30}app|get [\w ]{0,40}on the go|have a tip\b"
    r"|if you (?:enjoyed|liked|value) this (?:article|story)|we use cookies"
    r"|this (?:site|website) uses cookies|by (?:using|continuing to use) this (?:site|website)"
    r"|thank you for (?:reading|subscribing|your feedback)|already (?:a subscriber|have an account)"
    r"|join (?:us|the conversation)|support (?:our|independent) journalism"
    r"|to continue reading|you have (?:\d+|one) free articles?|create (?:a|your) free account"
    r"|get access to|tell us what you think|send us your|follow [\w'’ ]{1,40}(?:coverage|updates)\b"
    r"|for the latest (?:news|updates)|sign up to|get (?:the|our) (?:free )?(?:newsletter|app)"
    r"|get [\w' ]{0,60}(?:to|in) your inbox)",
    re.IGNORECASE,
)
# Lines that label the article's metadata or sources rather than tell it.
FOOTER_START_RE = re.compile(
    r"^(?:filed under|tags?|topics|categories|source|sources|additional reporting(?: by)?|reporting by"
    r"|editing by|compiled by|(?:this|the) (?:article|story) (?:was|has been) (?:updated|corrected)"
    r"|most (?:read|popular|viewed|shared))\b\s*:?",
    re.IGNORECASE,
)
# A teaser line closed by a bracketed label ("... amid China turmoil [VIDEO]", "[INSIGHT]").
TAGGED_TEASER_RE = re.compile(r"\[[A-Z][A-Z ]{2,15}\]\W*$")
# A line that only says when the page changed ("Updated at 1:23 p.m.", "Published 3 hours ago").
STAMP_RE = re.compile(r"^(?:last )?(?:updated|published|posted|modified)\b", re.IGNORECASE)
# A line of date, time and byline ("5:45 AM PST 11/19/2019 by Patrick Shanley").
DATED_BYLINE_RE = re.compile(r"\d.*\b[Bb]y [A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){0,3}$")
# A newsletter box heading ("Pick Six Newsletter", "Sign up for our newsletters").
NEWSLETTER_RE = re.compile(r"\bnewsletters?\b", re.IGNORECASE)
# A newsletter pitch anywhere in a short sentence ("... sent straight to your inbox").
INBOX_RE = re.compile(r"\b(?:to|in|into) your inbox\b", re.IGNORECASE)
# Holder of a copyright notice ("© 2024 Global News Service.", "Daily Beacon, part of ... All
# rights reserved."): the publisher of last resort.
COPYRIGHT_HOLDER_RE = re.compile(
    r"(?:©|\([cC]\)|[Cc]opyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?"
    r"(?P<name>[A-Z][\w&'’.-]*(?:\s+(?:[A-Z][\w&'’.-]*|of|the|del|de|di|du)\b)*)"
)
# Shortcodes and template markup that a CMS failed to render ("[button link=...]").
MARKUP_RE = re.compile(r"^\[/?[a-z_]+\b[^\]]*\]|\{\{[^}]*\}\}|\[/[a-z_]+\]$")
# Copyright and legal lines.
COPYRIGHT_RE = re.compile(
    r"(?:©|\(c\)\s*\d{4}|\bcopyright\b\s*(?:©\s*)?\d{4}|\ball rights reserved\b)", re.IGNORECASE
)

# Phrases that are furniture wherever they stand, even glued inside a flattened page line (the
# flattening removed the markup that separated them from the text). Multi-word and specific, so
# they never match inside reporting.
# Each entry: reason, a substring that must be present, the pattern.
INLINE_JUNK: tuple[tuple[str, str, str], ...] = (
    ("ad", "Feedback", r"\bAd Feedback\b"),
    ("ad", "ADVERTISEMENT", r"\bADVERTISEMENT\b"),
    # An advertisement label standing between two sentences of a flattened page.
    *(
        ("ad", word, rf"(?<=[.!?”\"] ){word}(?= [A-ZÀ-Þ“\"]|$)")
        for word in (
            "Advertisement",
            "Publicidad",
            "Anuncio",
            "Publicité",
            "Pubblicità",
            "Anzeige",
            "Advertentie",
        )
    ),
    ("share", "Copied", r"\bLink Copied!"),
    ("video", "More Videos", r"\bSee More Videos\b"),
    ("video", "laying", r"\bNow [Pp]laying\s+\d{1,2}:\d{2}\b"),
    ("ad", "continues below", r"\bStory continues below advertisement\b"),
    ("footer", "Source link", r"\bSource link\b"),
    # Reading-time labels: "2 minute read", "Tempo di lettura: 3 minuti", "Lesezeit: 4 Min."
    ("header", "read", r"\b\d+[ -]min(?:ute)?s?\.? read\b"),
    *(
        ("header", label, rf"\b{label}\s*:?\s*\d+\s*\w+\.?")
        for label in (
            "Reading time",
            "Tempo de leitura",
            "Tempo di lettura",
            "Tiempo de lectura",
            "Temps de lecture",
            "Lesezeit",
            "Leestijd",
        )
    ),
)

# Words that introduce a photo description; a sentence starting so is a caption.
CAPTION_START_RE = re.compile(
    r"^(?:this (?:photo(?:graph)?|picture|image|handout (?:photo|picture)|screen ?grab|still image)"
    r"|(?:in )?this (?:file |undated |handout )?(?:photo|picture|image)"
    r"|(?:a |an )?(?:file |handout |undated )?(?:photo|picture|image) (?:taken|released|provided|shows)"
    r"|pictured\b|photo:|photograph:|image:|picture:|caption:)",
    re.IGNORECASE,
)
# Verbs and phrases of photo captions ("is seen", "pictured with", "poses"): captions describe
# what a picture shows, in the present tense.
CAPTION_CUE_RE = re.compile(
    r"\b(?:(?:is|are) (?:seen|pictured|shown|photographed|depicted)"
    r"|pictured(?: with| here| above| left| right)?"
    r"|seen here|poses|pose for|looks on|look on|(?:left|right|center|centre)\)|\(l\)|\(r\)|from left"
    r"|file photo|photo taken)\b",
    re.IGNORECASE,
)
# Picture credits: "(Photo by X / AFP)", "X/AFP/Getty Images", "AP Photo/X", "Photo: X, AP",
# "Image credit: X". Agencies listed are the big photo suppliers; a person name followed by a
# slash and a capitalised organisation is the general form.
_AGENCY = (
    r"(?:Getty(?: Images)?|AFP|AP(?: Photo)?|Reuters|EPA(?:-EFE)?|Shutterstock|Alamy|Bloomberg"
    r"|Sipa(?: USA)?|Anadolu(?: Agency)?|PA(?: Images| Wire)?|ZUMA(?: Press| Wire)?|NurPhoto|Xinhua"
    r"|TASS|Sputnik|Pool|Handout|Courtesy|DPA|ANSA|Imago|Corbis|Magnum|NASA|Wikimedia Commons|EFE"
    r"|Europa Press|Keystone|Belga|ANP|Kyodo|Yonhap|Ritzau|NTB|TT|Agencia EFE|LaPresse)"
)
# A name token: a capitalised word, or an initial ("J."); never a word ending a sentence.
_NAME_TOKEN = r"(?:[A-Z][\w'’-]*\w|[A-Z]\.)"
_PARTICLE = r"(?:(?:de|da|van|von|der|del|la|le|al|bin|dos|du)\s+)?"
# A person's name: two to four name tokens (one token alone is too often a place: "Kharkiv/Izium").
_NAME = rf"{_NAME_TOKEN}(?:\s+{_PARTICLE}{_NAME_TOKEN}){{1,3}}"
# An organisation after the slash: an agency, or up to three capitalised words ("Valley
# Courier"); the segmenter shortens a match whose last words start the next sentence.
_ORG = rf"(?:{_AGENCY}|[A-Z][\w&'’-]*\w?(?:\s[A-Z][\w&'’-]*\w?){{0,2}})"
# Each credit pattern with the kind of hint that must stand near it (see `storyline.clean.segment`):
# "slash" a "/", "paren" an opening "(Photo", "label" a "Photo:"-style label, "handout" one of
# Handout/Courtesy/Pool/File photo.
CREDIT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "paren",
        re.compile(r"\((?:Photo|Picture|Image|Photograph|Credit|Photo credit)s?(?: by|:)[^()]{2,80}\)", re.I),
    ),
    # "Rebecca Wright/CNN" (no spaces: any organisation) or "Juan Barreto / AFP" (spaced: an agency).
    ("slash", re.compile(rf"\b{_NAME}/{_ORG}(?:\s*/\s*{_ORG}){{0,2}}(?:\s+via\s+{_AGENCY})?")),
    ("slash", re.compile(rf"\b{_NAME}\s+/\s+{_AGENCY}(?:\s*/\s*{_ORG}){{0,2}}(?:\s+via\s+{_AGENCY})?")),
    ("slash", re.compile(rf"\b{_NAME_TOKEN}\s*/\s*{_AGENCY}(?:\s*/\s*{_ORG}){{0,2}}")),
    # "AP Photo/Evan Vucci", "GNS/Peter Dunn": an agency (or a short all-capitals outlet) first.
    (
        "slash",
        re.compile(
            rf"\b(?:AP Photo|[A-Z]{{2,6}})\s*/\s*(?!{_AGENCY}\b){_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,2}}"
        ),
    ),
    # "Photo: Hau Dinh, AP", "Foto: Ana Ruiz / EFE" (labels in the corpora's languages).
    (
        "label",
        re.compile(
            r"\b(?i:photo|image|picture|photograph|credit|image credit|photo credit|video|foto|imagen"
            r"|fotografía|crédito|bild|fotografia|immagine)s?\s*:\s*"
            rf"{_NAME}(?:\s*[,/]\s*{_ORG}){{0,2}}"
        ),
    ),
    # "Handout via GNS", "Courtesy of the family", "Pool via Reuters".
    (
        "handout",
        re.compile(
            rf"\b(?:Handout|Courtesy|Pool|File photo)(?:\s+(?:via|of|by)\s+|\s*/\s*)(?:the\s+)?{_ORG}"
        ),
    ),
)
CREDIT_LABELS = (
    "photo", "image", "picture", "photograph", "credit", "video", "foto", "imagen", "fotografía", "crédito",
    "bild", "fotografia", "immagine",
)  # fmt: skip

# Capitalised words that are common nav-menu items across news sites (sections, account,
# editions). Used only as supporting evidence for a run of capitalised words.
NAV_WORDS = wordset(
    """world africa americas asia australia china europe india middle east united kingdom us uk
    politics business markets tech technology media health life fitness food sleep entertainment
    stars screen culture style arts design fashion architecture luxury beauty video videos travel
    destinations sports sport football tennis golf olympics climate weather opinion opinions
    science home news live tv audio podcasts newsletters photos features investigations latest
    local national international economy money lifestyle games puzzles crossword obituaries
    shopping deals reviews edition account settings log in out sign search more menu about
    contact careers subscribe"""
)  # fmt: skip

# Scrapers and readers prefix a plain-text record with a metadata line ("date 2022-09-13").
HEADER_FIELD_RE = re.compile(
    r"^\s*(?:date|published|publication date|pubdate|posted|updated|dateline)\s*[:=]?\s*"
    r"(\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?)",
    re.IGNORECASE,
)
# A video length ("2:39", "03:13") at the end of a teaser or caption.
DURATION_RE = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?\s*$")


def phrase_set() -> dict[str, str]:
    """Map each whole-segment UI phrase to its removal reason."""
    out: dict[str, str] = {}
    for reason, phrases in UI_PHRASES.items():
        for phrase in phrases:
            out.setdefault(phrase, reason)
    return out


PHRASES = phrase_set()
