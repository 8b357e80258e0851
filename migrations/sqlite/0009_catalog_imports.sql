-- Catalogue CSV imports, staged so a large file never runs as one long transaction.
-- On SQLite one writer at a time holds the database; a 100,000-row file written in one
-- transaction took 62 s, and every other shop's writes failed after the 10 s busy
-- timeout. So the upload stages the parsed products here in batches, and confirming
-- applies them in batches of bounded transactions from a background task.
--
-- status: staged (previewed, not confirmed), applying, rolling_back, done, failed (rolled
-- back). A batch marks its rows applied (product_id) in the same transaction that writes
-- the products, so applying is idempotent: a crash resumes from the first unapplied row,
-- and a refusal deletes exactly the products this import created.
CREATE TABLE catalog_imports (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    -- The random id in the preview and progress URLs.
    token        TEXT    NOT NULL UNIQUE,
    user_id      BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    status       TEXT    NOT NULL DEFAULT 'staged'
                 CHECK (status IN ('staged', 'applying', 'rolling_back', 'done', 'failed')),
    -- Counted at staging, so the preview and the progress page need no scan.
    products     BIGINT  NOT NULL,
    variant_rows BIGINT  NOT NULL,
    applied      BIGINT  NOT NULL DEFAULT 0,
    -- Every batch's transaction first moves this from the value its worker last saw to
    -- the next one; a second worker on the same import (two nodes resuming it after a
    -- restart) finds the value moved and stops, so batches never run twice at once.
    batches      BIGINT  NOT NULL DEFAULT 0,
    -- Why a failed import was rolled back, in the merchant's words.
    error        TEXT,
    created_at   BIGINT  NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX catalog_imports_shop ON catalog_imports(shop_id, created_at);
CREATE INDEX catalog_imports_status ON catalog_imports(status);

-- One staged product (with its variants) per row, as JSON: read and written whole,
-- never queried inside.
CREATE TABLE catalog_import_rows (
    import_id  BIGINT NOT NULL REFERENCES catalog_imports(id) ON DELETE CASCADE,
    -- 1, 2, 3 … in file order: batches and preview pages are ranges of it.
    position   BIGINT NOT NULL,
    -- The spreadsheet row the product starts on (the header is row 1).
    row_number BIGINT NOT NULL,
    product    TEXT   NOT NULL,
    -- Set in the batch that created the product; NULL until then.
    product_id BIGINT,
    PRIMARY KEY (import_id, position)
);
