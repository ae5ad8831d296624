"""The database schema as an ordered list of migrations.

`PRAGMA user_version` holds the number of migrations applied. A new release appends a migration;
it never edits an old one, so every existing database can be brought forward step by step.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "initial schema",
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        -- One row per input record, as read: what `reclean` starts from.
        CREATE TABLE raw (
            id TEXT PRIMARY KEY,            -- the article id (origin + content hash)
            seq INTEGER NOT NULL UNIQUE,    -- arrival order
            source TEXT NOT NULL,           -- path or URL as given
            source_key TEXT NOT NULL,       -- absolute path / URL: identity of the source
            record INTEGER,                 -- position in the source, NULL for one-document files
            external_id TEXT,
            kind TEXT NOT NULL,             -- text | html
            content BLOB NOT NULL,          -- zlib-compressed UTF-8
            url TEXT, title TEXT, published TEXT, publisher TEXT, author TEXT, language TEXT,
            raw_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL
        );
        CREATE INDEX raw_source ON raw (source_key, record);

        CREATE TABLE articles (
            id TEXT PRIMARY KEY REFERENCES raw (id),
            seq INTEGER NOT NULL UNIQUE,
            source TEXT NOT NULL,
            record INTEGER,
            external_id TEXT,
            url TEXT,
            title TEXT,
            published TEXT,
            publisher TEXT,
            author TEXT,
            language TEXT,
            dateline TEXT,
            date_source TEXT,
            text TEXT NOT NULL,
            words INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            raw_hash TEXT NOT NULL,
            removed TEXT NOT NULL DEFAULT '[]',  -- JSON list of {text, reason}
            cleaned_at TEXT NOT NULL
        );
        CREATE INDEX articles_content_hash ON articles (content_hash);
        CREATE INDEX articles_published ON articles (published);

        CREATE TABLE rejects (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            record INTEGER,
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX rejects_source ON rejects (source, record);

        -- `article` duplicates `original` (the original of its duplicate group).
        CREATE TABLE relations (
            article TEXT NOT NULL REFERENCES articles (id),
            original TEXT NOT NULL REFERENCES articles (id),
            kind TEXT NOT NULL,
            score REAL NOT NULL,
            evidence TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (article, original)
        );
        CREATE INDEX relations_original ON relations (original);

        CREATE TABLE stories (
            id TEXT PRIMARY KEY,
            headline TEXT NOT NULL DEFAULT '',
            n_articles INTEGER NOT NULL DEFAULT 0,
            n_sources INTEGER NOT NULL DEFAULT 0,
            languages TEXT NOT NULL DEFAULT '',
            first_published TEXT,
            last_published TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            view TEXT,              -- cached story view (JSON), NULL when stale
            view_at TEXT
        );
        CREATE INDEX stories_updated ON stories (updated_at);

        CREATE TABLE memberships (
            article TEXT PRIMARY KEY REFERENCES articles (id),
            story TEXT NOT NULL REFERENCES stories (id),
            score REAL,
            joined_at TEXT NOT NULL
        );
        CREATE INDEX memberships_story ON memberships (story);

        -- Cached embeddings per article, model and field (title+lead, body).
        CREATE TABLE embeddings (
            article TEXT NOT NULL,
            model TEXT NOT NULL,
            field TEXT NOT NULL,
            vector BLOB NOT NULL,   -- float32, L2-normalised
            PRIMARY KEY (article, model, field)
        );

        -- MinHash signatures and LSH band keys: the persistent near-copy index.
        CREATE TABLE minhash (
            article TEXT PRIMARY KEY,
            signature BLOB NOT NULL
        );
        CREATE TABLE lsh (
            band INTEGER NOT NULL,
            key INTEGER NOT NULL,
            article TEXT NOT NULL
        );
        CREATE INDEX lsh_band_key ON lsh (band, key);
        """,
    ),
    (
        "full-text search over titles and clean text",
        """
        CREATE VIRTUAL TABLE articles_fts USING fts5 (
            title, text, content='articles', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
        END;
        CREATE TRIGGER articles_fts_au AFTER UPDATE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
            INSERT INTO articles_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
        END;
        """,
    ),
    (
        "per-article analyses (names, sentences, quotes) cached for story views",
        """
        CREATE TABLE analyses (
            article TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            data TEXT NOT NULL      -- JSON, see storyline.enrich.analysis
        );
        """,
    ),
    (
        "indexes for reading: story list orders, entity filter, facets",
        """
        -- The story list walks these instead of sorting every story (ORDER BY must match them).
        CREATE INDEX stories_recent ON stories (coalesce(last_published, '') DESC, updated_at DESC, id);
        CREATE INDEX stories_size ON stories (n_articles DESC, updated_at DESC);
        -- Language and publisher facets and filters.
        CREATE INDEX articles_language ON articles (language);
        CREATE INDEX articles_publisher ON articles (publisher);
        CREATE INDEX articles_source ON articles (source);

        -- Names (and spelling variants) of the entities in each story's cached view, folded
        -- (storyline.text.fold), so that `list_stories(entity=...)` is an index lookup.
        CREATE TABLE story_entities (
            name TEXT NOT NULL,
            story TEXT NOT NULL,
            PRIMARY KEY (name, story)
        ) WITHOUT ROWID;
        CREATE INDEX story_entities_story ON story_entities (story);
        INSERT OR IGNORE INTO story_entities (name, story)
            SELECT fold(json_extract(e.value, '$.name')), s.id
            FROM stories s, json_each(s.view, '$.entities') e
            WHERE s.view IS NOT NULL AND json_valid(s.view) AND json_extract(e.value, '$.name') IS NOT NULL;
        INSERT OR IGNORE INTO story_entities (name, story)
            SELECT fold(v.value), s.id
            FROM stories s, json_each(s.view, '$.entities') e, json_each(e.value, '$.variants') v
            WHERE s.view IS NOT NULL AND json_valid(s.view) AND v.type = 'text';
        """,
    ),
    (
        "block statistics: which lines and sentences recur across a publisher's pages (templates)",
        """
        CREATE TABLE block_docs (
            publisher TEXT PRIMARY KEY,  -- publisher key, or '*' for the whole corpus
            n INTEGER NOT NULL
        );
        CREATE TABLE block_counts (
            publisher TEXT NOT NULL,
            hash TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (publisher, hash)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "duplicate index: band keys per article, sentence vectors",
        """
        -- The first near-copy index (one row per band) is replaced by one row per article.
        DROP TABLE lsh;
        DROP TABLE minhash;

        -- LSH band keys (int64 array) of each article's word shingles and of its anchors
        -- (numbers and names); rebuilt into in-memory indexes when a database is opened.
        CREATE TABLE dedup_index (
            article TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,       -- the article's arrival number: the key in the indexes
            lexical BLOB,               -- NULL: no shingles (or an exact copy of an indexed article)
            signature BLOB,             -- the MinHash signature (uint32 array), to screen candidates
            anchors BLOB                -- NULL: too few anchors to index
        );
        CREATE INDEX dedup_index_seq ON dedup_index (seq);

        -- Sentence embeddings per article and model (float16, one row per sentence, in order).
        CREATE TABLE sentence_vectors (
            article TEXT NOT NULL,
            model TEXT NOT NULL,
            n INTEGER NOT NULL,
            vectors BLOB NOT NULL,
            PRIMARY KEY (article, model)
        );
        """,
    ),
    (
        "story clustering state (see storyline.stories.persist)",
        """
        CREATE TABLE story_state (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,
            first TEXT,
            last TEXT,
            copies INTEGER NOT NULL,
            head BLOB NOT NULL,
            body BLOB NOT NULL,
            evidence TEXT NOT NULL,
            terms BLOB NOT NULL
        );
        CREATE TABLE story_member (
            article_id TEXT PRIMARY KEY,
            story_id TEXT NOT NULL,
            position INTEGER NOT NULL
        );
        CREATE INDEX story_member_story ON story_member (story_id, position);
        CREATE TABLE story_alias (id TEXT PRIMARY KEY, into_id TEXT NOT NULL);
        CREATE TABLE story_df (bucket INTEGER PRIMARY KEY, df INTEGER NOT NULL);
        CREATE TABLE story_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    (
        "duplicate index keyed by arrival number",
        """
        -- Keyed by the article's arrival number (an alias of the rowid), so the rows of a batch
        -- are appended at the end of the table instead of being scattered over an index of
        -- random article ids: a batch's commit writes a few hundred pages, not one per leaf of
        -- that index. An article's number never changes (articles are never deleted).
        CREATE TABLE dedup_index_by_seq (
            seq INTEGER PRIMARY KEY,    -- the article's arrival number: the key in the indexes
            article TEXT NOT NULL,
            lexical BLOB,               -- NULL: no shingles (or an exact copy of an indexed article)
            signature BLOB,             -- the MinHash signature (uint32 array), to screen candidates
            anchors BLOB                -- NULL: too few anchors to index
        );
        INSERT OR REPLACE INTO dedup_index_by_seq (seq, article, lexical, signature, anchors)
            SELECT a.seq, d.article, d.lexical, d.signature, d.anchors
            FROM dedup_index d JOIN articles a ON a.id = d.article ORDER BY a.seq;
        DROP TABLE dedup_index;
        ALTER TABLE dedup_index_by_seq RENAME TO dedup_index;
        """,
    ),
    (
        "topics",
        """
        -- The topic of each story, as the topic grouper decided it (storyline.stories.topics).
        CREATE TABLE story_topics (
            story TEXT PRIMARY KEY,
            topic TEXT NOT NULL,
            probability REAL NOT NULL,  -- of the topic joined, or of the best other (founded)
            decided_size INTEGER NOT NULL,  -- the story's size when decided (again at double)
            evidence TEXT NOT NULL       -- JSON: features, shared names, the closest story
        );
        CREATE INDEX story_topics_topic ON story_topics (topic);
        -- Stories that moved from one topic to another and topics merged into another.
        CREATE TABLE topic_events (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,          -- moved | merged
            story TEXT NOT NULL,
            before TEXT NOT NULL,
            topic TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """,
    ),
    (
        "story names for the entity filter",
        """
        -- The names each story was placed by (its clustering state), so that the story list's
        -- entity filter finds stories whose views are not built; every ingest keeps them
        -- current (storyline.store.story_state).
        INSERT OR IGNORE INTO story_entities (name, story)
            SELECT fold(n.key), s.id FROM story_state s, json_each(s.evidence, '$.names') n
            WHERE json_valid(s.evidence);
        INSERT OR IGNORE INTO story_entities (name, story)
            SELECT fold(n.key), s.id FROM story_state s, json_each(s.evidence, '$.people') n
            WHERE json_valid(s.evidence);
        INSERT OR IGNORE INTO story_entities (name, story)
            SELECT fold(n.key), s.id FROM story_state s, json_each(s.evidence, '$.places') n
            WHERE json_valid(s.evidence);
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
