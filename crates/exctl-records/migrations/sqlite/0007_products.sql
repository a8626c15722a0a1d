-- exctl records, SQLite. Keep in step with ../postgres/0007_products.sql.
-- The product master: a company's own items, each change a new version
-- (a row), never an update. `product_key` is the name folded as catalog
-- names are (letters and digits, lower case); `definition` is the item
-- definition as canonical JSON (the item file schema) and `sha256` its
-- hash. A product is retired by a version whose status is `retired`; its
-- earlier versions stay readable for the decisions that used them.
CREATE TABLE products (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_key  TEXT NOT NULL,
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    definition   TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    actor        TEXT NOT NULL,
    UNIQUE (product_key, version)
);
