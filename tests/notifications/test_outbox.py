"""The award e-mail through the outbox to a real SMTP server: the bytes received, the links
in them, retries, failures, and who gets which e-mail."""

from __future__ import annotations

import re
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, select

from app.db import session_scope
from app.models import OutboxMessage
from app.models.enums import MailKind, OutboxState
from app.notifications.worker import OutboxWorker
from tests.conftest import BASE_URL
from tests.lms import Lms
from tests.notifications.smtpd import Inbox


def outbox(lms: Lms) -> list[OutboxMessage]:
    with Session(lms.services.engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def links(text: str) -> list[str]:
    return re.findall(r"https://\S+", text)


def parts(message: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_award_mail_arrives_byte_for_byte_with_working_links(
    lms: Lms, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course()
    awarded = lms.grade(expect=201, learner="ada", name="Ada Lovelace", email="ada@example.edu")
    uuid = awarded["credential"]["uuid"]
    (row,) = outbox(lms)
    assert (row.kind, row.state, row.to_address) == (MailKind.EARNED, "pending", "ada@example.edu")
    assert inbox.received == []  # the request wrote the row; nothing was sent from it

    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 0)
    (raw,) = inbox.received
    assert raw.rstrip(b"\r\n") == row.raw.rstrip(b"\r\n")  # byte for byte what was stored
    head = re.sub(r"\r\n(?=[ \t])", "", raw.split(b"\r\n\r\n", 1)[0].decode())  # unfolded
    assert "From: Acme Credentials <credentials@acme.test>\r\n" in head
    assert "To: ada@example.edu\r\n" in head
    assert "Subject: You earned Introduction to Computer Science\r\n" in head
    assert f"Message-ID: <{row.message_id}>\r\n" in head
    assert row.message_id.endswith("@laurel.test")
    assert f"List-Unsubscribe: <{row.unsubscribe_url}>\r\n" in head
    assert row.unsubscribe_url.startswith(f"{BASE_URL}/mail/unsubscribe/")
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in head
    assert "Content-Type: multipart/alternative" in head

    (message,) = inbox.messages()
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    text, html = bodies["text/plain"], bodies["text/html"]
    assert "Hello Ada Lovelace" in text and "Ada Lovelace" in html
    page = f"{BASE_URL}/credentials/{uuid}"
    assert page in text and f'href="{page}"' in html
    linkedin = next(u for u in links(text) if "linkedin.com" in u)
    query = parse_qs(urlsplit(linkedin).query)
    assert query["certUrl"] == [page]
    assert query["certId"] == [awarded["credential"]["id"].removeprefix("urn:uuid:")]
    assert query["name"] == ["Introduction to Computer Science"]
    offer = next(u for u in links(text) if "/wallet?offer=" in u)
    assert offer.replace("&", "&amp;") in html  # the same one-time link in both parts

    client = lms.client
    assert (
        client.get(page.removeprefix(BASE_URL), headers={"Accept": "text/html"}).status_code == 200
    )
    offer_page = client.get(offer.removeprefix(BASE_URL))
    assert offer_page.status_code == 200 and "wallet" in offer_page.text.lower()

    with Session(lms.services.engine) as session:
        sent = session.get(OutboxMessage, row.id)
        assert sent is not None and sent.state == OutboxState.SENT and sent.attempts == 1


def test_one_click_unsubscribe_stops_that_kind_only(
    lms: Lms, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course()
    lms.course("course-v1:Acme+CS102+2026_T1", title="Data Structures")
    lms.grade(expect=201, learner="ada")
    (row,) = outbox(lms)
    path = urlsplit(row.unsubscribe_url).path
    # RFC 8058 §3.2: the mail client POSTs this body to the List-Unsubscribe URL.
    page = lms.client.get(path)
    assert page.status_code == 200 and "<form" in page.text  # a GET changes nothing
    done = lms.client.post(
        path,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code == 200, done.text
    again = lms.client.post(path, content=b"List-Unsubscribe=One-Click")
    assert again.status_code == 200  # idempotent
    lms.grade(expect=201, learner="ada", run="course-v1:Acme+CS102+2026_T1")
    assert len(outbox(lms)) == 1  # no second "earned" mail
    forged = path.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAAAA"
    assert lms.client.post(forged).status_code == 404
    other_kind = path.replace(".earned.", ".expiry.")
    assert lms.client.post(other_kind).status_code == 404  # the MAC covers the kind


def test_temporary_failure_is_retried_and_delivered_once(
    lms: Lms, inbox: Inbox, worker: OutboxWorker
) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada")
    inbox.replies = ["451 4.3.0 Try again later"]
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (1, 1, 0)
    assert inbox.attempts == 2
    (row,) = outbox(lms)
    assert inbox.message_ids() == [f"<{row.message_id}>"]  # delivered once
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)


def test_always_failing_server_marks_the_message_failed_with_the_reason(
    lms: Lms, inbox: Inbox, worker: OutboxWorker, services
) -> None:
    lms.course()
    lms.grade(expect=201, learner="ada")
    inbox.always = "421 4.7.0 Too busy"
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (0, 2, 1)  # max_attempts=3
    (row,) = outbox(lms)
    assert row.state == "failed" and row.attempts == 3
    assert row.last_error == "421 4.7.0 Too busy"
    assert inbox.received == []
    health = lms.client.get("/healthz").json()
    assert health["outbox"] == {"backlog": 0, "oldest_unsent_age_seconds": 0, "failed": 1}

    # A permanent refusal (5xx) fails at once.
    lms.grade(expect=201, learner="bob")
    inbox.always = "550 5.1.1 No such user"
    stats = worker.run(poll_seconds=0, once=True)
    assert (stats.sent, stats.retried, stats.failed) == (0, 0, 1)
    assert outbox(lms)[1].last_error == "550 5.1.1 No such user"

    # The operator fixes the relay and sends the failed messages again.
    from app.db import utcnow
    from app.notifications import repository

    with session_scope(services.engine) as session:
        assert repository.retry(session, None, utcnow()) == 2
    inbox.always = None
    assert worker.run(poll_seconds=0, once=True).sent == 2
    assert sorted(inbox.message_ids()) == sorted(f"<{r.message_id}>" for r in outbox(lms))


def test_kinds_per_organization_revocation_off_by_default(
    lms: Lms, services, worker: OutboxWorker
) -> None:
    from app.issuers.repository import by_slug

    lms.course()
    first = lms.grade(expect=201, learner="ada")["credential"]["uuid"]
    second = lms.grade(expect=201, learner="bob")["credential"]["uuid"]
    status = services.credential_status
    with session_scope(services.engine) as session:
        status.revoke(session, status.get_owned(session, 1, first), "grade annulled", "test")
    assert [r.kind for r in outbox(lms)] == ["earned", "earned"]  # revoked: off by default
    with session_scope(services.engine) as session:
        org = by_slug(session, "acme")
        services.notifier.set_kind(session, org, MailKind.REVOKED, True)
        services.notifier.set_kind(session, org, MailKind.EARNED, False)
    with session_scope(services.engine) as session:
        status.revoke(session, status.get_owned(session, 1, second), "grade annulled", "test")
    lms.grade(expect=201, learner="cy")
    rows = outbox(lms)
    assert [r.kind for r in rows] == ["earned", "earned", "revoked"]
    assert rows[2].to_address == "bob@example.edu" and b"grade annulled" in rows[2].raw


def test_healthz_reports_backlog_and_oldest_unsent_age(lms: Lms) -> None:
    assert lms.client.get("/healthz").json() == {
        "status": "ok",
        "outbox": {"backlog": 0, "oldest_unsent_age_seconds": 0, "failed": 0},
    }
    lms.course()
    lms.grade(expect=201, learner="ada")
    lms.grade(expect=201, learner="bob")
    health = lms.client.get("/healthz").json()
    assert health["outbox"]["backlog"] == 2 and health["outbox"]["oldest_unsent_age_seconds"] >= 0


def test_theme_folder_overrides_a_template(tmp_path) -> None:
    """templates/themes/<slug>/mail/<name> wins over templates/mail/<name>."""
    from app.notifications.templates import MailTemplates

    root = tmp_path / "templates"
    (root / "mail").mkdir(parents=True)
    (root / "themes" / "acme" / "mail").mkdir(parents=True)
    (root / "mail" / "earned.subject").write_text("Default {{ achievement }}")
    (root / "themes" / "acme" / "mail" / "earned.subject").write_text(
        "Acme: well done, {{ achievement }}\n"
    )
    for name in ("earned.txt", "earned.html"):
        (root / "mail" / name).write_text("{{ achievement }} <{{ organization }}>")
    templates = MailTemplates(root)
    context = {"achievement": "CS101", "organization": "A & B"}
    acme = templates.render("acme", "earned", context)
    other = templates.render("globex", "earned", context)
    assert acme.subject == "Acme: well done, CS101" and other.subject == "Default CS101"
    assert acme.html == "CS101 <A &amp; B>" and acme.text == "CS101 <A & B>"  # escaped in HTML
