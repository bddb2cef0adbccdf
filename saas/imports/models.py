from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class BatchStatus(enum.StrEnum):
    validating = "validating"  # uploaded; the job reads and checks it
    ready = "ready"  # no errors: waits for 确认导入
    invalid = "invalid"  # errors by row and column (or the whole file refused): fix, upload again
    committing = "committing"  # 确认导入 pressed: the job writes it, all or nothing
    done = "done"  # written
    failed = "failed"  # the write was refused or broke: nothing written
    expired = "expired"  # left unconfirmed for IMPORT_KEEP_DAYS: the file deleted, upload again


class OnExisting(enum.StrEnum):
    skip = "skip"  # rows matching existing records are left out, the rest go in
    refuse = "refuse"  # such rows are errors: nothing goes in while there are any


class ImportJob(TenantScoped, db.Model):
    """One uploaded file (导入): kept under the instance folder, checked by a job, written by
    another once the admin confirms."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        tenant_fk("created_by", "users"),
        Index("ix_import_jobs_recent", "tenant_id", "created_at"),
    )

    #: the importer's key (saas.imports.spec.Importer.key), e.g. "volunteers"
    kind: Mapped[str] = mapped_column(String(40))
    #: BatchStatus
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.validating)
    #: OnExisting: what happens to rows that match existing records
    on_existing: Mapped[str] = mapped_column(String(8), default=OnExisting.skip)
    #: the file's name as uploaded (shown only)
    filename: Mapped[str] = mapped_column(String(200))
    #: where it is kept, relative to the uploads folder ("" once the expiry job deleted it)
    stored_path: Mapped[str] = mapped_column(String(200))
    #: data rows in the file (known once read)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    #: rows the running job has been through (the progress bar)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    #: rows with at least one error
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: rows matching existing records
    existing_rows: Mapped[int] = mapped_column(Integer, default=0)
    #: rows that go in (checked) or went in (done)
    valid_rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    #: why the file as a whole was refused or the write failed ("" otherwise)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def running(self) -> bool:
        return self.status in (BatchStatus.validating, BatchStatus.committing)


class IssueKind(enum.StrEnum):
    error = "error"
    existing = "existing"


class ImportIssue(TenantScoped, db.Model):
    """One problem of an import file, by row and column: an error, or a row matching an
    existing record. At most ``services.MAX_ISSUES`` are kept per file (all are counted)."""

    __tablename__ = "import_issues"
    __table_args__ = (
        tenant_fk("batch_id", "import_jobs", ondelete="CASCADE"),
        Index("ix_import_issues_batch", "tenant_id", "batch_id", "row", "id"),
    )

    batch_id: Mapped[int] = mapped_column(BigInteger)
    #: error or existing (IssueKind)
    kind: Mapped[str] = mapped_column(String(8))
    #: the row number as Excel shows it (the header is row 1); 0 for the header row's problems
    row: Mapped[int] = mapped_column(Integer)
    #: the column's header ("" for a problem of the whole row)
    column: Mapped[str] = mapped_column(String(50), default="")
    #: what the cell held, cut to 100 characters
    value: Mapped[str] = mapped_column(String(100), default="")
    message: Mapped[str] = mapped_column(String(300))
