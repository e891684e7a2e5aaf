"""An outbox row becomes an RFC 5322 message: plain text beside HTML, and one-click
unsubscribe (RFC 8058: ``List-Unsubscribe`` with an https URL plus ``List-Unsubscribe-Post``).

The same row always gives the same bytes (Date is the row's creation, the MIME boundary
follows the Message-ID): a copy sent again after a crash is recognisably the same message."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from app.db import as_utc
from app.models import OutboxMessage


def compose(row: OutboxMessage, sender: str) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(as_utc(row.created_at))
    message["Message-ID"] = f"<{row.message_id}>"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    # Derived from the Message-ID, not random: a re-sent message is the same bytes.
    message.set_boundary("=_" + hashlib.sha256(row.message_id.encode()).hexdigest()[:32])
    return message
