"""Large web imports as a background job: applied in a thread of the worker that received
them, with their progress and outcome in `status.json` next to the claimed upload.

Why a thread and not a queue: the registry has no job queue (no Celery or RQ to deploy and
watch), an import is one transaction that must run on its own anyway, and the request only has
to return before the server's timeout (`REGISTRY_WORKER_TIMEOUT`, 60 s); the browser then
follows the status page. The job writes a heartbeat with every batch; a job whose worker died
(restart, kill) stops beating, and the status page then reports it as interrupted (its
transaction was never committed: nothing was written) and gives the upload back.

`write_status` and `current_status` also keep the state of the exports
prepared in the background (`transfer_exports`).
"""

import json
import logging
import threading
import time
from pathlib import Path

from registry.core import tenancy
from registry.core.database import immediate_writes
from registry.core.extensions import db
from registry.transfer.services import imports, interchange
from registry.transfer.web.uploads import import_sources

logger = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
STALLED_AFTER = 120  # seconds without a heartbeat
MAX_PROBLEMS_KEPT = 1_000
_threads: dict[str, threading.Thread] = {}


def write_status(folder: Path, state: dict) -> None:
    """Replace the job's state at once (readers never see half a file; writers in two threads,
    such as a job and a status page marking it failed, each write a temporary file of their
    own)."""
    temporary = folder / f"status.json.{threading.get_ident()}.tmp"
    temporary.write_text(json.dumps(state))
    temporary.replace(folder / "status.json")


def read_status(folder: Path) -> dict:
    """The job's last written state ({"state": "running", …} before it wrote any)."""
    try:
        return json.loads((folder / "status.json").read_text())
    except (OSError, ValueError):
        return {"state": RUNNING, "beat": time.time(), "file": None, "rows": 0}


def stalled(state: dict, now: float | None = None) -> bool:
    return (now or time.time()) - state.get("beat", 0) > STALLED_AFTER


def current_status(folder: Path) -> dict:
    """The job's state as a page shows it: a running job that stopped beating (its worker
    died) is marked failed, once, for every later reader too."""
    state = read_status(folder)
    if state["state"] == RUNNING and stalled(state):
        state = state | {"state": FAILED}
        write_status(folder, state)
    return state


def plan_of(state: dict) -> interchange.ImportPlan:
    """The outcome as a plan the preview page can show."""
    plan = interchange.ImportPlan(
        problems=[interchange.Problem(*p) for p in state.get("problems", [])],
        counts={name: interchange.Counts(*c) for name, c in state.get("counts", {}).items()},
    )
    plan.applied = not plan.problems
    return plan


def start(app, folder: Path, actor, files: dict[str, bytes]) -> None:
    """Apply `files` in a new thread; progress and outcome go to `folder`/status.json."""
    write_status(folder, {"state": RUNNING, "beat": time.time(), "file": None, "rows": 0})
    # The thread acts in the organisation of the request that started it.
    thread = threading.Thread(
        target=tenancy.run_in(tenancy.current(), _run),
        args=(app, folder, actor, files),
        name=f"import-{folder.name}",
        daemon=True,
    )
    _threads[folder.name] = thread
    thread.start()


def wait_for_jobs(timeout: float | None = None) -> None:
    """Wait until every job started by this process has finished (tests, shutdown)."""
    for name, thread in list(_threads.items()):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.pop(name, None)


def _run(app, folder: Path, actor, files: dict[str, bytes]) -> None:
    with app.app_context():
        immediate_writes()
        started = time.perf_counter()

        def progress(label: str, rows: int) -> None:
            write_status(
                folder, {"state": RUNNING, "beat": time.time(), "file": label, "rows": rows}
            )

        try:
            plan = interchange.import_files(actor, import_sources(files), progress=progress)
            if plan.ok:
                db.session.commit()
                imports.finish(plan)
            else:
                db.session.rollback()
            write_status(
                folder,
                {
                    "state": DONE,
                    "beat": time.time(),
                    "seconds": time.perf_counter() - started,
                    "counts": {
                        name: [c.create, c.update, c.unchanged] for name, c in plan.counts.items()
                    },
                    "problems": [
                        [p.file, p.line, p.template, p.params]
                        for p in plan.problems[:MAX_PROBLEMS_KEPT]
                    ],
                    "problem_count": len(plan.problems),
                },
            )
        except Exception:
            db.session.rollback()
            logger.exception("background import failed")
            write_status(folder, {"state": FAILED, "beat": time.time()})
        finally:
            db.session.remove()
