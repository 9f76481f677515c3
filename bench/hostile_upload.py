"""Another regency's sign-in page while two admins upload hostile spreadsheets at once.

Reproduces the hardening finding: an XLSX of a few hundred KB whose ``<dimension>``
declares ``A1:XFD60001`` used to pad every row to 16,384 columns, so two uploads
held both gunicorn workers for 30 s and the next regency's login page waited for
them. The bench runs the real app under gunicorn (2 sync workers, as `dev.py up`),
sends two hostile uploads as regency A's admin at the same moment (that file, read
now at its real size and answered with its problem report; and one with a value
in column XFD, refused), and meanwhile loads regency B's sign-in page every
100 ms. It prints how the uploads were answered and how long B's page took.

Goal: both uploads answered without a 5xx within 5 s, and B's page p95 < 1 s
during them.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from _common import (
    ADMIN_EMAIL,
    PASSWORD,
    ROOT,
    bench_database,
    create_bench_app,
    header,
    percentile,
    provision_batch,
    state_of,
    verdict,
)

sys.path.insert(0, str(ROOT))
from tests.hostile_files import with_dimension, xlsx

ROWS = 1_000
HEADER_ROW = "nip,nama,status,golongan,jabatan,kelas_jabatan,eselon,kode_unit,nip_atasan"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def hostile_rosters() -> list[bytes]:
    """The lying dimension, and a value in the sheet's last column (XFD)."""
    rows: list[list[object]] = [HEADER_ROW.split(",")]
    rows += [
        [f"19900101201505{i:04d}", f"Guru {i}", "PNS", "III/b", "Guru", "8", "", "4.01.01", ""]
        for i in range(ROWS)
    ]
    return [with_dimension(xlsx(rows), "A1:XFD60001"), xlsx(rows, cells=[(2, 16384, "x")])]


def signed_in(base: str, slug: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/t/{slug}/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = browser.post(
        f"{base}/t/{slug}/login",
        data={"csrf_token": token, "email": ADMIN_EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code in (302, 303), answer.status_code
    return browser


def upload(base: str, slug: str, browser: requests.Session, content: bytes, out: list) -> None:
    page = browser.get(f"{base}/t/{slug}/admin/roster", timeout=60).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    started = time.perf_counter()
    try:
        answer = browser.post(
            f"{base}/t/{slug}/admin/roster",
            data={"csrf_token": token},
            files={"file": ("pegawai.xlsx", content)},
            timeout=60,
        )
        out.append((answer.status_code, time.perf_counter() - started))
    except requests.RequestException as exc:
        out.append((type(exc).__name__, time.perf_counter() - started))


def main() -> None:
    header(
        "another regency's sign-in page during two hostile roster uploads",
        "uploads answered (no 5xx) within 5 s; the other regency's page p95 < 1 s meanwhile",
    )
    contents = hostile_rosters()
    print(
        f"hostile files: {ROWS} rows each; {len(contents[0]) / 1024:.0f} KB declaring "
        f"A1:XFD60001, {len(contents[1]) / 1024:.0f} KB with a value in column XFD"
    )
    with bench_database() as settings:
        app = create_bench_app(settings)
        provision_batch(state_of(app), ["kab-a", "kab-b"], ())
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "SMARTCITY_SECRET_KEY": settings.SECRET_KEY,
            "SMARTCITY_APPS": ",".join(settings.APPS),
            "SMARTCITY_LOG_JSON": "false",
        }
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "30",
                "smartcity.wsgi:app",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"{base}/healthz", timeout=1)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)  # the server is starting: nothing to wait on but its port
            admins = [signed_in(base, "kab-a"), signed_in(base, "kab-a")]
            calm = [_timed_get(f"{base}/t/kab-b/login") for _ in range(20)]
            answers: list = []
            uploads = [
                threading.Thread(target=upload, args=(base, "kab-a", b, content, answers))
                for b, content in zip(admins, contents, strict=True)
            ]
            during: list[float] = []
            for thread in uploads:
                thread.start()
            while any(t.is_alive() for t in uploads):
                during.append(_timed_get(f"{base}/t/kab-b/login"))
                time.sleep(0.1)  # the probe's pace, not a wait for a result
            for thread in uploads:
                thread.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    shown = ", ".join(f"{status} in {seconds:.2f} s" for status, seconds in answers)
    print(f"uploads answered: {shown}")
    print(
        f"regency B's sign-in page alone: median {statistics.median(calm) * 1000:.0f} ms; "
        f"during the uploads ({len(during)} loads): median "
        f"{statistics.median(during) * 1000:.0f} ms, p95 {percentile(during, 95) * 1000:.0f} ms, "
        f"max {max(during) * 1000:.0f} ms"
    )
    answered = all(isinstance(s, int) and s < 500 and t < 5 for s, t in answers)
    met = answered and percentile(during, 95) < 1.0
    print(f"RESULT: {verdict(met)}")


def _timed_get(url: str) -> float:
    started = time.perf_counter()
    requests.get(url, timeout=60)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
