"""A slow client downloads the full-ledger export through the production recipe (issue 15).

    .venv/bin/python bench/slow_download.py                 # 100,000 issues, 50 KB/s
    .venv/bin/python bench/slow_download.py --issues 2000 --rate 200
    .venv/bin/python bench/slow_download.py --through-gunicorn   # DOWNLOADS_VIA_NGINX=0

Reuses (or builds, with bench/run.py's ``Target``) the PostgreSQL bench database of
``--issues`` issues (BENCH_PG, bench/databases.py), then starts, all on loopback and in a
folder of its own under /tmp:

* nginx with deploy/nginx/roundtable.conf as shipped, only its paths, ports, certificate (a
  self-signed one) and upstream rewritten, workers running as www-data;
* gunicorn with deploy/gunicorn.conf.py and ``--workers`` sync workers (default 1, so that a
  worker held by the download would leave nobody to answer anyone else), DOWNLOADS_VIA_NGINX=1;
* a Celery worker with beat (the embedded default's queue), which runs queued jobs.

As ``staff`` it asks for the whole ledger as .xlsx: the offer page, the form's POST, the job's
progress polled as the page does, until the download link appears. Then it downloads the file
reading at ``--rate`` KB/s (1 KB = 1,000 bytes), while another session asks for an issue page
every ``--probe-every`` seconds. It checks the file is intact (size as announced and as on
disk, the same SHA-256, openpyxl opens it and counts the ledger's rows, a range request gives
the same bytes) and reports how long the download took, and how many other requests were
answered meanwhile and how fast, as JSON and Markdown in ``--out``.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import databases  # noqa: E402
from bench import run as bench_run  # noqa: E402
from bench.loadtest.run import start, stop  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SITE = ROOT / "deploy" / "nginx" / "roundtable.conf"
HOST = "roundtable.example.gov.cn"
PASSWORD = "roundtable-demo"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000, help="(default %(default)s)")
    parser.add_argument("--pg-url", default=databases.base_url(), help="base URL (BENCH_PG)")
    parser.add_argument("--rate", type=float, default=50.0, help="KB/s read (%(default)s)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (%(default)s)")
    parser.add_argument("--probe-every", type=float, default=2.0, help="seconds (%(default)s)")
    parser.add_argument(
        "--through-gunicorn",
        action="store_true",
        help="DOWNLOADS_VIA_NGINX=0: the view streams the file, nginx proxies (to compare)",
    )
    parser.add_argument(
        "--direct",
        action="store_true",
        help="the client talks to gunicorn itself, no nginx in between (what not to do)",
    )
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "out" / "slow_download"), help="(%(default)s)"
    )
    args = parser.parse_args(argv)
    args.out = Path(args.out).resolve()
    # What bench/run.py's Target reads: reuse the bench database, the same synthetic rows.
    args.keep_db = True
    args.enterprises = databases.SYNTHETIC_ENTERPRISES
    args.users = databases.SYNTHETIC_USERS
    return args


# --- The servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_site(work: Path, *, http: int, https: int, app: int, media: Path) -> Path:
    """deploy/nginx/roundtable.conf with this run's paths and ports, nothing else changed."""
    certs, logs = work / "certs", work / "logs"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}"]
        + ["-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
        check=True,
        capture_output=True,
    )
    site = SITE.read_text()
    for old, new in [
        ("/etc/ssl/roundtable/", f"{certs}/"),
        ("/var/log/nginx/", f"{logs}/"),
        ("listen [::]:80;", ""),
        ("listen [::]:443 ssl http2;", ""),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;"),
        ("server 127.0.0.1:8000", f"server 127.0.0.1:{app}"),
        ("alias /var/lib/roundtable/media/;", f"alias {media}/;"),
        ("alias /srv/roundtable/static/;", f"alias {work}/static/;"),
        ("root /var/www/letsencrypt;", f"root {work}/static;"),
    ]:
        assert old in site, f"deploy/nginx/roundtable.conf no longer has {old!r}"
        site = site.replace(old, new)
    (work / "roundtable.conf").write_text(site)
    conf = work / "nginx.conf"
    conf.write_text(
        "user www-data;\n"
        f"pid {work}/nginx.pid;\n"
        f"error_log {logs}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        f"    client_body_temp_path {work}/tmp/body;\n"
        f"    proxy_temp_path {work}/tmp/proxy;\n"
        f"    fastcgi_temp_path {work}/tmp/fastcgi;\n"
        f"    uwsgi_temp_path {work}/tmp/uwsgi;\n"
        f"    scgi_temp_path {work}/tmp/scgi;\n"
        f"    include {work}/roundtable.conf;\n"
        "}\n"
    )
    return conf


