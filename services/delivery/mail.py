"""EMAIL through any SMTP server (DESIGN §8): plain, STARTTLS or TLS, with login if the
URL names a user."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from services.delivery.message import SENT, Message, Outcome, fail, retry

# Seconds for each step of the conversation with the server.
TIMEOUT = 30.0
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool


def smtp_server(url: str) -> SmtpServer:
    """`MEMBERHUB_SMTP_URL` read: smtp://, smtp+starttls:// or smtps://[user:password@]host[:port].
    Raises ValueError for any other form."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(
            "MEMBERHUB_SMTP_URL must be smtp://, smtp+starttls:// or smtps://user:password@host:port"
        )
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=parts.scheme == "smtps",
        start_tls=parts.scheme == "smtp+starttls",
    )


def _by_code(code: int, error: str) -> Outcome:
    # SMTP's 5xx replies are permanent, 4xx transient (RFC 5321 §4.2.1).
    return fail(error) if 500 <= code < 600 else retry(error)


class Mailer:
    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender
        self.domain = sender.rpartition("@")[2] or "memberhub"

    def mail(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to
        mail["Subject"] = message.subject or "memberhub"
        mail["Message-ID"] = f"<{message.id}@{self.domain}>"
        mail.set_content(message.body)
        return mail

    async def __call__(self, message: Message) -> Outcome:
        server = self.server
        try:
            await aiosmtplib.send(
                self.mail(message),
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.use_tls,
                start_tls=server.start_tls,
                timeout=TIMEOUT,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            refused = error.recipients[0]
            return _by_code(refused.code, f"SMTP {refused.code} {refused.message}")
        except aiosmtplib.SMTPResponseException as error:
            return _by_code(error.code, f"SMTP {error.code} {error.message}")
        except (aiosmtplib.SMTPException, OSError) as error:
            return retry(f"the mail server could not be reached ({type(error).__name__})")
        return SENT
