"""Load against a real server process: 20 concurrent labelers, more than 5,000 labels, a SIGKILL halfway.

Checks that every label the server acknowledged is in the store after the kill, and at the end that no label
was lost or duplicated: each snippet has exactly the labels it wanted, each from a different labeler.
Runs on SQLite, and on PostgreSQL when ``$UNSCATHED_TEST_PG_URL`` is set. Prints p50/p99 latencies of
answering (which also hands out the next snippet) and of fetching a snippet (at the start and after the kill).
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import numpy as np
import pytest
from sqlalchemy import func, select
from web_helpers import CSRF_FIELD, PASSWORD, ServerProcess, pg_url_or_skip

from unscathed.store import open_store
from unscathed.store.accounts import create_user
from unscathed.store.labeling import import_snippets
from unscathed.store.schema import LabelAssignmentRecord, LabelRecord, QueueItemRecord, UserRecord
from unscathed.web.security import hash_password

pytestmark = pytest.mark.slow  # a real server under load / a distributed launch: minutes, not seconds

LABELERS = 20
SNIPPETS = 4300  # with 20% labeled twice and gold mixed in: about 5,600 answers
GOLD = 30
KILL_AFTER = 2000  # acknowledged answers before the SIGKILL
DEADLINE_S = 300


@dataclass
class Tally:
    """What the clients saw: acknowledged answers and the latency of every request that succeeded."""

    acked: list[dict] = field(default_factory=list)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"next": [], "answer": []})
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)


def _seed(url: str) -> None:
    store = open_store(url)
    with store.session() as session:
        password_hash = hash_password(PASSWORD)
        for k in range(LABELERS):
            create_user(session, f"labeler{k:02d}", password_hash, "labeler")
        rows = [{"prompt": f"prompt {k}", "completion": f"completion {k}", "label": None, "gold": False} for k in range(SNIPPETS)]
        rows += [{"prompt": f"gold {k}", "completion": "gold", "label": k % 2, "gold": True} for k in range(GOLD)]
        import_snippets(session, rows)
    store.engine.dispose()


def _login(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=30.0)
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    client.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    csrf = re.search(r'data-csrf="([^"]+)"', client.get("/label").text).group(1)
    return client, csrf


def _labeler(client: httpx.Client, csrf: str, name: str, tally: Tally, seed: int) -> None:
    """Label until the queue is empty; each answer's response carries the next snippet. A request cut off by
    the kill is retried: an answer the server committed but never acknowledged must come back as the same
    label, not a second one."""
    rng = random.Random(seed)
    pending: tuple[int, str] | None = None
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        try:
            if pending is None:
                start = time.perf_counter()
                response = client.get("/api/label/next")
                if response.status_code == 204:
                    return
                response.raise_for_status()
                tally.latency["next"].append(time.perf_counter() - start)
                pending = (response.json()["assignment_id"], rng.choice(["0", "1"]))
            start = time.perf_counter()
            response = client.post(f"/api/label/{pending[0]}", json={"answer": pending[1]}, headers={"X-CSRF-Token": csrf})
            response.raise_for_status()
            elapsed = time.perf_counter() - start
            body = response.json()
            with tally.lock:
                tally.latency["answer"].append(elapsed)
                tally.acked.append({"labeler": name, "answer": int(pending[1]), **{k: v for k, v in body.items() if k != "next"}})
            if body["next"] is None:
                return
            pending = (body["next"]["assignment_id"], rng.choice(["0", "1"]))
        except httpx.TransportError:
            time.sleep(0.2)  # the server is down (killed): try again until it is back
        except httpx.HTTPStatusError as error:
            tally.errors.append(f"{name}: {error.response.status_code} {error.response.text[:200]}")
            return
    tally.errors.append(f"{name}: deadline passed")


def _acked_are_stored(url: str, acked: list[dict]) -> None:
    store = open_store(url)
    with store.session() as session:
        assignments = {a.id: a for a in session.scalars(select(LabelAssignmentRecord))}
        labels = {lab.id: lab for lab in session.scalars(select(LabelRecord))}
    store.engine.dispose()
    for ack in acked:
        assignment = assignments[ack["assignment_id"]]
        assert assignment.answer == ack["answer"] and assignment.answered_at is not None
        if not assignment.gold:
            label = labels[assignment.label_id]
            assert (label.snippet_id, label.labeler, label.label) == (ack["snippet_id"], ack["labeler"], ack["answer"])


def _nothing_lost_or_duplicated(url: str, acked: list[dict]) -> dict:
    store = open_store(url)
    with store.session() as session:
        wanted = dict(session.execute(select(QueueItemRecord.snippet_id, QueueItemRecord.labels_wanted).where(QueueItemRecord.labels_wanted > 0)).all())
        labels = session.execute(select(LabelRecord.snippet_id, LabelRecord.labeler)).all()
        answers = session.execute(select(LabelRecord.snippet_id, LabelRecord.label).order_by(LabelRecord.id)).all()
        answered = session.scalar(select(func.count()).select_from(LabelAssignmentRecord).where(LabelAssignmentRecord.answered_at.is_not(None)))
        remaining = session.scalar(select(func.sum(QueueItemRecord.remaining)))
        users = session.scalar(select(func.count()).select_from(UserRecord))
    store.engine.dispose()
    per_snippet = Counter(snippet for snippet, labeler in labels if snippet in wanted)
    assert len(set(labels)) == len(labels), "a labeler labeled one snippet twice"
    # Two readers who disagree (the labelers answer at random) call for exactly one third reader.
    first_two: dict[int, list[int]] = {}
    for snippet, label in answers:
        first_two.setdefault(snippet, []).append(label)
    expected = Counter({s: w + (1 if w == 2 and len(set(first_two[s][:2])) == 2 else 0) for s, w in wanted.items()})
    assert per_snippet == expected, "a snippet has more or fewer labels than it wanted"
    assert remaining == 0 and users == LABELERS
    assert len({a["assignment_id"] for a in acked}) == len(acked) == answered
    return {"labels": len(labels), "answers": answered, "double_labeled": sum(1 for w in wanted.values() if w == 2), "adjudicated": sum(expected.values()) - sum(wanted.values())}


def _run_load(server: ServerProcess) -> Tally:
    tally = Tally()
    sessions = [_login(server.url, f"labeler{k:02d}") for k in range(LABELERS)]
    threads = [threading.Thread(target=_labeler, args=(client, csrf, f"labeler{k:02d}", tally, k)) for k, (client, csrf) in enumerate(sessions)]
    for t in threads:
        t.start()
    while len(tally.acked) < KILL_AFTER and any(t.is_alive() for t in threads):
        time.sleep(0.05)
    server.kill()
    with tally.lock:
        acked_before_kill = list(tally.acked)
    _acked_are_stored(server.db_url, acked_before_kill)
    killed_at = len(acked_before_kill)
    server.start()
    for t in threads:
        t.join()
    # A disagreement answered last goes back for a third reader after the others found the queue empty, as it
    # would in a real team: labelers come back until a whole pass finds nothing to do.
    while True:
        before = len(tally.acked)
        for k, (client, csrf) in enumerate(sessions):
            _labeler(client, csrf, f"labeler{k:02d}", tally, 1000 + k)
        if len(tally.acked) == before:
            break
    tally.killed_at = killed_at
    return tally


def _report(backend: str, tally: Tally, counts: dict, seconds: float) -> None:
    p = {kind: (1000 * np.percentile(v, 50), 1000 * np.percentile(v, 99)) for kind, v in tally.latency.items()}
    report = {"backend": backend, "labelers": LABELERS, **counts, "killed_after_acks": tally.killed_at, "seconds": round(seconds, 1),
              **{f"{kind}_ms_p50_p99": [round(a, 1), round(b, 1)] for kind, (a, b) in p.items()}}
    print("\nLOAD " + json.dumps(report))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_labelers_lose_and_duplicate_nothing_across_a_sigkill(backend, tmp_path):
    url = f"sqlite:///{tmp_path / 'load.db'}" if backend == "sqlite" else pg_url_or_skip()
    _seed(url)
    server = ServerProcess(url).start()
    try:
        start = time.monotonic()
        tally = _run_load(server)
        seconds = time.monotonic() - start
    finally:
        server.stop()
    assert not tally.errors, tally.errors[:5]
    counts = _nothing_lost_or_duplicated(url, tally.acked)
    assert counts["answers"] >= 5000
    _acked_are_stored(url, tally.acked)
    _report(backend, tally, counts, seconds)
