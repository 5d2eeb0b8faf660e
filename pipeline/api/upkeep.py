"""Upkeep for a process that serves people (the workbench): the queue keeps re-ageing.

With Redis the upkeep rounds are rq jobs on rq's scheduler, run by the workers; the
workbench only makes sure the next rounds are scheduled. Without Redis (the embedded
default: no worker at all) the workbench process runs the upkeep in a daemon thread,
so the queue still ranks by age and deadline, and compiles the rules its inline
releases will validate against.
"""

from __future__ import annotations

import logging
import threading

from pipeline.core.config import Settings
from pipeline.jobs.upkeep import (
    RECOVER_SECONDS,
    recover,
    run_queue_upkeep,
    schedule_upkeep,
)

log = logging.getLogger(__name__)


def start_queue_upkeep(current: Settings) -> threading.Event:
    """Keep the queue's upkeep going; set the returned event to stop a thread started here."""
    stop = threading.Event()
    if current.redis_url is not None:
        try:
            schedule_upkeep(current)
        except Exception:  # Redis away: the workers schedule it when they (re)start
            log.warning("could not schedule the queue upkeep on Redis; the workers will", exc_info=True)
        return stop
    threading.Thread(target=run_queue_upkeep, args=(current, stop), name="queue-upkeep", daemon=True).start()
    # releases run inline here: compile the Peppol rules now, not on the first operator's save
    threading.Thread(target=warm_release_rules, name="release-rules", daemon=True).start()
    # no worker runs recover here: this process does, at once and every RECOVER_SECONDS
    threading.Thread(target=run_recovery, args=(current, stop), name="recover", daemon=True).start()
    return stop


def warm_release_rules() -> None:
    """Load the UBL XSDs and compile the EN 16931 and Peppol XSLTs (~1.3 s, once per process).

    A worker does it when it starts (``python -m pipeline worker``); without one, the first
    document an operator validated waited for it: the first save took ~1.7 s instead of
    ~0.4 s (``bench/operator_speed.py``). A failure is logged; the release compiles them again.
    """
    from pipeline.ubl.validate import warm_up

    try:
        log.info("Peppol rules compiled in %.2f s", warm_up())
    except Exception:
        log.warning("could not compile the Peppol rules ahead; the first release will", exc_info=True)


def recover_now(current: Settings) -> dict[str, int] | None:
    """Recover what a crashed process left behind (documents stuck READING by a dead
    reader, RECEIVED or VALIDATED ones never queued): run at the start of every process
    (CLI ``run`` and ``ingest``, the workbench). A failure is logged, never raised."""
    try:
        found = recover(current)
    except Exception:
        log.warning("recovery at start failed; the next round tries again", exc_info=True)
        return None
    if found.get("requeued") or found.get("failed"):
        log.warning("recovered abandoned documents: %s", found)
    return found


def run_recovery(current: Settings, stop: threading.Event, every: float = RECOVER_SECONDS) -> None:
    """Loop for a daemon thread (the embedded default): ``recover`` now and each ``every`` seconds."""
    recover_now(current)
    while not stop.wait(every):
        recover_now(current)