def wait_for(url: str, session, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if session.get(url, timeout=5).status_code == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"slow_download: {url} did not answer in {timeout:.0f} s")
        time.sleep(1)


# --- The client ---------------------------------------------------------------------------


def session(base: str):
    import requests
    import urllib3

    urllib3.disable_warnings()
    s = requests.Session()
    # Nothing from the environment (a CA bundle would override verify, a proxy would be
    # used for loopback); the certificate is this run's self-signed one.
    s.trust_env = False
    s.verify = False
    s.headers["Host"] = HOST
    s.base = base
    return s


def sign_in(s, username: str) -> None:
    form = s.get(f"{s.base}/accounts/login/")
    data = {
        "csrfmiddlewaretoken": _CSRF.search(form.text).group(1),
        "username": username,
        "password": PASSWORD,
        "next": "/",
    }
    answer = s.post(
        f"{s.base}/accounts/login/",
        data=data,
        allow_redirects=False,
        headers={"Referer": f"https://{HOST}/accounts/login/"},
    )
    if answer.status_code != 302 or "/accounts/login" in answer.headers.get("Location", ""):
        sys.exit(f"slow_download: {username} was not signed in ({answer.status_code})")


def export_job(s, timeout: float = 3600) -> tuple[int, float]:
    """The job flow as the browser goes through it; returns the job's id and build time."""
    offer = s.get(f"{s.base}/issues/export.xlsx")
    token = _CSRF.search(offer.text)
    if offer.status_code != 200 or token is None:
        sys.exit(f"slow_download: no job offered for the export ({offer.status_code})")
    started = time.monotonic()
    answer = s.post(
        f"{s.base}/issues/export.xlsx",
        data={"csrfmiddlewaretoken": token.group(1)},
        allow_redirects=False,
        headers={"Referer": f"https://{HOST}/issues/export.xlsx"},
    )
    if answer.status_code != 302:
        sys.exit(f"slow_download: the job was not started ({answer.status_code})")
    job_id = int(answer.headers["Location"].strip("/").split("/")[-1])
    link = f"/jobs/{job_id}/download"
    while time.monotonic() - started < timeout:
        page = s.get(f"{s.base}/jobs/{job_id}/progress", headers={"HX-Request": "true"})
        if link in page.text:
            return job_id, time.monotonic() - started
        if "hx-trigger" not in page.text:  # no longer polled, and no link: failed
            sys.exit(f"slow_download: job {job_id} ended without a file: {page.text[:500]}")
        time.sleep(2)
    sys.exit(f"slow_download: job {job_id} not done in {timeout:.0f} s")


def slow_get(s, url: str, rate_bytes: float, dest: Path) -> dict:
    """Read the answer at ``rate_bytes`` a second, 4 KB at a time, into ``dest``."""
    import requests

    digest = hashlib.sha256()
    got, error = 0, None
    started = time.monotonic()
    with s.get(url, stream=True, timeout=120) as answer, dest.open("wb") as out:
        headers = dict(answer.headers)
        try:
            for chunk in answer.iter_content(chunk_size=4096):
                out.write(chunk)
                digest.update(chunk)
                got += len(chunk)
                ahead = got / rate_bytes - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        except (requests.RequestException, OSError) as exc:  # cut off: a truncated file
            error = repr(exc)[:300]
        status = answer.status_code
    return {
        "status": status,
        "bytes": got,
        "content_length": int(headers.get("Content-Length", -1)),
        "sha256": digest.hexdigest(),
        "seconds": round(time.monotonic() - started, 1),
        "error": error,
        "server": headers.get("Server"),
        "content_type": headers.get("Content-Type"),
        "content_disposition": headers.get("Content-Disposition"),
        "x_content_type_options": headers.get("X-Content-Type-Options"),
    }


