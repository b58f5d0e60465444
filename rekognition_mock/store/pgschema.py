"""The PostgreSQL schema of :mod:`.postgres`, as the migrations that build it: each entry of
:data:`MIGRATIONS` takes the schema from the version before it to its own index + 1 (the
version reached is kept in ``schema_version``)."""

from __future__ import annotations

from .state import BOX_BYTES, DESCRIPTOR_BYTES

__all__ = ["MIGRATIONS"]

# each entry takes the schema from the version before it to its own index + 1
MIGRATIONS: list[str] = [
    f"""
    CREATE TABLE collections (
        account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
        arn TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, tags TEXT NOT NULL,
        PRIMARY KEY (account, region, collection_id)
    );
    CREATE TABLE users (
        account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
        user_id TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, create_token TEXT,
        PRIMARY KEY (account, region, collection_id, user_id),
        FOREIGN KEY (account, region, collection_id) REFERENCES collections ON DELETE CASCADE
    );
    CREATE TABLE faces (
        account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
        face_id TEXT NOT NULL, image_id TEXT NOT NULL, external_image_id TEXT, user_id TEXT,
        box BYTEA NOT NULL CHECK (octet_length(box) = {BOX_BYTES}),
        confidence DOUBLE PRECISION NOT NULL, seq BIGINT NOT NULL,
        descriptor BYTEA NOT NULL CHECK (octet_length(descriptor) = {DESCRIPTOR_BYTES}),
        PRIMARY KEY (account, region, collection_id, face_id),
        FOREIGN KEY (account, region, collection_id) REFERENCES collections ON DELETE CASCADE,
        FOREIGN KEY (account, region, collection_id, user_id) REFERENCES users
    );
    CREATE INDEX faces_user ON faces (account, region, collection_id, user_id) WHERE user_id IS NOT NULL;
    """,
    # the change log several servers read to stay current: one clock row, whose row lock each
    # write holds from its last statement to its commit, so sequence order is commit order
    """
    CREATE TABLE change_clock (seq BIGINT NOT NULL);
    INSERT INTO change_clock VALUES (0);
    CREATE TABLE changes (
        seq BIGINT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT
    );
    CREATE INDEX changes_seq ON changes (seq);
    """,
    # the engine's analyses shared by every server (store/analyses.py); the replies remembered
    # for ClientRequestTokens; and which faces and users a change touched (NULL: all of the
    # collection's), so a server reads only those
    """
    CREATE TABLE analyses (key TEXT PRIMARY KEY, value BYTEA NOT NULL, stored DOUBLE PRECISION NOT NULL);
    CREATE TABLE tokens (
        account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
        operation TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, reply TEXT NOT NULL,
        seq BIGSERIAL,
        PRIMARY KEY (account, region, collection_id, operation, token),
        FOREIGN KEY (account, region, collection_id) REFERENCES collections ON DELETE CASCADE
    );
    ALTER TABLE changes ADD COLUMN face_ids TEXT[], ADD COLUMN user_ids TEXT[];
    """,
]
