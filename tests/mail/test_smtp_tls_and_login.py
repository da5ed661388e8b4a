"""STARTTLS, implicit TLS and login against a real local server with a self-signed certificate;
the password comes by reference (env:...) and never shows in errors."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.mail.base import ServerUnavailable
from adapters.mail.senders import sender_from_settings
from adapters.mail.smtp import SmtpSender
from oms.settings import Settings
from tests.mail.conftest import Recorder, free_port
from tests.mail.test_smtp_sender import message

PASSWORD = "s3cret-Pa55"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"shop"
        and data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*certificate)
    return ctx


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


@pytest.fixture
def starttls_server(certificate: tuple[Path, Path]) -> Iterator[tuple[int, Recorder]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    yield port, recorder
    controller.stop()


def test_starttls_and_login_send_and_a_wrong_password_never_shows(
    starttls_server: tuple[int, Recorder], certificate: tuple[Path, Path]
) -> None:
    port, recorder = starttls_server
    ctx = client_context(certificate)
    with SmtpSender(
        "127.0.0.1", port, "starttls", "shop", PASSWORD, timeout=5, ssl_context=ctx
    ) as sender:
        sender.send(message(1))
    assert len(recorder.messages) == 1
    wrong = SmtpSender("127.0.0.1", port, "starttls", "shop", "nope-Wrong", 5, ssl_context=ctx)
    with pytest.raises(ServerUnavailable, match="refused the login of 'shop'") as err:
        wrong.send(message(2))
    assert "nope-Wrong" not in str(err.value) and PASSWORD not in str(err.value)


def test_a_certificate_we_do_not_trust_stops_the_connection(
    starttls_server: tuple[int, Recorder],
) -> None:
    port, recorder = starttls_server
    sender = SmtpSender("127.0.0.1", port, "starttls", "shop", PASSWORD, timeout=5)
    with pytest.raises(ServerUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        sender.send(message(1))
    assert recorder.messages == []


def test_implicit_tls_sends(certificate: tuple[Path, Path]) -> None:
    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        ctx = client_context(certificate)
        with SmtpSender("127.0.0.1", port, "ssl", timeout=5, ssl_context=ctx) as sender:
            sender.send(message(1))
    finally:
        controller.stop()
    assert len(recorder.messages) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_settings_sender_resolves_the_password_by_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = Recorder(), free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,  # a local relay without TLS (only allowed on 127.0.0.1)
    )
    controller.start()
    try:
        settings = Settings(
            mail_transport="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            smtp_username="shop",
            smtp_password_ref="env:TEST_SMTP_PASSWORD",
        )
        monkeypatch.delenv("TEST_SMTP_PASSWORD", raising=False)
        with pytest.raises(ServerUnavailable, match="TEST_SMTP_PASSWORD is not set"):
            sender_from_settings(settings)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        with sender_from_settings(settings) as sender:
            sender.send(message(1))
    finally:
        controller.stop()
    assert len(recorder.messages) == 1
    assert recorder.envelopes[0][0] == settings.mail_from
    with pytest.raises(ValueError, match="never the secret"):
        Settings(smtp_password_ref=PASSWORD)
