"""bench/slow_download.py runs the recipe's nginx site with only its paths and ports changed:
if the site drifts from what the script rewrites, this fails here instead of in a run."""

import subprocess

from bench import slow_download
from tests.test_deploy import _tool


def test_the_rewritten_site_passes_nginx_t_and_keeps_the_internal_location(tmp_path):
    nginx = _tool("nginx")
    _tool("openssl")
    for sub in ("certs", "logs", "tmp", "static", "media"):
        (tmp_path / sub).mkdir()
    conf = slow_download.nginx_site(
        tmp_path, http=18080, https=18443, app=18000, media=tmp_path / "media"
    )
    site = (tmp_path / "roundtable.conf").read_text()
    assert "listen 127.0.0.1:18443 ssl" in site and "server 127.0.0.1:18000" in site
    assert f"alias {tmp_path}/media/;" in site and "internal;" in site
    assert "/var/lib/roundtable" not in site and "/etc/ssl" not in site
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "logs" / "e.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
