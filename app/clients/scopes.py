"""OAuth scopes an API client may hold (RFC 6749 §3.3)."""

ISSUE = "credentials:issue"
READ = "credentials:read"
STATUS = "credentials:status"
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
EVENTS = "events:write"
RECORDS = "records:read"
KEYS = "keys:admin"

ALL_SCOPES: tuple[str, ...] = (
    ISSUE,
    READ,
    STATUS,
    CATALOG_READ,
    CATALOG_WRITE,
    EVENTS,
    RECORDS,
    KEYS,
)
