"""The production recipe's files parse and say what the README says: the compose file, the
systemd units, the nginx site, gunicorn's configuration and the example environment file.

Tools that may be missing on a developer's machine (nginx, systemd-analyze) skip with a
reason there; in CI (CI=true) .ci/run installs them and a missing one fails.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import yaml

from roundtable.lib.middleware import request_body_limit

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
IN_CI = os.environ.get("CI", "").lower() == "true"
APP_SERVICES = {"web", "worker", "beat", "migrate"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} is missing in CI: .ci/run installs it")
        pytest.skip(f"{name} is not installed here (CI installs it; apt-get install {name})")
    return path


# --- compose.yaml -------------------------------------------------------------------------


def _docker_compose_works() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    return probe.returncode == 0


def test_compose_file_is_valid_compose():
    """`docker compose config` where the compose plugin exists; else (this machine and CI
    have the docker client without the plugin) the Compose Specification's JSON schema, as
    check-jsonschema ships it. Interpolation is checked by the first only."""
    if _docker_compose_works():
        env = dict(os.environ, SECRET_KEY="x" * 50, POSTGRES_PASSWORD="pw")
        result = subprocess.run(
            ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
    else:
        checker = Path(sys.executable).parent / "check-jsonschema"
        result = subprocess.run(
            [str(checker), "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
            capture_output=True,
            text=True,
        )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_compose_file(tmp_path):
    broken = yaml.safe_load((ROOT / "compose.yaml").read_text())
    broken["services"]["web"]["restart_policy"] = "always"  # not a service key
    path = tmp_path / "compose.yaml"
    path.write_text(yaml.safe_dump(broken))
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "restart_policy" in result.stdout + result.stderr


def test_compose_runs_the_whole_stack_from_one_image():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"db", "redis"} | APP_SERVICES == set(services)
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1, images
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        # The host paths of deploy/roundtable.env.example (copied to .env) must not win.
        assert env["STATIC_ROOT"] == "/app/staticfiles" and env["GUNICORN_BIND"] == "0.0.0.0:8000"
        assert "state:/var/lib/roundtable" in services[name]["volumes"]  # MEDIA_ROOT below it
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert "noeviction" in services["redis"]["command"]
    # The database image's major version is the image's pg_dump's (Debian 12: 15).
    assert services["db"]["image"].startswith("postgres:15")


def test_the_dockerfile_copies_everything_the_site_needs_at_run_time():
    dockerfile = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) \./", dockerfile, flags=re.M))
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    needed = {p.rstrip("*") for p in packages} | {"templates", "static", "locale", "deploy"}
    assert needed <= copied, needed - copied
    # BASE_DIR is the checkout (templates, locale): an editable install of the locked packages
    assert re.search(r"pip install .*--require-hashes -r requirements/base\.txt", dockerfile)
    assert re.search(r"pip install .*--no-deps .*-e \.", dockerfile)
    assert "SECRET_KEY=collectstatic-only" in dockerfile  # no generated key in the image


# --- systemd ------------------------------------------------------------------------------


def _units_for_this_checkout(tmp_path: Path) -> list[Path]:
    """The units as installed from this checkout: /srv/roundtable is where the README puts
    it; here it is this checkout, whose .venv has the gunicorn and celery they start."""
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        target = tmp_path / unit.name
        target.write_text(unit.read_text().replace("/srv/roundtable", str(ROOT)))
        units.append(target)
    return units


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    analyze = _tool("systemd-analyze")
    units = _units_for_this_checkout(tmp_path)
    assert {u.name for u in units} == {
        "roundtable-web.service",
        "roundtable-worker.service",
        "roundtable-beat.service",
    }
    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True
    )
    # verify exits 0 on unknown keys and bad values ("…, ignoring"): any output is a finding.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), (
        result.stdout + result.stderr
    )


def test_systemd_analyze_reports_a_broken_unit(tmp_path):
    analyze = _tool("systemd-analyze")
    [web] = [u for u in _units_for_this_checkout(tmp_path) if u.name == "roundtable-web.service"]
    web.write_text(web.read_text().replace("Restart=on-failure", "Restart=sometimes"))
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(web)], capture_output=True, text=True
    )
    assert "sometimes" in result.stdout + result.stderr


def test_units_start_what_the_readme_says():
    web = (DEPLOY / "systemd" / "roundtable-web.service").read_text()
    worker = (DEPLOY / "systemd" / "roundtable-worker.service").read_text()
    beat = (DEPLOY / "systemd" / "roundtable-beat.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py" in web
    assert "celery --app roundtable worker" in worker
    assert "celery --app roundtable beat" in beat
    for unit in (web, worker, beat):
        assert "EnvironmentFile=/etc/roundtable/roundtable.env" in unit
        assert "User=roundtable" in unit and "ProtectSystem=strict" in unit


def test_the_worker_yields_the_cpu_to_the_web_server_and_the_load_test_does_the_same():
    """Exports and imports run in the worker for tens of CPU seconds: at a lower priority,
    pages stay quick meanwhile; the load test starts its worker at the same priority."""
    import importlib.util

    worker = (DEPLOY / "systemd" / "roundtable-worker.service").read_text()
    web = (DEPLOY / "systemd" / "roundtable-web.service").read_text()
    [nice] = re.findall(r"^Nice=(\d+)$", worker, flags=re.M)
    assert int(nice) > 0 and "Nice=" not in web
    path = ROOT / "bench" / "loadtest" / "run.py"
    spec = importlib.util.spec_from_file_location("loadtest_run_nice", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.WORKER_NICE == int(nice)


# --- nginx --------------------------------------------------------------------------------

SITE = DEPLOY / "nginx" / "roundtable.conf"


def test_nginx_site_passes_nginx_t_with_a_self_signed_certificate(tmp_path):
    nginx = _tool("nginx")
    openssl = _tool("openssl")
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=roundtable.example.gov.cn"]
        + ["-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    site = tmp_path / "roundtable.conf"
    site.write_text(
        SITE.read_text()
        .replace("/etc/ssl/roundtable/", f"{certs}/")
        .replace("/var/log/nginx/", f"{logs}/")
    )
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {logs}/error.log;\n"
        "events {}\n"
        "http {\n"
        f"    {mime}\n"
        f"    access_log {logs}/access.log;\n"
        f"    client_body_temp_path {tmp_path}/body;\n"
        f"    proxy_temp_path {tmp_path}/proxy;\n"
        f"    include {site};\n"
        "}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-e", str(logs / "error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "syntax is ok" in output and "test is successful" in output


def test_nginx_site_proxies_what_the_application_needs_and_serves_no_media():
    site = SITE.read_text()
    code = "\n".join(line.split("#", 1)[0] for line in site.splitlines())
    # Attachments and export files only through the access-checked views: MEDIA_ROOT only
    # in the internal location those views name in X-Accel-Redirect.
    internal = _internal_location(code)
    assert "/media" not in code.replace(internal, "")
    for header in (
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Request-ID $request_id;",
        "proxy_set_header Host $host;",
    ):
        assert header in code
    assert "proxy_buffering on;" in code and "proxy_request_buffering on;" in code
    assert "ssl_certificate " in code and re.search(r"listen 443 ssl", code)
    # The upload limit is the application's (one attachment plus the form), rounded up to
    # the next MiB: the application answers 413 with its own page below it.
    [size] = re.findall(r"client_max_body_size (\d+)m;", code)
    limit = request_body_limit()
    assert limit <= int(size) * 1024 * 1024 < limit + 1024 * 1024
    assert re.search(r'Cache-Control "public, max-age=31536000, immutable"', code)
    assert "request_id=$request_id" in code  # nginx's log line carries the id it sends


def _internal_location(code: str) -> str:
    from django.conf import settings

    match = re.search(
        r"location " + re.escape(settings.DOWNLOADS_NGINX_LOCATION) + r" \{[^}]*\}", code
    )
    assert match, f"no location {settings.DOWNLOADS_NGINX_LOCATION} in the nginx site"
    return match.group(0)


def test_nginx_sends_the_files_the_download_views_name_and_no_client_can_ask_for_them():
    code = "\n".join(line.split("#", 1)[0] for line in SITE.read_text().splitlines())
    block = _internal_location(code)
    assert "internal;" in block
    example = dict(re.findall(r"^([A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(), flags=re.M))
    assert f"alias {example['MEDIA_ROOT'].rstrip('/')}/;" in block
    assert example["DOWNLOADS_VIA_NGINX"] == "1"  # the recipe has nginx in front
    # What nginx does not pass on from the view's answer, it sets itself.
    assert "add_header X-Content-Type-Options nosniff always;" in block
    assert "frame-ancestors 'none'; sandbox\" always;" in block
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert compose["x-roundtable"]["environment"]["DOWNLOADS_VIA_NGINX"] == "0"


# --- gunicorn -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_config_is_the_recipes(tmp_path):
    import runpy

    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert conf["wsgi_app"] == "roundtable.wsgi:application"
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["timeout"] == 60 and conf["max_requests"] == 1000
    assert 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert "%({x-request-id}o)s" in conf["access_log_format"]
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = dict(os.environ, VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [str(gunicorn), "--check-config", "--config", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_gunicorn_access_log_carries_the_request_id_as_json(tmp_path):
    """gunicorn started with the recipe's configuration: the access line for a request is
    JSON with the request id the proxy sent, which the response echoes."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        VAR_DIR=str(tmp_path),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        LOG_FORMAT="json",
    )
    log = tmp_path / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "--config", "deploy/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "proxy-0123456789"}
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    assert response.status == 200
                    assert response.headers["X-Request-ID"] == "proxy-0123456789"
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"gunicorn did not answer:\n{log.read_text()}")
                time.sleep(0.2)
        time.sleep(0.3)  # the access line is written after the response
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [r for r in lines if r["logger"] == "gunicorn.access"]
    assert access, log.read_text()
    assert access[0]["request_id"] == "proxy-0123456789"
    assert (
        "GET /healthz" in access[0]["message"]
        and "request_id=proxy-0123456789" in (access[0]["message"])
    )
    assert all("request_id" in r for r in lines)


