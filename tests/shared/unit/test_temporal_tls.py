"""The Temporal client's TLS: off for the embedded dev server, on (mutual with a client
certificate) when the settings name the files; a certificate without its key is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from bootstrap import temporal_tls
from settings import Settings


def test_tls_is_off_unless_configured(tmp_path: Path) -> None:
    assert temporal_tls(Settings(data_dir=tmp_path)) is False


def test_mutual_tls_reads_the_ca_certificate_and_key(tmp_path: Path) -> None:
    for name in ("ca.pem", "client.pem", "client.key"):
        (tmp_path / name).write_bytes(f"--{name}--".encode())
    tls = temporal_tls(
        Settings(
            data_dir=tmp_path,
            temporal_tls_ca_file=tmp_path / "ca.pem",
            temporal_tls_cert_file=tmp_path / "client.pem",
            temporal_tls_key_file=tmp_path / "client.key",
            temporal_tls_server_name="temporal.union.example",
        )
    )
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == b"--ca.pem--"
    assert tls.client_cert == b"--client.pem--"
    assert tls.client_private_key == b"--client.key--"
    assert tls.domain == "temporal.union.example"


def test_a_client_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "client.pem").write_bytes(b"cert")
    with pytest.raises(ValueError, match="go together"):
        temporal_tls(Settings(data_dir=tmp_path, temporal_tls_cert_file=tmp_path / "client.pem"))
