"""login/mail.send against aiosmtpd: SMTP AUTH with the operator's login, and STARTTLS that
checks the server's certificate (a self-signed one is refused, nothing is sent)."""

from __future__ import annotations

import datetime
import smtplib
import ssl
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.login.conftest import Mailbox, free_port
from widget_server.login import mail

SETTINGS = dict(host="127.0.0.1", security="none", username=None, password=None,
                sender="Billing <billing@portal.test>", timeout=5)


def _letter(settings: mail.SmtpSettings) -> Any:
    return mail.compose(settings, to="ana@example.com", subject="Code", text="123456",
                        html="<p>123456</p>", locale="en")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_operator_login_is_used(tmp_path: Path) -> None:
    seen: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticate, auth_require_tls=False,
                            auth_required=True)
    controller.start()
    try:
        settings = mail.SmtpSettings(**{**SETTINGS, "port": controller.port,
                                        "username": "portal", "password": "s3cret"})
        mail.send(settings, _letter(settings))
        assert seen == [(b"portal", b"s3cret")]
        assert len(mailbox.messages) == 1
        wrong = mail.SmtpSettings(**{**SETTINGS, "port": controller.port, "timeout": 2,
                                     "username": "portal", "password": "nope"})
        with pytest.raises((smtplib.SMTPException, OSError)):
            mail.send(wrong, _letter(wrong))
        assert len(mailbox.messages) == 1
    finally:
        controller.stop()


def _self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_starttls_refuses_an_untrusted_certificate(tmp_path: Path) -> None:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=_self_signed(tmp_path), require_starttls=True)
    controller.start()
    try:
        settings = mail.SmtpSettings(**{**SETTINGS, "port": controller.port,
                                        "security": "starttls"})
        with pytest.raises(ssl.SSLCertVerificationError):
            mail.send(settings, _letter(settings))
        assert mailbox.messages == []
    finally:
        controller.stop()


def test_the_message_has_both_parts_and_safe_headers() -> None:
    settings = mail.SmtpSettings(**{**SETTINGS, "port": 25})
    message = mail.compose(settings, to="ana@example.com", subject="Code\r\nBcc: x@evil.test",
                           text="123456", html="<p>123456</p>", locale="he")
    assert message["Subject"] == "Code  Bcc: x@evil.test"  # no header injection
    assert message["Bcc"] is None
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Content-Language"] == "he"
    assert message["Message-ID"].endswith("@portal.test>")
