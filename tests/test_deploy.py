"""The deployment files in deploy/: what can be checked without a network or a container
runtime. The Dockerfile installs from the hashed lock files only, as a non-root user, with a
health check on a real route; `nginx -t` accepts the nginx example; `systemd-analyze verify`
accepts the unit; the Caddyfile's upstream settings agree with the service's."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from widget_server import serving

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
LOCKS = ROOT / "requirements"


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    parsed = []
    for line in joined:
        instruction, _, arguments = line.partition(" ")
        parsed.append((instruction.upper(), arguments.strip()))
    return parsed


def test_the_dockerfile_installs_only_from_the_hashed_locks() -> None:
    instructions = dockerfile_instructions()
    known = {"ARG", "FROM", "ENV", "WORKDIR", "RUN", "COPY", "USER", "EXPOSE", "STOPSIGNAL",
             "HEALTHCHECK", "CMD", "VOLUME"}
    assert {name for name, _ in instructions} <= known
    installs = [command.strip() for name, args in instructions if name == "RUN"
                for command in args.split("&&") if " install " in f" {command} "]
    assert installs, "no pip install in the Dockerfile"
    locked = []
    for command in installs:
        assert "pip install" in command, command
        if "-r " in command:
            assert "--require-hashes" in command, command
            assert "--no-deps" in command, command  # every dependency is pinned in the lock
            [lock] = re.findall(r"-r\s+(\S+)", command)
            assert (ROOT / lock).is_file(), lock
            locked.append(lock)
        else:  # the project itself, its dependencies already installed from the lock
            assert re.search(r"--no-deps\b.*\s\.$", command), command
    assert locked == ["requirements/build.txt", "requirements/deploy.txt"]
    copied = " ".join(args for name, args in instructions if name == "COPY")
    assert "requirements/build.txt requirements/deploy.txt" in copied


def test_the_deploy_lock_is_hashed_and_has_the_production_drivers() -> None:
    text = (LOCKS / "deploy.txt").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==", text, flags=re.MULTILINE)
    assert {"flask", "gunicorn", "stripe", "psycopg", "psycopg-binary", "redis"} <= set(pins)
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
    runtime = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", (LOCKS / "runtime.txt").read_text(),
                              flags=re.MULTILINE))
    deploy = dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, flags=re.MULTILINE))
    assert {name: deploy.get(name) for name in runtime} == runtime  # the same versions


def test_the_image_runs_as_a_user_with_a_health_check_and_graceful_stop() -> None:
    instructions = dockerfile_instructions()
    stages = [args for name, args in instructions if name == "FROM"]
    assert len(stages) == 2 and "AS runtime" in stages[-1]
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    [check] = [args for name, args in instructions if name == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in check
    from widget_server.contract.operations import OPERATIONS

    assert "api.healthz" in OPERATIONS
    [cmd] = [args for name, args in instructions if name == "CMD"]
    assert '"serve"' in cmd and '"8000"' in cmd
    assert ("STOPSIGNAL", "SIGTERM") in instructions


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "portal.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="needs nginx (apt-get install nginx)")
def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    example = (DEPLOY / "nginx.conf").read_text()
    site = example.replace("/etc/letsencrypt/live/portal.example.com/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/portal.example.com/privkey.pem", str(key))
    assert site.count(str(tmp_path)) == 2
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        "events {}\nhttp {\n"
        + "".join(f"    {kind}_temp_path {tmp_path / kind};\n"
                  for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        + f"    include {tmp_path / 'site.conf'};\n}}\n")
    result = subprocess.run([NGINX, "-t", "-q", "-p", str(tmp_path), "-c",
                             str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in example
    assert "proxy_next_upstream error timeout" in example
    assert "non_idempotent" not in example  # nginx never replays a POST on its own


SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def test_the_systemd_unit_is_hardened_and_stops_after_gunicorn_s_grace() -> None:
    unit = (DEPLOY / "widget-server.service").read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.MULTILINE))
    for option in ("NoNewPrivileges", "ProtectSystem", "PrivateTmp", "ProtectHome",
                   "DynamicUser", "RestrictAddressFamilies", "SystemCallFilter"):
        assert option in settings, option
    assert int(settings["TimeoutStopSec"]) > serving.GRACEFUL_TIMEOUT
    assert "widget-server serve" in settings["ExecStart"]


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="needs systemd-analyze")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    import sys

    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "widget-server").exists()
    unit = (DEPLOY / "widget-server.service").read_text()
    (tmp_path / "widget-server.service").write_text(
        unit.replace("/opt/widget-server/bin", str(bin_dir)))
    result = subprocess.run([str(SYSTEMD_ANALYZE), "verify", "--man=no",
                             str(tmp_path / "widget-server.service")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "widget-server.service" not in result.stderr, result.stderr


def test_the_caddyfile_agrees_with_the_service() -> None:
    text = (DEPLOY / "Caddyfile").read_text()
    body = "\n".join(line.split("#", 1)[0] for line in text.splitlines())
    assert body.count("{") == body.count("}")
    assert "health_uri /readyz" in body
    assert "header_up X-Forwarded-Host {host}" in body
    # one connection per request, as in the nginx example (no pinning to one worker)
    assert re.findall(r"^\s*keepalive (\S+)$", body, flags=re.MULTILINE) == ["off"]
    assert re.search(r"reverse_proxy 127\.0\.0\.1:8000 127\.0\.0\.1:8001 \{", body)
