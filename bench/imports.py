"""``python -m bench.imports``: 100,000 volunteers from one .xlsx, checked and written on PostgreSQL.

Builds its own database (``ljt_bench_imports``, or ``BENCH_DB``; dropped and made anew, as
``make bench`` does, with the app connecting as a role under Row-Level Security), opens one street
with six communities and 1,000 volunteers already registered, and writes a 100,000-row file of the
volunteers' template (1,000 of its rows are phones registered already, to be skipped; numbers typed
as Excel numbers, full-width digits and spaces in some). Then, in a fresh process so that its
memory is the import's own, it runs what the pages run: ``services.upload``, the check
(``validate_job``) and, on 确认导入, the write (``commit_job``, one transaction), each timed.

Reported: seconds for the check, the write and both; rows per second; the process's memory (RSS)
before the import and its peak (``VmHWM``), which counts python-calamine's sheet as well as
Python's objects; and the machine's load average, since the machine is shared.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DB", "ljt_bench_imports")

from bench.__main__ import ROOT, app_env, log, setup_database  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
EXISTING = 1_000
COMMUNITIES = ["东风社区", "西湖社区", "南山社区", "北塘社区", "春晖社区", "秋实社区"]
SLUG = "imports"


def _memory() -> dict[str, int]:
    """This process's resident memory now and at its peak, in MB (Linux /proc)."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) // 1024
    return values


def phone(n: int) -> str:
    return f"139{n:08d}"


