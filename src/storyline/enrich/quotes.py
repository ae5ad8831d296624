"""Direct quotations with speaker and role; one quote across copies and translations.

Quotations and their grammatical speakers come from the per-article parse
(`storyline.quotations`: quote marks of every language, speakers from the spaCy parse). Only
direct quotations with a speaker become quotes: a fragment quoted inside the writer's sentence
and a statement nobody is named for are not something to quote. Here they are tied to the story's entities: a pronoun speaker
("he said") is the person last named before the quote, a named speaker gets the story's name
for that entity ("Zelensky" -> "Volodymyr Zelensky") and the role stated next to a mention of
it ("Ukrainian President"), and an unnamed one is described by its organisation ("Bohun
Brigade spokesman"). The same quotation in several members (a copy, a translation, two outlets
quoting one statement) is one quote with several sources.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from scipy.cluster.hierarchy import DisjointSet

from storyline.config import ViewConfig
from storyline.enrich.analysis import ArticleAnalysis
from storyline.enrich.entities import ResolvedEntity, clean_surface
from storyline.enrich.sentences import stop_words
from storyline.fingerprint.embed import Encoder
from storyline.text import fold
from storyline.types import Article, Quote

# A quotation of fewer words is an exclamation or a slogan ("Lock her up"), not a statement.
MIN_QUOTE_WORDS = 3
# Encoder cosine from which a quotation and its closest match in a translation of its article
# are one quote. Measured with the bundled encoder on the demo's Apple Corps story (MEANTIME's
# professional translations): a quote and its translation 0.60-0.91 (the Dutch one is a loose
# rendering), two different quotes of the story in two languages -0.04 to 0.30.
TRANSLATED_QUOTE_MIN = 0.55
# A pronoun speaker resolves to a person named at most this many characters before the quote
# (about three news sentences).
PRONOUN_WINDOW = 600


@dataclass
class ArticleQuote:
    """A direct quotation of one article with its speaker as the story names it.

    Attributes:
        article: the article id.
        language: the article's language.
        start: offset of the quoted words in the article's text.
        text: the quoted words.
        speaker: the speaker's name (or description when unnamed), None when not attributed.
        role: the speaker's role as the story's articles state it.
    """

    article: str
    language: str | None
    start: int
    text: str
    speaker: str | None
    role: str | None


def _mentions_by_article(
    entities: Sequence[ResolvedEntity],
) -> dict[str, list[tuple[int, int, ResolvedEntity]]]:
    out: dict[str, list[tuple[int, int, ResolvedEntity]]] = {}
    for r in entities:
        for m in r.mentions:
            out.setdefault(m.article, []).append((m.start, m.end, r))
    for spans in out.values():
        spans.sort(key=lambda x: x[0])
    return out


# A role as an original states it outweighs the same role as copies restate it (a content farm's
# "Ilium resident" for the original's "Izium resident").
_ORIGINAL_WEIGHT = 10


def _roles(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    spans: dict[str, list[tuple[int, int, ResolvedEntity]]],
    originals: set[str] | None = None,
) -> dict[str, Counter[str]]:
    """Roles stated next to each entity's mentions across the story, by entity name.

    Counts are votes: a role stated by an original (`originals`, all articles when None) weighs
    `_ORIGINAL_WEIGHT` times a copy's.
    """
    out: dict[str, Counter[str]] = {}
    for art in articles:
        weight = _ORIGINAL_WEIGHT if originals is None or art.id in originals else 1
        an = analyses.get(art.id)
        if an is None:
            continue
        for role in an.parsed.roles:
            for s, e, r in spans.get(art.id, []):
                if s < role.end and role.start < e:
                    text = role.role.strip(" ,")
                    if text and fold(text) != fold(r.entity.name):
                        out.setdefault(r.entity.name, Counter())[text] += weight
                    break
    return out


def _is_pronoun(text: str, language: str | None) -> bool:
    """A one-word speaker that is a stop word of its language ("he", "she", "elle") stands for a name."""
    return len(text.split()) == 1 and text.lower() in stop_words(language)


def _role_from_phrase(phrase: str, language: str | None) -> str | None:
    """The speaker's phrase without the names in it and leading stop words ("Le président")."""
    words = [w for w in phrase.split() if not w[:1].isupper() or w.lower() in stop_words(language)]
    while words and words[0].lower() in stop_words(language):
        words.pop(0)
    text = " ".join(words).strip(" ,")
    return text or None


