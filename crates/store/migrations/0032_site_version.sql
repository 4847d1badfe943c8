-- The public site's version: every write that changes what a visitor reads adds one, in the same
-- transaction. Each instance keeps finished pages in memory and looks at this one row at most once
-- per interval, so another instance's edit reaches it without a database round trip per request.
CREATE TABLE site_version (
    id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO site_version (id, version) VALUES (1, 0);