def write_file(path: Path) -> None:
    """The volunteers' template with ROWS rows, written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者")
    sheet.append(["姓名", "手机号", "所在社区", "是否党员"])
    for n in range(ROWS):
        # every 50th row of the first 50,000 is someone registered already (skipped); some
        # phones as Excel numbers, some in full-width digits with spaces
        number = n // 50 if n % 50 == 0 and n // 50 < EXISTING else EXISTING + n
        cell: object = phone(number)
        if n % 7 == 0:
            cell = float(phone(number))
        elif n % 11 == 0:
            cell = " ".join(
                phone(number).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
            )
        sheet.append([f"志愿者{n:06d}", cell, COMMUNITIES[n % 6], "是" if n % 9 == 0 else ""])
    workbook.save(path)


def prepare() -> dict:
    """The street, its communities and the volunteers registered already."""
    from saas import create_app
    from saas.auth.models import Role, User
    from saas.db import new_id, utcnow
    from saas.demo import bulk_insert
    from saas.extensions import db
    from saas.streets.services import StreetSignup, open_street
    from saas.tenancy import tenant_scope
    from tenants.structure.models import Community

    app = create_app()
    with app.app_context():
        tenant, admin = open_street(
            db.session,
            StreetSignup(
                street_name="导入测试街道",
                slug=SLUG,
                district="测试区",
                admin_name="管理员",
                phone="13800000001",
                password="bench-password-1",
                password_confirm="bench-password-1",
                privacy_agreed=True,
            ),
        )
        db.session.commit()
        with tenant_scope(tenant.id):
            db.session.add_all(Community(name=name) for name in COMMUNITIES)
            db.session.flush()
            first = db.session.scalar(db.select(Community.id).limit(1))
            now = utcnow()
            bulk_insert(
                db.session,
                User,
                (
                    {
                        "tenant_id": tenant.id,
                        "id": new_id(),
                        "phone": phone(n),
                        "name": f"已注册{n}",
                        "password_hash": "",
                        "role": Role.volunteer,
                        "community_id": first,
                        "created_at": now,
                        "password_changed_at": now,
                    }
                    for n in range(EXISTING)
                ),
            )
            ids = {"tenant_id": tenant.id, "admin_id": admin.id}
            db.session.commit()
        return ids


def run(path: Path, tenant_id: int, admin_id: int) -> dict:
    """Upload, check and write ``path`` as the pages do; times and memory (in this process)."""
    from werkzeug.datastructures import FileStorage

    from saas import create_app
    from saas.auth.models import User
    from saas.extensions import db
    from saas.imports import jobs, services
    from saas.imports.models import ImportJob
    from saas.jobs import run_job
    from saas.tenancy import tenant_scope

    app = create_app({"LONG_JOBS_IN_THREAD": False})
    with app.app_context(), tenant_scope(tenant_id):
        admin = db.session.scalar(db.select(User).where(User.id == admin_id))
        importer = services.importer_or_404("volunteers")
        before = _memory()
        started = time.perf_counter()
        with path.open("rb") as stream:
            batch = services.upload(
                db.session, admin, importer, FileStorage(stream, filename=path.name), "skip"
            )
        db.session.commit()
        batch_id = batch.id
        uploaded = time.perf_counter()
        run_job(jobs.VALIDATE, tenant_id, batch_id)
        checked = time.perf_counter()
        batch = db.session.scalar(db.select(ImportJob).where(ImportJob.id == batch_id))
        assert batch.status == "ready", (batch.status, batch.message)
        assert services.start_commit(db.session, admin, batch)
        db.session.commit()
        confirmed = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):  # where the write's time goes
            import cProfile

            cProfile.runctx(
                "run_job(jobs.COMMIT, tenant_id, batch_id)",
                globals(),
                {"run_job": run_job, "jobs": jobs, "tenant_id": tenant_id, "batch_id": batch_id},
                os.environ["BENCH_PROFILE"],
            )
        else:
            run_job(jobs.COMMIT, tenant_id, batch_id)
        written = time.perf_counter()
        batch = db.session.scalar(db.select(ImportJob).where(ImportJob.id == batch_id))
        assert batch.status == "done", (batch.status, batch.message)
        result = {
            "rows": batch.rows,
            "inserted": batch.inserted,
            "skipped": batch.existing_rows,
            "upload_s": round(uploaded - started, 2),
            "check_s": round(checked - uploaded, 2),
            "write_s": round(written - confirmed, 2),
            "total_s": round(checked - started + written - confirmed, 2),
            "rss_before_mb": before["VmRSS"],
            "peak_rss_mb": _memory()["VmHWM"],
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help=argparse.SUPPRESS)  # the measuring child
    args = parser.parse_args()
    os.environ.update(app_env())
    if args.run:
        spec = json.loads(args.run)
        print(json.dumps(run(Path(spec["path"]), spec["tenant_id"], spec["admin_id"])))
        return
    log(f"database {os.environ['BENCH_DB']}: made anew and migrated")
    setup_database()
    ids = prepare()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "volunteers.xlsx"
        started = time.perf_counter()
        write_file(path)
        log(
            f"{ROWS:,}-row file written in {time.perf_counter() - started:.1f} s "
            f"({path.stat().st_size / 1024 / 1024:.1f} MB)"
        )
        load = os.getloadavg()
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.imports",
                "--run",
                json.dumps({"path": str(path), **ids}),
            ],
            cwd=ROOT,
            env=os.environ,
            capture_output=True,
            text=True,
        )
        sys.stderr.write(child.stderr[-3000:])
        if child.returncode:
            raise SystemExit(f"the import failed:\n{child.stderr[-3000:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result["load_before"] = [round(x, 2) for x in load]
    result["load_after"] = [round(x, 2) for x in os.getloadavg()]
    out = io.StringIO()
    out.write(
        f"{result['rows']:,} rows: checked in {result['check_s']} s, written in "
        f"{result['write_s']} s ({result['inserted']:,} volunteers with passports, "
        f"{result['skipped']:,} existing skipped), {result['total_s']} s in all = "
        f"{result['rows'] / result['total_s']:,.0f} rows/s; upload {result['upload_s']} s; "
        f"memory {result['rss_before_mb']} MB before, peak {result['peak_rss_mb']} MB; "
        f"load average {result['load_before']} before, {result['load_after']} after"
    )
    log(out.getvalue())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