def _titled(
    head: str,
    text: str,
    at: int,
    spans: list[tuple[int, int, ResolvedEntity]],
    roles: dict[str, Counter[str]],
    speakers: set[str],
) -> str | None:
    """The person a title speaker stands for ("the head" -> Oleh Syniehubov, "head of the ...").

    The last person named before the quotation (within `PRONOUN_WINDOW`) whose stated role holds
    the title's word; None when nobody named has that title (an unnamed official stays one).
    """
    word = fold(head.split()[-1]) if head.split() else ""
    if not word or (head[:1].isupper() and len(head.split()) > 1):
        return None
    before = [r for s, e, r in spans if e <= at and at - e <= PRONOUN_WINDOW and r.entity.kind == "person"]
    for r in reversed(before):
        if any(word in fold(role).split() for role in roles.get(r.entity.name, ())):
            return r.entity.name
    return None


def _find(
    art: Article,
    an: ArticleAnalysis,
    spans: list[tuple[int, int, ResolvedEntity]],
    roles: dict[str, Counter[str]],
) -> list[ArticleQuote]:
    out: list[ArticleQuote] = []
    text = art.text
    # People named as speakers somewhere in the article (in a quotation's or a reported
    # statement's speaker phrase): a pronoun most likely stands for one of them.
    phrases = [(q.phrase_start, q.phrase_end) for q in an.parsed.quotations if q.phrase_start is not None]
    phrases += [(a.phrase_start, a.phrase_end) for a in an.parsed.attributions]
    speakers = {
        r.entity.name
        for p0, p1 in phrases
        if p0 is not None and p1 is not None
        for s, e, r in spans
        if p0 <= s and e <= p1 and r.entity.kind == "person"
    }
    for q in an.parsed.quotations:
        body = text[q.start : q.end].strip().rstrip(",").rstrip()
        # Without a parser (a language with no model) a statement introduced by "ha dicho que"
        # cannot be told from a fragment: every quotation may then join the quote it translates
        # (it has no speaker, so it never stands alone).
        if (not q.direct and an.parsed.typed) or "\n" in body or len(body.split()) < MIN_QUOTE_WORDS:
            continue
        speaker: str | None = None
        entity: str | None = None
        role: str | None = None
        if q.speaker_start is not None and q.speaker_end is not None:
            head = text[q.speaker_start : q.speaker_end]
            phrase = text[q.phrase_start : q.phrase_end] if q.phrase_start is not None else head
            inside = [r for s, e, r in spans if s < q.speaker_end and q.speaker_start < e]
            in_phrase = [
                r
                for s, e, r in spans
                if q.phrase_start is not None
                and q.phrase_end is not None
                and q.phrase_start <= s
                and e <= q.phrase_end
            ]
            if inside:
                entity = inside[0].entity.name
            elif _is_pronoun(head, an.language):
                before = [
                    r
                    for s, e, r in spans
                    if e <= q.start and q.start - e <= PRONOUN_WINDOW and r.entity.kind == "person"
                ]
                # The last person named who speaks elsewhere in the article, else the last person.
                talking = [r for r in before if r.entity.name in speakers]
                if talking or before:
                    entity = (talking or before)[-1].entity.name
            if entity is not None:
                speaker = entity
                stated = roles.get(entity)
                if stated:
                    role = stated.most_common(1)[0][0]
            elif any(r.entity.kind == "person" for r in in_phrase):
                # "le président Emmanuel Macron": the person named in the speaker's phrase.
                entity = next(r for r in in_phrase if r.entity.kind == "person").entity.name
                speaker = entity
                stated = roles.get(entity)
                role = stated.most_common(1)[0][0] if stated else _role_from_phrase(phrase, an.language)
            elif (titled := _titled(head, text, q.start, spans, roles, speakers)) is not None:
                # "the head", "the spokesman": the person named before with that title.
                speaker = titled
                stated = roles.get(titled)
                role = stated.most_common(1)[0][0] if stated else clean_surface(phrase)
            elif in_phrase:
                org = in_phrase[0].entity.name
                speaker = f"{org} {clean_surface(head)}".strip()
                role = clean_surface(phrase)
            elif not _is_pronoun(head, an.language):
                speaker = clean_surface(phrase) or None
        out.append(ArticleQuote(art.id, an.language, q.start, body, speaker, role))
    return out


def article_quotes(
    article: Article, analysis: ArticleAnalysis, entities: Sequence[ResolvedEntity]
) -> list[ArticleQuote]:
    """The direct quotations of one article with their speakers, as a story of that article shows them.

    Unattributed ones are included (speaker None); a story view leaves them out.
    """
    spans = _mentions_by_article(entities)
    roles = _roles([article], {article.id: analysis}, spans)
    return _find(article, analysis, spans.get(article.id, []), roles)


def _agree(a: ArticleQuote, b: ArticleQuote) -> bool:
    """Whether two quotations can be one quote as far as their speakers go (unknown agrees)."""
    return a.speaker is None or b.speaker is None or a.speaker == b.speaker


