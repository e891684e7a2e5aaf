"""SQLModel tables, one entity per module. Importing this package registers every table."""

from app.models.access_token import AccessToken
from app.models.api_client import ApiClient
from app.models.api_profile import ApiProfile
from app.models.audit_event import AuditEvent
from app.models.bus_event import BusEvent
from app.models.course import Course
from app.models.course_award import CourseAward
from app.models.course_grade import CourseGrade
from app.models.credential import IssuedCredential
from app.models.credential_encoding import CredentialEncoding
from app.models.enums import KeyStatus, KeyType
from app.models.hidden_credential import HiddenCredential
from app.models.idempotency_key import IdempotencyKey
from app.models.learner import Learner
from app.models.learner_account import LearnerAccount, LearnerLink
from app.models.learner_session import LearnerSession
from app.models.mail_unsubscribe import MailUnsubscribe
from app.models.oauth_client import OAuthClient
from app.models.oauth_grant import OAuthCode, OAuthToken
from app.models.oidc_login import OidcLogin
from app.models.oidc_provider import OidcProvider
from app.models.openedx_certificate import OpenEdxCertificate
from app.models.openedx_connection import OpenEdxConnection
from app.models.openedx_course_org import OpenEdxCourseOrg
from app.models.openedx_user import OpenEdxUser
from app.models.org_mail_kind import OrgMailKind
from app.models.organization import Organization
from app.models.outbox_message import OutboxMessage
from app.models.program import Program, ProgramCourse
from app.models.program_award import ProgramAward, ProgramAwardCourse
from app.models.received_credential import ReceivedCredential
from app.models.record_share import RecordShare
from app.models.signing_key import SigningKey
from app.models.status_list import StatusEntry, StatusEvent, StatusList
from app.models.wallet_nonce import WalletNonce
from app.models.wallet_offer import WalletOffer

__all__ = [
    "AccessToken",
    "ApiClient",
    "ApiProfile",
    "AuditEvent",
    "BusEvent",
    "Course",
    "CourseAward",
    "CourseGrade",
    "CredentialEncoding",
    "HiddenCredential",
    "IdempotencyKey",
    "IssuedCredential",
    "KeyStatus",
    "KeyType",
    "Learner",
    "LearnerAccount",
    "LearnerLink",
    "LearnerSession",
    "MailUnsubscribe",
    "OAuthClient",
    "OAuthCode",
    "OAuthToken",
    "OidcLogin",
    "OidcProvider",
    "OpenEdxCertificate",
    "OpenEdxConnection",
    "OpenEdxCourseOrg",
    "OpenEdxUser",
    "OrgMailKind",
    "Organization",
    "OutboxMessage",
    "Program",
    "ProgramAward",
    "ProgramAwardCourse",
    "ProgramCourse",
    "ReceivedCredential",
    "RecordShare",
    "SigningKey",
    "StatusEntry",
    "StatusEvent",
    "StatusList",
    "WalletNonce",
    "WalletOffer",
]
