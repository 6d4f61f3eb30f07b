import GRDB

extension AppDatabase {
    /// The schema, as append-only migrations: a shipped migration is never edited; a change
    /// is a new migration. Migrations use raw SQL and no app types, so they stay valid as
    /// the record types evolve.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE user (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE TABLE revoked_token (
                    jti TEXT PRIMARY KEY NOT NULL,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    expires_at DATETIME NOT NULL,
                    revoked_at DATETIME NOT NULL
                );
                CREATE INDEX revoked_token_expires ON revoked_token(expires_at);
                """)
        }
        migrator.registerMigration("v1-content") { db in
            try db.execute(sql: """
                CREATE TABLE collection (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    UNIQUE (user_id, name)
                );
                CREATE TABLE document (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    canonical_url TEXT,
                    title TEXT NOT NULL DEFAULT '',
                    lang TEXT,
                    content_hash TEXT,
                    fetched_at DATETIME,
                    etag TEXT,
                    last_modified TEXT,
                    UNIQUE (collection_id, url)
                );
                CREATE INDEX document_content_hash ON document(collection_id, content_hash);
                CREATE TABLE chunk (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                    ordinal INTEGER NOT NULL,
                    heading_path TEXT NOT NULL DEFAULT '',
                    text TEXT NOT NULL,
                    token_count INTEGER NOT NULL,
                    vector BLOB,
                    content_hash TEXT NOT NULL,
                    UNIQUE (document_id, ordinal)
                );
                -- Full-text index over chunks: Porter stemming on top of unicode61 (which folds
                -- case and strips diacritics). Title and heading are separate columns so
                -- bm25() can weight them above the body.
                CREATE VIRTUAL TABLE chunk_fts USING fts5(
                    title, heading, body,
                    tokenize = 'porter unicode61 remove_diacritics 2'
                );
                CREATE TRIGGER chunk_fts_insert AFTER INSERT ON chunk BEGIN
                    INSERT INTO chunk_fts(rowid, title, heading, body)
                    VALUES (new.id, (SELECT title FROM document WHERE id = new.document_id),
                            new.heading_path, new.text);
                END;
                CREATE TRIGGER chunk_fts_delete AFTER DELETE ON chunk BEGIN
                    DELETE FROM chunk_fts WHERE rowid = old.id;
                END;
                CREATE TRIGGER chunk_fts_update AFTER UPDATE OF heading_path, text ON chunk BEGIN
                    UPDATE chunk_fts SET heading = new.heading_path, body = new.text WHERE rowid = new.id;
                END;
                CREATE TRIGGER document_title_fts AFTER UPDATE OF title ON document BEGIN
                    UPDATE chunk_fts SET title = new.title
                    WHERE rowid IN (SELECT id FROM chunk WHERE document_id = new.id);
                END;
                CREATE TABLE job (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    collection_id INTEGER REFERENCES collection(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    params TEXT NOT NULL DEFAULT '{}',
                    discovered INTEGER NOT NULL DEFAULT 0,
                    fetched INTEGER NOT NULL DEFAULT 0,
                    indexed INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    chunks INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    created_at DATETIME NOT NULL,
                    started_at DATETIME,
                    finished_at DATETIME,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX job_user ON job(user_id, created_at);
                CREATE INDEX job_status ON job(status, created_at);
                """)
        }
        migrator.registerMigration("v2-ingest") { db in
            try db.execute(sql: """
                ALTER TABLE document ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE document ADD COLUMN http_status INTEGER;
                ALTER TABLE document ADD COLUMN depth INTEGER;
                ALTER TABLE document ADD COLUMN bytes INTEGER;
                ALTER TABLE document ADD COLUMN updated_at DATETIME;
                CREATE INDEX chunk_document ON chunk(document_id);
                ALTER TABLE job ADD COLUMN unchanged INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN removed INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE job ADD COLUMN worker TEXT;
                ALTER TABLE job ADD COLUMN heartbeat_at DATETIME;
                CREATE TABLE job_page (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    job_id TEXT NOT NULL REFERENCES job(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    status TEXT NOT NULL,
                    reason TEXT,
                    detail TEXT,
                    http_status INTEGER,
                    depth INTEGER,
                    chunks INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX job_page_job ON job_page(job_id, id);
                """)
        }
        migrator.registerMigration("v3-fts-scope") { db in
            // The full-text index gains a `scope` column holding the collection as one token
            // ("c<id>"), so a search's collection filter is an FTS posting-list intersection
            // instead of a join through chunk and document for every match. bm25() gives the
            // column weight 0, so scores are unchanged.
            try db.execute(sql: """
                DROP TRIGGER chunk_fts_insert;
                DROP TRIGGER chunk_fts_delete;
                DROP TRIGGER chunk_fts_update;
                DROP TRIGGER document_title_fts;
                DROP TABLE chunk_fts;
                CREATE VIRTUAL TABLE chunk_fts USING fts5(
                    title, heading, body, scope,
                    tokenize = 'porter unicode61 remove_diacritics 2'
                );
                INSERT INTO chunk_fts(rowid, title, heading, body, scope)
                    SELECT chunk.id, document.title, chunk.heading_path, chunk.text, 'c' || document.collection_id
                    FROM chunk JOIN document ON document.id = chunk.document_id;
                CREATE TRIGGER chunk_fts_insert AFTER INSERT ON chunk BEGIN
                    INSERT INTO chunk_fts(rowid, title, heading, body, scope)
                    SELECT new.id, document.title, new.heading_path, new.text, 'c' || document.collection_id
                    FROM document WHERE document.id = new.document_id;
                END;
                CREATE TRIGGER chunk_fts_delete AFTER DELETE ON chunk BEGIN
                    DELETE FROM chunk_fts WHERE rowid = old.id;
                END;
                CREATE TRIGGER chunk_fts_update AFTER UPDATE OF heading_path, text ON chunk BEGIN
                    UPDATE chunk_fts SET heading = new.heading_path, body = new.text WHERE rowid = new.id;
                END;
                CREATE TRIGGER document_title_fts AFTER UPDATE OF title ON document BEGIN
                    UPDATE chunk_fts SET title = new.title
                    WHERE rowid IN (SELECT id FROM chunk WHERE document_id = new.id);
                END;
                """)
        }
        migrator.registerMigration("v4-orchestrator") { db in
            try db.execute(sql: """
                CREATE TABLE plan (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    step_count INTEGER NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX plan_user ON plan(user_id, created_at);
                CREATE TABLE execution (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    plan_id TEXT,
                    workflow TEXT NOT NULL,
                    status TEXT NOT NULL,
                    error TEXT,
                    state TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    finished_at DATETIME
                );
                CREATE INDEX execution_user ON execution(user_id, created_at);
                -- LLM responses: exact entries by a hash of provider, model, messages and
                -- parameters; semantic entries also carry the prompt's embedding.
                CREATE TABLE llm_cache (
                    key TEXT PRIMARY KEY NOT NULL,
                    provider TEXT NOT NULL,
                    model TEXT NOT NULL,
                    result TEXT NOT NULL,
                    embedding BLOB,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL
                );
                CREATE INDEX llm_cache_model ON llm_cache(provider, model, expires_at);
                -- One row per counted generation (a successful plan execution or LLM answer).
                CREATE TABLE generation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX generation_user ON generation(user_id);
                """)
        }
        migrator.registerMigration("v5-generation-reservations") { db in
            // A generation is reserved (pending = 1) before the work and confirmed after it
            // succeeds, so concurrent requests cannot overshoot the quota.
            try db.execute(sql: "ALTER TABLE generation ADD COLUMN pending INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v6-chunk-layout-and-term-statistics") { db in
            // What each line of a chunk is (term, paragraph, table row, code…; see TextKit's
            // ChunkLayout): chunks stored before it have none and are read as paragraphs.
            try db.execute(sql: """
                ALTER TABLE chunk ADD COLUMN layout TEXT NOT NULL DEFAULT '';
                -- Per-term document counts of the full-text index (all collections): the IDF
                -- weights of answer composition and the collection-vocabulary check of abstention.
                CREATE VIRTUAL TABLE chunk_vocab USING fts5vocab(chunk_fts, row);
                """)
        }
        migrator.registerMigration("v7-llm-cache-per-user-and-scope") { db in
            // Cached LLM results belong to one user and one scope (a fingerprint of everything
            // besides the prompt that shapes the answer: retrieved context, its chunks and the
            // outputs of earlier steps). Entries cached before had neither and could be served
            // across users, so they are dropped.
            try db.execute(sql: """
                DROP TABLE llm_cache;
                CREATE TABLE llm_cache (
                    key TEXT PRIMARY KEY NOT NULL,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    scope TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    model TEXT NOT NULL,
                    result TEXT NOT NULL,
                    embedding BLOB,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL
                );
                CREATE INDEX llm_cache_scope ON llm_cache(user_id, scope, provider, model, expires_at);
                CREATE INDEX llm_cache_expiry ON llm_cache(expires_at);
                """)
        }
        migrator.registerMigration("v8-auth-attempts") { db in
            // Throttled authentication attempts (failed logins per account and address, failed
            // logins per address, registrations per address), kept across restarts and shared
            // by every server on the database. Keys are SHA-256 hashes, not emails or addresses.
            try db.execute(sql: """
                CREATE TABLE auth_attempt (
                    scope TEXT NOT NULL,
                    key TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX auth_attempt_key ON auth_attempt(scope, key, at);
                CREATE INDEX auth_attempt_at ON auth_attempt(at);
                """)
        }
        migrator.registerMigration("v9-chunk-changes") { db in
            // The log every derived vector index follows: one row per stored or deleted page,
            // numbered in commit order (SQLite has one writer). `change_seq` is the collection's
            // newest entry (what a reader compares with), `change_floor` the newest pruned one.
            try db.execute(sql: """
                ALTER TABLE collection ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE collection ADD COLUMN change_floor INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE chunk_change (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
                    added TEXT NOT NULL,
                    removed TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX chunk_change_collection ON chunk_change(collection_id, seq);
                CREATE INDEX chunk_change_at ON chunk_change(at);
                """)
        }
        migrator.registerMigration("v10-resumable-executions") { db in
            // What another server needs to resume an execution whose server died: the plan,
            // the quota reservation, and a claim with heartbeats (as ingest jobs have).
            try db.execute(sql: """
                ALTER TABLE execution ADD COLUMN plan TEXT;
                ALTER TABLE execution ADD COLUMN reservation_id INTEGER;
                ALTER TABLE execution ADD COLUMN worker TEXT;
                ALTER TABLE execution ADD COLUMN heartbeat_at DATETIME;
                ALTER TABLE execution ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX execution_unfinished ON execution(status, created_at);
                """)
        }
        migrator.registerMigration("v11-api-keys") { db in
            try db.execute(sql: """
                CREATE TABLE api_key (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    scopes TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    last_used_at DATETIME,
                    expires_at DATETIME
                );
                CREATE INDEX api_key_user ON api_key(user_id);
                """)
        }
        migrator.registerMigration("v12-conversations") { db in
            try db.execute(sql: """
                CREATE TABLE conversation (
                    id TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
                    title TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX conversation_user ON conversation(user_id, updated_at);
                CREATE TABLE conversation_turn (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    conversation_id TEXT NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
                    question TEXT NOT NULL,
                    collection TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    answerable BOOLEAN NOT NULL,
                    mode TEXT NOT NULL,
                    citations TEXT NOT NULL,
                    sources TEXT NOT NULL,
                    searched_question TEXT,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX conversation_turn_conversation ON conversation_turn(conversation_id, id);
                """)
        }
        migrator.registerMigration("v13-collection-sources") { db in
            try db.execute(sql: """
                CREATE TABLE collection_source (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection_id INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,
                    url TEXT NOT NULL,
                    params TEXT NOT NULL,
                    refresh_every DOUBLE,
                    last_sync_at DATETIME,
                    next_sync_at DATETIME,
                    last_job_id TEXT,
                    UNIQUE (collection_id, url)
                );
                CREATE INDEX collection_source_due ON collection_source(next_sync_at);
                """)
        }
        migrator.registerMigration("v14-uploads") { db in
            // Uploaded files wait here for their job (any server may run it), then go.
            try db.execute(sql: """
                CREATE TABLE upload_file (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    batch TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    bytes BLOB NOT NULL,
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX upload_file_batch ON upload_file(batch);
                """)
        }
        migrator.registerMigration("v15-embed-precision") { db in
            // The precision the collection's vectors were embedded in (NULL: fp32, from before).
            try db.execute(sql: "ALTER TABLE collection ADD COLUMN embed_precision TEXT")
        }
        return migrator
    }
}
