"""OAuth scopes an API client may hold (RFC 6749 §3.3)."""

ISSUE = "credentials:issue"
READ = "credentials:read"
STATUS = "credentials:status"
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
EVENTS = "events:write"
RECORDS = "records:read"
RECORDS_SHARE = "records:share"  # create and revoke learner record links
KEYS = "keys:admin"
WALLET_OFFERS = "wallet:offers"  # make "Add to wallet" claim offers for credentials
OPENEDX = "openedx:admin"  # connect the organization's Open edX site

ALL_SCOPES: tuple[str, ...] = (
    ISSUE,
    READ,
    STATUS,
    CATALOG_READ,
    CATALOG_WRITE,
    EVENTS,
    RECORDS,
    KEYS,
    RECORDS_SHARE,
    WALLET_OFFERS,
    OPENEDX,
)