class Prober(threading.Thread):
    """Another reader: an issue page every ``every`` seconds while the download runs."""

    def __init__(self, s, path: str, every: float):
        super().__init__(daemon=True)
        self.s, self.path, self.every = s, path, every
        self.results: list[tuple[int, float]] = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            started = time.monotonic()
            try:
                status = self.s.get(f"{self.s.base}{self.path}", timeout=120).status_code
            except OSError:
                status = 0
            self.results.append((status, time.monotonic() - started))
            self.done.wait(max(0.0, self.every - (time.monotonic() - started)))

    def summary(self) -> dict:
        ok = sorted(ms for status, ms in self.results if status == 200)
        return {
            "requests": len(self.results),
            "answered_200": len(ok),
            "failed": len(self.results) - len(ok),
            "median_ms": round(statistics.median(ok) * 1000, 1) if ok else None,
            "max_ms": round(ok[-1] * 1000, 1) if ok else None,
        }


def workbook_rows(path: Path) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book.active.iter_rows(values_only=True))
    finally:
        book.close()


# --- Main ---------------------------------------------------------------------------------


def measure(args, target, work: Path, media: Path) -> dict:
    ports = {"http": free_port(), "https": free_port(), "app": free_port()}
    conf = nginx_site(work, http=ports["http"], https=ports["https"], app=ports["app"], media=media)
    env = dict(
        target.env,
        DEBUG="0",
        MEDIA_ROOT=str(media),
        DOWNLOADS_VIA_NGINX="0" if args.through_gunicorn or args.direct else "1",
        GUNICORN_BIND=f"127.0.0.1:{ports['app']}",
        GUNICORN_WORKERS=str(args.workers),
        ALLOWED_HOSTS=HOST,
        PROXY_COUNT="1",
        JOBS_POLL_SECONDS="2",
        REQUIRE_2FA_FOR_ADMINS="0",
        LOG_LEVEL="WARNING",
    )
    logs = work / "logs"
    procs = []
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    try:
        procs.append(
            start(
                [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"],
                env,
                logs / "gunicorn.log",
            )
        )
        worker = [str(BIN / "celery"), "--app", "roundtable", "worker", "-B", "--concurrency=1"]
        procs.append(start([*worker, "-l", "INFO"], env, logs / "worker.log"))
        subprocess.run(
            [nginx, "-p", str(work), "-c", str(conf), "-e", str(logs / "error.log")], check=True
        )
        base = f"https://127.0.0.1:{ports['https']}"
        if args.direct:
            base = f"http://127.0.0.1:{ports['app']}"
        staff, reader = session(base), session(base)
        wait_for(f"{base}/healthz", staff)
        sign_in(staff, "staff")
        sign_in(reader, "staff2")
        print("  preparing the export as a job", flush=True)
        job_id, build_s = export_job(staff)
        print(
            f"  job {job_id} done in {build_s:.0f} s; downloading at {args.rate} KB/s", flush=True
        )
        issue = reader.get(f"{base}/issues/").text
        found = re.search(r'href="(/issues/\d+/)"', issue)
        prober = Prober(reader, found.group(1) if found else "/issues/", args.probe_every)
        load_before = os.getloadavg()
        prober.start()
        got = work / "download.xlsx"
        download = slow_get(staff, f"{base}/jobs/{job_id}/download", args.rate * 1000, got)
        prober.done.set()
        prober.join()
        load_after = os.getloadavg()
        on_disk = next((media / "jobs").glob(f"{job_id}-*.xlsx"))
        disk_sha = hashlib.sha256(on_disk.read_bytes()).hexdigest()
        part = staff.get(f"{base}/jobs/{job_id}/download", headers={"Range": "bytes=1000-1999"})
        whole = got.read_bytes()
        try:
            rows = workbook_rows(got)
        except Exception:  # noqa: BLE001 - a truncated workbook does not open
            rows = 0
        gunicorn_log = (logs / "gunicorn.log").read_text(errors="replace")
        nginx_log = (logs / "roundtable.access.log").read_text(errors="replace")
        link = f"GET /jobs/{job_id}/download HTTP/1"
        return {
            "job_id": job_id,
            "job_build_s": round(build_s, 1),
            "download": download,
            "file_on_disk_bytes": on_disk.stat().st_size,
            "intact": {
                "size_as_announced": download["bytes"] == download["content_length"],
                "size_as_on_disk": download["bytes"] == on_disk.stat().st_size,
                "sha256_as_on_disk": download["sha256"] == disk_sha,
                "workbook_rows": rows,
                "range_206_same_bytes": part.status_code == 206
                and part.content == whole[1000:2000],
            },
            "others_meanwhile": prober.summary(),
            "gunicorn_worker_timeouts": gunicorn_log.count("WORKER TIMEOUT"),
            # How long the download held a gunicorn worker, and how long nginx sent it.
            "gunicorn_download_ms": _first(rf'{link}.0" 200 \S+ (\d+)ms', gunicorn_log),
            "nginx_download_s": _first(rf'{link}.1" 200 .* rt=([\d.]+)', nginx_log),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in load_after],
        }
    finally:
        subprocess.run([nginx, "-p", str(work), "-c", str(conf), "-s", "quit"], check=False)
        for proc in procs:
            stop(proc)


