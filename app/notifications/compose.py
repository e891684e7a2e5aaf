"""An e-mail as bytes: plain text beside HTML, a Message-ID, and one-click unsubscribe
(RFC 8058: ``List-Unsubscribe`` with an https URL plus ``List-Unsubscribe-Post``).

Composed once, when the outbox row is written (in the request, which already spends far more
on signing): the worker only sends stored bytes, and a copy sent again after a crash is the
same message byte for byte. The MIME boundary follows the Message-ID rather than chance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime


@dataclass(frozen=True)
class Mail:
    message_id: str  # without angle brackets
    sender: str
    to: str
    subject: str
    text: str
    html: str
    date: datetime
    unsubscribe_url: str | None = None


def compose(mail: Mail) -> bytes:
    message = EmailMessage(policy=SMTP)
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = f"<{mail.message_id}>"
    if mail.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    message.set_boundary("=_" + hashlib.sha256(mail.message_id.encode()).hexdigest()[:32])
    return message.as_bytes()
