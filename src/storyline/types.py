"""The plain data that storyline's stages pass to each other.

Every stage takes and returns these frozen dataclasses; library objects (spaCy docs, lxml trees,
sketches) never leave the module that made them. Reading this file, the stage contract in
`storyline.pipeline` and the runner is enough to follow the rest of the code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

RawKind = Literal["text", "html"]
RelationKind = Literal["exact", "near_copy", "excerpt", "translation", "rewrite", "update"]
RELATION_KINDS: tuple[RelationKind, ...] = (
    "exact",
    "near_copy",
    "excerpt",
    "translation",
    "rewrite",
    "update",
)
# How each relation kind reads in the CLI, on the web page and in explanations ("original": the
# article the others copy or translate).
RELATION_LABEL: dict[str, str] = {
    "exact": "exact copy",
    "near_copy": "near copy",
    "excerpt": "excerpt",
    "translation": "translation",
    "rewrite": "rewrite",
    "update": "update",
    "original": "original",
}


def relation_phrase(kind: str) -> str:
    """A relation kind with its article, for sentences: "an exact copy", "a near copy"."""
    label = RELATION_LABEL.get(kind, kind)
    return ("an " if label[:1] in "aeiou" else "a ") + label


EntityKind = Literal["person", "place", "organisation"]


def digest(*parts: str, size: int = 16) -> str:
    """Hex digest of the parts, joined by a separator that cannot occur in them.

    Args:
        parts: strings to hash.
        size: number of hex characters to keep (16 = 64 bits: collisions are negligible below
            billions of items).
    """
    h = hashlib.blake2b(digest_size=32)
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:size]


@dataclass(frozen=True, slots=True)
class RawDoc:
    """One input record as read, before any cleaning.

    Attributes:
        source: where it came from, as the user gave it (a path, a URL, ``-`` for stdin).
        record: 0-based position inside a multi-record source (a JSON line, a WARC record, a
            feed entry); None for a file that holds one document.
        content: the decoded text or HTML.
        kind: ``html`` when `content` is markup, ``text`` otherwise.
        source_key: stable identity of the source (the absolute path, the URL, ``stdin``), so the
            same file given by a relative or an absolute path is recognised.
        external_id: the record's own id when it had one.
        url, title, published, publisher, author, language: metadata the container stated
            (JSON fields, a ``date`` header line, feed fields). Free form; cleaning normalises it.
    """

    source: str
    record: int | None
    content: str
    kind: RawKind = "text"
    source_key: str = ""
    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    publisher: str | None = None
    author: str | None = None
    language: str | None = None

    @property
    def origin(self) -> str:
        """Identity of the record within its source: the external id when known, else the position."""
        key = self.source_key or self.source
        if self.external_id:
            return f"{key}#id={self.external_id}"
        return key if self.record is None else f"{key}#{self.record}"

    @property
    def raw_hash(self) -> str:
        """Hash of everything the record said, so an edited record is a new version."""
        return digest(
            self.kind,
            self.content,
            self.url or "",
            self.title or "",
            self.published or "",
            self.publisher or "",
            self.author or "",
            self.language or "",
            size=32,
        )

    @property
    def article_id(self) -> str:
        """The id of the article this record becomes: its origin together with its content.

        Re-ingesting the same input gives the same id (nothing is added twice); the same text from
        another source gets another id and is linked as an exact copy instead of merged.
        """
        return digest(self.origin, self.raw_hash)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that could not be used, kept so that nothing is lost silently.

    Attributes:
        source: the input path or URL as given.
        record: position inside the source, or None.
        stage: the stage that refused it (``read``, ``clean``, ...).
        reason: one line saying what is wrong, for a person to act on.
    """

    source: str
    record: int | None
    stage: str
    reason: str

    def __str__(self) -> str:
        where = self.source if self.record is None else f"{self.source} (record {self.record})"
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of the raw text that cleaning removed, and why (``navigation``, ``caption``, ...)."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: the unit every later stage works on.

    Attributes:
        id: stable id (see `RawDoc.article_id`).
        source, record, external_id, url: provenance of the input record.
        title: the headline.
        published: ISO 8601 date (``2022-09-13``) or datetime, or None when unknown.
        publisher: the outlet or site (``CNN``).
        author: byline, if any.
        language: ISO 639-1 code.
        text: clean body text, paragraphs separated by blank lines.
        content_hash: hash of the normalised clean text; exact copies share it.
        dateline: place named in the dateline (``Izium, Ukraine``), if any.
        date_source: where `published` came from (``header``, ``meta``, ``text``, ``url``, ...).
        removed: what cleaning took out, in order.
        raw_hash: hash of the raw record, so re-cleaning can tell what changed.
    """

    id: str
    source: str
    record: int | None
    text: str
    content_hash: str
    external_id: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None
    publisher: str | None = None
    author: str | None = None
    language: str | None = None
    dateline: str | None = None
    date_source: str | None = None
    removed: tuple[Removal, ...] = ()
    raw_hash: str = ""

    @property
    def day(self) -> str | None:
        """The publication date without time, or None."""
        return self.published[:10] if self.published else None


@dataclass(frozen=True, slots=True)
class DupRelation:
    """`article` duplicates `original`: an exact copy, near copy, excerpt, translation, rewrite or update.

    Attributes:
        article: id of the copy.
        original: id of the article it copies (the original of its duplicate group).
        kind: the named relation.
        score: the main similarity behind the decision, in [0, 1].
        evidence: the scores and shared spans that decided it (JSON-serialisable), so a user can
            see *why* (``storyline why A B``).
    """

    article: str
    original: str
    kind: RelationKind
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoryInfo:
    """One row of the story list."""

    id: str
    headline: str
    articles: int
    sources: int
    languages: tuple[str, ...]
    first_published: str | None
    last_published: str | None
    updated: str
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class TopicInfo:
    """One row of the topic list: a long-running subject and the stories (events) it holds."""

    id: str
    headline: str  # the headline of its largest story
    stories: int
    articles: int
    languages: tuple[str, ...]
    first_published: str | None
    last_published: str | None


@dataclass(frozen=True, slots=True)
class TopicStory:
    """A story as a member of a topic, with why it is there.

    Attributes:
        info: the story's list row.
        probability: the topic model's probability for the topic it joined (for the story that
            founded the topic: that of the best other topic, below the threshold).
        evidence: the decision's features, the names shared with the topic, the closest story.
        new_names: names this story's articles use that no earlier story of the topic used.
    """

    info: StoryInfo
    probability: float
    evidence: dict[str, Any]
    new_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TopicEvent:
    """A change of topic: a story ``moved`` from `before` to `topic`, or `before` was ``merged`` into it.

    `at`: when it was recorded (ISO 8601), empty until the store writes it.
    """

    kind: str
    story: str
    before: str
    topic: str
    at: str = ""


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic with its stories, newest first."""

    info: TopicInfo
    stories: tuple[TopicStory, ...]
    events: tuple[TopicEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class Member:
    """An article as a member of a story, with its duplicate relation if it has one."""

    id: str
    title: str | None
    publisher: str | None
    published: str | None
    language: str | None
    source: str
    url: str | None
    relation: RelationKind | None = None
    original: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in one article's text, at character offsets [start, end)."""

    text: str
    kind: EntityKind
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, place or organisation named in a story, merged across spellings and languages."""

    name: str
    kind: EntityKind
    mentions: int
    articles: tuple[str, ...]
    variants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation; the same quote across copies and translations is one quote.

    Attributes:
        text: the quoted words, from the article that first carried them (an original in the
            story's main language first).
        speaker: who said it, as the story names them.
        article: the article the text is taken from.
        published: the earliest publication date among the articles that carry it.
        role: the speaker's role as the originals state it.
        sources: every article that carries the quote (copies and translations included).
        languages: the languages it appears in, the text's first.
    """

    text: str
    speaker: str | None
    article: str
    published: str | None
    role: str | None = None
    sources: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """A dated entry: the first report of the story, or a development first reported by `article`.

    `date_basis` says where the date comes from (``published 2022-09-13``, or how a date in the
    text was resolved), so that no date is shown without its evidence. `reported` is the day of
    the report when the event's `date` is another one (``'Saturday' in a report of Tuesday
    2022-09-13``: reported the 13th about the 10th). `restated` counts the later reports whose
    lead only repeats this entry (no new name or number), `restated_by` names them.
    """

    date: str | None
    article: str
    text: str
    kind: Literal["first_report", "development"]
    publisher: str | None = None
    date_basis: str | None = None
    reported: str | None = None
    restated: int = 0
    restated_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DisputeSide:
    """One side's statement on a disputed point."""

    side: str
    text: str
    article: str


@dataclass(frozen=True, slots=True)
class Dispute:
    """Statements on the same point by different sides, shown side by side."""

    point: str
    sides: tuple[DisputeSide, ...]


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """A summary sentence and the article it comes from."""

    text: str
    article: str


@dataclass(frozen=True, slots=True)
class Story:
    """A story with its members and, once computed, what it says."""

    info: StoryInfo
    members: tuple[Member, ...]
    summary: tuple[SummarySentence, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    disputes: tuple[Dispute, ...] = ()


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one ingest run did."""

    read: int = 0
    added: int = 0
    already_present: int = 0
    duplicates: int = 0
    rejected: tuple[Rejected, ...] = ()
    stories_touched: int = 0
    seconds: float = 0.0
    # Seconds spent in each stage (and in writing, reading and building views), in run order.
    stage_seconds: dict[str, float] = field(default_factory=dict)
    workers: int = 1


# A story's clustering state as one row of ``story_state`` (see `storyline.stories.persist`): id,
# seq, first and last date, copies, head and body vector sums, evidence JSON, word vectors.
StoryRow = tuple[str, int, str | None, str | None, int, bytes, bytes, str, bytes]


@dataclass
class StateRows:
    """The story clusterer's state as rows to write (or read), in the tables of `storyline.stories.persist`.

    Attributes:
        stories: ``story_state`` rows to insert or replace.
        deleted: story ids merged away: delete their ``story_state`` rows.
        members: ``story_member`` rows (article_id, story_id, position) to insert or replace.
        aliases: ``story_alias`` rows (id, into_id).
        df: ``story_df`` rows (bucket, df).
        meta: ``story_meta`` rows (key, JSON value).
    """

    stories: list[StoryRow] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    members: list[tuple[str, str, int]] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    df: list[tuple[int, int]] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