# --- The environment file -----------------------------------------------------------------

ENV_EXAMPLE = DEPLOY / "roundtable.env.example"
_READS = re.compile(r"""env_(?:str|int|bool|list)\(\s*"([A-Z0-9_]+)"|environ\.get\("([A-Z0-9_]+)""")


def _read_by_code() -> set[str]:
    names = set()
    for path in (
        ROOT / "roundtable" / "settings.py",
        ROOT / "roundtable" / "beat.py",
        DEPLOY / "gunicorn.conf.py",
    ):
        for found in _READS.findall(path.read_text()):
            names.update(n for n in found if n)
    return names


def _readme_table() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1]))
    return names


def _example_names() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), flags=re.M))


def test_every_setting_is_in_the_readme_table_and_the_example_environment_file():
    code, table, example = _read_by_code(), _readme_table(), _example_names()
    assert code - table == set(), f"read by the code, missing from README: {code - table}"
    assert table - example == set(), f"in README, missing from the example: {table - example}"
    assert example - table - {"POSTGRES_PASSWORD"} == set(), "documented nowhere in README"


def test_the_example_environment_file_reads_the_same_in_systemd_and_bash():
    """Each setting is NAME=value: systemd's EnvironmentFile and bash (deploy/manage) agree
    when values have no spaces unless wholly in double quotes, and no $ or backslash."""
    for number, line in enumerate(ENV_EXAMPLE.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        match = re.fullmatch(r'([A-Z][A-Z0-9_]+)=("[^"$\\`]*"|[^\s"\'$\\`]*)', line)
        assert match, f"line {number}: {line!r}"
    result = subprocess.run(
        ["bash", "-c", f'set -a; . "{ENV_EXAMPLE}"; printf %s "$DEFAULT_FROM_EMAIL"'],
        capture_output=True,
        text=True,
    )
    assert result.stdout == "Roundtable <roundtable@example.gov.cn>"


# --- Static files -------------------------------------------------------------------------


# Run after collectstatic with DEBUG off, in a process of its own: a page as a browser gets
# it, then its stylesheet as WhiteNoise serves it to a browser that accepts brotli.
_FETCH_PAGE_AND_STYLESHEET = """
import json, re
from django.test import Client
client = Client()
page = client.get("/accounts/login/").content.decode()
links = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))
css = next(link for link in links if link.startswith("/static/css/app."))
hashed = client.get(css, HTTP_ACCEPT_ENCODING="gzip, br")
plain = client.get("/static/css/app.css")
print(json.dumps({
    "links": links,
    "hashed": {"status": hashed.status_code, "encoding": hashed.get("Content-Encoding"),
               "cache": hashed.get("Cache-Control"), "vary": hashed.get("Vary")},
    "plain": {"status": plain.status_code, "cache": plain.get("Cache-Control")},
}))
"""


def test_collectstatic_writes_hashed_compressed_names_that_pages_link_and_browsers_keep(tmp_path):
    """The recipe's collectstatic: every file gets a hashed copy, a gzip and a brotli copy of
    it, and the manifest. With DEBUG off, pages then link the hashed names only, and WhiteNoise
    serves a hashed name compressed and cacheable for ever, a plain name for a short while."""
    static_root = tmp_path / "static"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(VAR_DIR=str(tmp_path / "var"), STATIC_ROOT=str(static_root))
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collect.returncode == 0, collect.stdout + collect.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    assert re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", hashed)
    for name in ("css/app.css", "js/picker.js", "vendor/htmx/htmx.min.js"):
        stored = static_root / manifest[name]
        assert stored.exists(), name
        assert Path(f"{stored}.gz").exists() and Path(f"{stored}.br").exists(), name

    render = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", _FETCH_PAGE_AND_STYLESHEET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert render.returncode == 0, render.stdout + render.stderr
    seen = json.loads(render.stdout.strip().splitlines()[-1])
    # Every static file the page links is a hashed name from the manifest.
    assert f"/static/{hashed}" in seen["links"]
    assert f"/static/{manifest['vendor/htmx/htmx.min.js']}" in seen["links"]
    assert seen["links"] and all(
        link.removeprefix("/static/") in manifest.values() for link in seen["links"]
    ), seen["links"]
    assert seen["hashed"]["status"] == 200 and seen["hashed"]["encoding"] == "br"
    assert "Accept-Encoding" in seen["hashed"]["vary"]
    cache = seen["hashed"]["cache"]
    assert "immutable" in cache and "public" in cache, cache
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= 365 * 24 * 3600, cache
    # A plain name may change with the next release: it is kept briefly.
    assert seen["plain"]["status"] == 200 and "immutable" not in seen["plain"]["cache"]