def collect_quotes(
    articles: Sequence[Article],
    analyses: Mapping[str, ArticleAnalysis],
    entities: Sequence[ResolvedEntity],
    related: set[frozenset[str]],
    originals: set[str],
    main_language: str | None,
    settings: ViewConfig,
    encoder: Encoder | None = None,
) -> list[Quote]:
    """The story's quotes, each once, most widely carried first.

    Args:
        articles: the story's members.
        analyses: per-article analyses.
        entities: the story's resolved entities.
        related: pairs of article ids linked by a duplicate relation (copy, translation, ...).
        originals: ids of articles that are not copies or translations of a member.
        main_language: the story's main language (preferred for the quote's text).
        settings: match thresholds.
        encoder: optional sentence encoder, to match a quote with its translation.
    """
    spans = _mentions_by_article(entities)
    roles = _roles(articles, analyses, spans, originals)
    found: list[ArticleQuote] = []
    for art in articles:
        an = analyses.get(art.id)
        if an is not None:
            found.extend(_find(art, an, spans.get(art.id, []), roles))
    if not found:
        return []
    folded = [fold(f.text) for f in found]
    # The encoder only compares quotations across languages, and only between members linked
    # by a relation (a translation and its original): few pairs, a fraction of a second.
    vectors: dict[int, np.ndarray] = {}
    crossing = {a for pair in related for a in pair}
    if encoder is not None and len({f.language for f in found}) > 1:
        todo = [i for i, f in enumerate(found) if f.article in crossing]
        if todo:
            embedded = encoder.encode([found[i].text for i in todo])
            vectors = {i: embedded[n] for n, i in enumerate(todo)}
    same_quote = DisjointSet(range(len(found)))
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            a, b = found[i], found[j]
            if a.article == b.article:
                continue
            speakers_agree = _agree(a, b)
            threshold = (
                settings.related_quote_match
                if speakers_agree and frozenset((a.article, b.article)) in related
                else settings.quote_match
            )
            same = fuzz.token_set_ratio(folded[i], folded[j]) >= threshold
            if not same and i in vectors and j in vectors and a.language != b.language and speakers_agree:
                same = float(vectors[i] @ vectors[j]) >= settings.encoder_redundancy
            if same:
                same_quote.merge(i, j)
    # A translation carries the same quotes as its original, in other words: within a pair of
    # articles in a translation relation, quotations that are each other's closest match in the
    # other article are one quote when the encoder finds them close at all.
    for pair in related:
        a_id, b_id = tuple(pair)
        left = [i for i in vectors if found[i].article == a_id]
        right = [j for j in vectors if found[j].article == b_id]
        if not left or not right or found[left[0]].language == found[right[0]].language:
            continue
        cos = np.array([[float(vectors[i] @ vectors[j]) for j in right] for i in left])
        for x, i in enumerate(left):
            y = int(cos[x].argmax())
            j = right[y]
            speakers_agree = _agree(found[i], found[j])
            if int(cos[:, y].argmax()) == x and cos[x, y] >= TRANSLATED_QUOTE_MIN and speakers_agree:
                same_quote.merge(i, j)
    groups: dict[int, list[int]] = {}
    for i in range(len(found)):
        groups.setdefault(same_quote[i], []).append(i)
    by_id = {a.id: a for a in articles}
    order = {a.id: n for n, a in enumerate(articles)}
    quotes: list[tuple[tuple[int, str, int, int], Quote]] = []
    for members in groups.values():
        if all(found[i].speaker is None for i in members):
            continue  # a statement nobody is named for
        best = min(
            members,
            key=lambda i: (
                found[i].article not in originals,
                found[i].language != main_language,
                found[i].speaker is None,
                by_id[found[i].article].published or "9999",
                order[found[i].article],
            ),
        )
        speaker = found[best].speaker or next((found[i].speaker for i in members if found[i].speaker), None)
        role = found[best].role or next((found[i].role for i in members if found[i].role), None)
        sources = tuple(sorted({found[i].article for i in members}, key=lambda a: order[a]))
        languages = tuple(
            sorted(
                {lang for i in members if (lang := found[i].language)},
                key=lambda lang: (lang != found[best].language, lang),
            )
        )
        dates = sorted(d for d in (by_id[a].published for a in sources) if d)
        quote = Quote(
            text=found[best].text,
            speaker=speaker,
            article=found[best].article,
            published=dates[0] if dates else None,
            role=role,
            sources=sources,
            languages=languages,
        )
        quotes.append(
            ((-len(sources), quote.published or "9999", order[quote.article], found[best].start), quote)
        )
    quotes.sort(key=lambda q: q[0])
    return [q for _, q in quotes]
