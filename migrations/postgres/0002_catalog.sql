-- The catalogue: products, their variants (the buyable unit), images, the inventory
-- ledger, per-shop catalogue settings and the shop's Stripe link.
-- Money is BIGINT minor units next to an ISO 4217 currency; times are UTC milliseconds.
-- Every table carries shop_id, even where a join could find it, so that every query
-- can filter by shop and a URL holding another shop's id finds nothing.

-- One row per shop, created on first save; a missing row means the defaults below.
CREATE TABLE catalog_settings (
    shop_id                 BIGINT  PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
    -- Off by default: one currency per shop keeps checkout and reports simple.
    allow_currency_override BOOLEAN NOT NULL DEFAULT FALSE,
    -- The public product JSON says "in stock / low / sold out" unless this is on.
    show_exact_stock        BOOLEAN NOT NULL DEFAULT FALSE,
    low_stock_threshold     BIGINT  NOT NULL DEFAULT 5 CHECK (low_stock_threshold >= 0),
    updated_at              BIGINT  NOT NULL
);

-- The shop's Stripe secret key. The full key is never rendered again after it is
-- saved: pages show key_hint ("sk_test_…4242"). Only the server process reads it.
CREATE TABLE stripe_accounts (
    shop_id      BIGINT PRIMARY KEY REFERENCES shops(id) ON DELETE CASCADE,
    secret_key   TEXT   NOT NULL,
    key_hint     TEXT   NOT NULL,
    -- Filled by "test connection": the Stripe account the key belongs to.
    account_id   TEXT,
    account_name TEXT,
    verified_at  BIGINT,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE products (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id          BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    slug             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    -- Plain text; paragraphs and links are made at render time, nothing is stored as HTML.
    description      TEXT    NOT NULL DEFAULT '',
    price            BIGINT  NOT NULL CHECK (price >= 0),
    compare_at_price BIGINT  CHECK (compare_at_price IS NULL OR compare_at_price > price),
    currency         TEXT    NOT NULL,
    -- Base SKU. For a product without options it is also its default variant's SKU.
    sku              TEXT,
    status           TEXT    NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'archived')),
    -- Normalised, comma-separated ("linen, summer"); searched through search_text.
    tags             TEXT    NOT NULL DEFAULT '',
    -- The options that generate variants, as JSON: [{"name":"Size","values":["S","M","L"]}].
    -- Read and written whole with the product, never queried inside, so a column of
    -- JSON text (portable) is simpler than a table.
    options          TEXT    NOT NULL DEFAULT '[]',
    -- Lower-cased title, SKUs and tags, kept by the application on every write, so the
    -- dashboard search is one LIKE on one column of this shop's rows.
    search_text      TEXT    NOT NULL DEFAULT '',
    -- Stripe link. sync_state: none (no key or never active), pending, synced, failed.
    -- revision counts local edits; synced_revision is the one Stripe has, so an edit
    -- made during a sync leaves the product pending instead of marking it synced.
    stripe_product_id TEXT,
    sync_state       TEXT    NOT NULL DEFAULT 'none' CHECK (sync_state IN ('none', 'pending', 'synced', 'failed')),
    sync_error       TEXT,
    sync_attempts    BIGINT  NOT NULL DEFAULT 0,
    sync_next_at     BIGINT,
    synced_at        BIGINT,
    revision         BIGINT  NOT NULL DEFAULT 1,
    synced_revision  BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL
);
-- Unique indexes are named <table>_<column>_… so db::is_unique_violation recognises them
-- on PostgreSQL (constraint name) as on SQLite (column in the message).
CREATE UNIQUE INDEX products_slug_per_shop ON products(shop_id, slug);
-- NULL SKUs do not collide with each other on either backend.
CREATE UNIQUE INDEX products_sku_per_shop ON products(shop_id, sku);
-- The dashboard list filters by shop and status and sorts by one of these; with 10,000
-- products a page is an index range scan, not a sort of the whole catalogue.
CREATE INDEX products_shop_status_updated ON products(shop_id, status, updated_at);
CREATE INDEX products_shop_updated ON products(shop_id, updated_at);
CREATE INDEX products_shop_title ON products(shop_id, title);
CREATE INDEX products_shop_price ON products(shop_id, price);
-- The Stripe worker looks for due work across shops.
CREATE INDEX products_sync_due ON products(sync_state, sync_next_at);

-- The buyable unit: orders point here, never at a product. A product without options
-- has one variant with an empty title.
CREATE TABLE variants (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id     BIGINT  NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    shop_id        BIGINT  NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    position       BIGINT  NOT NULL,
    -- The option values joined with " / " ("M / Blue"); '' for the default variant.
    title          TEXT    NOT NULL,
    sku            TEXT,
    -- NULL: the product's price.
    price_override BIGINT  CHECK (price_override IS NULL OR price_override >= 0),
    -- Unlimited variants (digital goods, made to order) have no stock and no ledger rows.
    unlimited      BOOLEAN NOT NULL DEFAULT FALSE,
    -- Available to sell now. Changed only by a conditional UPDATE together with an
    -- inventory_ledger row in one transaction, so SUM(delta) always equals it.
    stock          BIGINT  NOT NULL DEFAULT 0 CHECK (stock >= 0),
    -- Variants that an option edit removed stay (orders may point at them) but are hidden.
    removed_at     BIGINT,
    -- The Stripe Price currently used, and what it charges: a different amount or
    -- currency means a new Price (Stripe prices are immutable).
    stripe_price_id       TEXT,
    stripe_price_amount   BIGINT,
    stripe_price_currency TEXT,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL
);
CREATE INDEX variants_product ON variants(product_id, position);
CREATE UNIQUE INDEX variants_sku_per_shop ON variants(shop_id, sku);

CREATE TABLE inventory_ledger (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    product_id  BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    variant_id  BIGINT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    delta       BIGINT NOT NULL,
    -- The stock right after this change, so the history reads without summing.
    stock_after BIGINT NOT NULL,
    reason      TEXT   NOT NULL CHECK (reason IN ('initial', 'manual', 'import', 'reservation', 'release', 'sale', 'refund_restock')),
    note        TEXT   NOT NULL DEFAULT '',
    -- What caused it outside the catalogue, e.g. "order:42".
    reference   TEXT,
    user_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX inventory_ledger_variant ON inventory_ledger(variant_id, id);
CREATE INDEX inventory_ledger_product ON inventory_ledger(product_id, id);

CREATE TABLE product_images (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id   BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    shop_id      BIGINT NOT NULL REFERENCES shops(id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    alt          TEXT   NOT NULL DEFAULT '',
    -- File names under DATA_DIR/images, named by the SHA-256 of their bytes: the URL
    -- changes whenever the content does, so they are cached for a year.
    thumb_file   TEXT   NOT NULL,
    display_file TEXT   NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX product_images_product ON product_images(product_id, position);
