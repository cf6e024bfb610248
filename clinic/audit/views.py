"""Audit log pages: a therapist reads their own entries, an administrator everyone's."""

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from clinic.audit import service
from clinic.auth.guards import therapists_only
from clinic.storage import utcnow

bp = therapists_only(Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates"))


def _reader() -> service.Reader:
    return service.Reader.of(current_user, everyone=request.args.get("scope") == "all")


@bp.get("/")
def index():
    reader = _reader()
    return render_template(
        "audit/index.html",
        page=service.page(reader, before=request.args.get("before", type=int)),
        everyone=reader.everyone,
        label=service.action_label,
    )


@bp.get("/export.csv")
def export_csv():
    """The reader's log as a CSV file, streamed while the rows are read.

    The export itself is recorded first, with the request's own changes; the rows are then
    read inside the request context, after that transaction, while the file is sent.
    """
    reader = _reader()
    service.record("audit_exported", "audit_log", detail="scope=all" if reader.everyone else "")
    filename = f"tandem-audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(service.csv_rows(reader)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
