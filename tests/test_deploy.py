"""The files in deploy/ parse (systemd-analyze verify, nginx -t), carry the hardening the guide
promises, name the same paths as docs/deployment.md, and the guide itself works from start to
end (deploy/check-guide.sh). .ci/run installs systemd, nginx, openssl, curl and git when missing."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DEPLOY = ROOT / "deploy"
GUIDE = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
UNITS = ["stegvis.service", "stegvis-backup.service", "stegvis-backup.timer"]
PATH = re.compile(r"(?<![\w.$])/(?:opt|var|etc)/[\w.@/-]*[\w]")


def deploy_paths(name):
    return set(PATH.findall((DEPLOY / name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", UNITS + ["nginx-stegvis.conf", "stegvis.env"])
def test_every_path_in_the_deploy_files_is_named_in_the_guide(name):
    missing = sorted(path for path in deploy_paths(name) if path not in GUIDE)
    assert not missing, f"deploy/{name} uses paths docs/deployment.md does not name: {missing}"


def test_the_guide_installs_every_deploy_file_where_its_header_says():
    for name in UNITS + ["nginx-stegvis.conf", "stegvis.env"]:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        target = re.search(r"Install as\s+(?:#\s*)?(/\S+?)[.,]?(?:\s|$)", text)[1]
        assert f"/opt/stegvis/src/deploy/{name}" in GUIDE, f"the guide never installs deploy/{name}"
        assert target.rsplit("/", 1)[0] in GUIDE and Path(target).name in GUIDE


def test_the_unit_is_sandboxed_and_the_proxy_sends_the_headers():
    unit = (DEPLOY / "stegvis.service").read_text()
    for line in ["ProtectSystem=strict", "PrivateTmp=true", "NoNewPrivileges=true", "UMask=0077",
                 "ReadWritePaths=/var/lib/stegvis", "User=stegvis"]:
        assert f"\n{line}\n" in unit
    assert re.search(r"^ExecStart=\S+/stegvis serve --production .*--address 127\.0\.0\.1", unit, re.M)
    assert "--keep 30" in (DEPLOY / "stegvis-backup.service").read_text()
    proxy = (DEPLOY / "nginx-stegvis.conf").read_text()
    for directive in ['add_header X-Frame-Options "DENY" always;',
                      """add_header Content-Security-Policy "frame-ancestors 'none'" always;""",
                      "proxy_set_header Upgrade $http_upgrade;", "proxy_set_header Connection $connection_upgrade;",
                      "client_max_body_size 10m;", "listen 443 ssl", "ssl_certificate "]:
        assert directive in proxy


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (.ci/run installs systemd)")
def test_systemd_units_verify(tmp_path):
    """Verified against a scratch root that has the system's own units and the binary the
    units start, so that only a real mistake in our files is reported."""
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for name in UNITS:
        shutil.copy(DEPLOY / name, root / "etc/systemd/system" / name)
    for command in re.findall(r"^ExecStart=(\S+)", "".join((DEPLOY / n).read_text() for n in UNITS), re.M):
        stub = root / command.lstrip("/")
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\n")
        stub.chmod(0o755)
    result = subprocess.run(["systemd-analyze", "verify", f"--root={root}",
                             *[f"/etc/systemd/system/{name}" for name in UNITS]],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed (.ci/run installs it)")
def test_nginx_accepts_the_site(tmp_path):
    live = tmp_path / "letsencrypt/live/enkat.example.se"
    live.mkdir(parents=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=enkat.example.se", "-keyout", live / "privkey.pem", "-out", live / "fullchain.pem"],
                   check=True, capture_output=True)
    site = (DEPLOY / "nginx-stegvis.conf").read_text().replace("/etc/letsencrypt", str(tmp_path / "letsencrypt"))
    site = site.replace("/var/log/nginx", str(tmp_path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {tmp_path}/access.log;\n  include {tmp_path}/site.conf;\n}}\n")
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "[emerg]" not in result.stderr


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("curl", "openssl", "git")),
                    reason="curl, openssl and git are needed (.ci/run installs them)")
def test_the_guide_works_end_to_end():
    """deploy/check-guide.sh with this checkout's .venv (FAST=1); run it without FAST for a
    fresh virtual environment and pip install as well."""
    if subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "deploy", "docs/deployment.md"]).returncode:
        pytest.skip("deploy/ or docs/deployment.md has uncommitted changes; check-guide.sh clones HEAD")
    result = subprocess.run([str(DEPLOY / "check-guide.sh")], env=dict(os.environ, FAST="1"),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "the guide works end to end" in result.stdout
    if shutil.which("nginx"):
        assert "through nginx: /healthz, headers, WebSocket upgrade, 413 for big uploads" in result.stdout
