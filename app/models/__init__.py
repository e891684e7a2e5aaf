"""SQLModel tables, one entity per module. Importing this package registers every table."""

from app.models.access_token import AccessToken
from app.models.api_client import ApiClient
from app.models.credential import IssuedCredential
from app.models.credential_encoding import CredentialEncoding
from app.models.organization import Organization
from app.models.signing_key import KeyStatus, KeyType, SigningKey
from app.models.status_list import StatusEntry, StatusEvent, StatusList

__all__ = [
    "AccessToken",
    "ApiClient",
    "CredentialEncoding",
    "IssuedCredential",
    "KeyStatus",
    "KeyType",
    "Organization",
    "SigningKey",
    "StatusEntry",
    "StatusEvent",
    "StatusList",
]