def _first(pattern: str, text: str) -> float | None:
    found = re.search(pattern, text)
    return float(found.group(1)) if found else None


def report(result: dict, args) -> str:
    d, ok, others = result["download"], result["intact"], result["others_meanwhile"]
    intact = all(v for k, v in ok.items() if k != "workbook_rows") and ok["workbook_rows"] > 1
    intact = intact and not d["error"]
    mode = (
        "the view streams it (DOWNLOADS_VIA_NGINX=0)"
        if args.through_gunicorn
        else ("nginx sends it (DOWNLOADS_VIA_NGINX=1, X-Accel-Redirect)")
    )
    if args.direct:
        mode = "the client talks to gunicorn directly, no nginx; the view streams the file"
    return "\n".join(
        [
            "# Slow download of the full-ledger export",
            "",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {result['issues']:,} issues on PostgreSQL; "
            f"{args.workers} gunicorn sync worker(s) behind nginx; {mode}.",
            "",
            "| what | figure |",
            "| --- | --- |",
            f"| export job (offer, POST, worker, progress polled) | {result['job_build_s']} s |",
            f"| file | {d['bytes']:,} bytes, {ok['workbook_rows']:,} rows with the header |",
            f"| download at {args.rate:g} KB/s | {d['seconds']:.0f} s, HTTP {d['status']}"
            + (f", cut off: {d['error']}" if d["error"] else "")
            + " |",
            f"| intact (size announced and on disk, SHA-256, opens, range) | "
            f"{'yes' if intact else '**NO**'} |",
            f"| other requests meanwhile (an issue page every {args.probe_every:g} s) | "
            f"{others['answered_200']} of {others['requests']} answered, median "
            f"{others['median_ms']} ms, slowest {others['max_ms']} ms |",
            f"| the download's request in gunicorn / in nginx (access logs) | "
            f"{result['gunicorn_download_ms']} ms / {result['nginx_download_s']} s |",
            f"| gunicorn worker timeouts | {result['gunicorn_worker_timeouts']} |",
            f"| load average before / after | {result['loadavg_before']} / "
            f"{result['loadavg_after']} |",
            "",
        ]
    )


def main(argv=None) -> None:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for sub in ("logs", "tmp", "var"):
        (args.out / sub).mkdir(exist_ok=True)
    target = bench_run.Target("postgres", args.issues, args)
    print(f"== {target.where}", flush=True)
    load = target.build()
    work = Path(tempfile.mkdtemp(prefix="rt-slow-download-"))
    try:
        for sub in ("certs", "logs", "tmp", "static", "media"):
            (work / sub).mkdir()
        # nginx's workers (www-data) read the job files as "others": 0644 files in 0755 folders.
        for folder in (work, work / "media"):
            folder.chmod(0o755)
        os.umask(0o022)
        result = measure(args, target, work, work / "media")
        result["issues"] = load["issues"]
        (args.out / "slow_download.json").write_text(json.dumps(result, indent=2))
        text = report(result, args)
        (args.out / "slow_download.md").write_text(text)
        print(text)
    finally:
        shutil.copytree(work / "logs", args.out / "logs", dirs_exist_ok=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
