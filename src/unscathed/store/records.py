"""Data access for snippets, labels and generation requests (the label queue, comparisons, accounts and red-team
attempts have modules of their own in this package)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from ..config import FilterPolicy, SamplingSettings
from ..labels.consensus import consensus
from .schema import CandidateRecord, GenerationRequest, LabelRecord, SnippetRecord


def snippet_record(row: dict[str, Any], default_source: str) -> SnippetRecord:
    """A snippet row as a table record: where it came from and how it was selected, as the row says."""
    return SnippetRecord(
        prompt=row["prompt"],
        completion=row["completion"],
        source=row.get("source", default_source),
        provenance=row.get("provenance", {}),
        selection_strategy=row.get("selection_strategy", "all"),
        selection_probability=row.get("selection_probability", 1.0),
        split=row.get("split"),
    )


def _label_record(answer: dict[str, Any]) -> LabelRecord:
    """One labeler's answer, keeping when it was given (``labeled_at``, ISO 8601) when the row says."""
    record = LabelRecord(labeler=answer["labeler"], label=answer["label"], category=answer.get("category"), note=answer.get("note"), unsure=bool(answer.get("unsure", False)), seconds_spent=answer.get("seconds_spent"))
    if answer.get("labeled_at"):
        record.created_at = datetime.fromisoformat(answer["labeled_at"])
    return record


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def record_filter_results(self, results: Iterable[Any], generator: str, settings: SamplingSettings, classifier_version: str, policy: FilterPolicy, threshold: float) -> list[int]:
        """Store each ``FilterResult`` with all its candidates, in one transaction. Returns request ids."""
        with self.session() as session, session.begin():
            requests = []
            for result in results:
                request = GenerationRequest(
                    prompt=result.prompt,
                    generator=generator,
                    sampling_settings=asdict(settings),
                    classifier_version=classifier_version,
                    threshold=threshold,
                    policy=asdict(policy),
                    outcome=result.outcome,
                    attempts=len(result.candidates),
                )
                request.candidates = [
                    CandidateRecord(
                        position=k,
                        completion=c.completion.text,
                        token_logprobs=list(c.completion.token_logprobs) if c.completion.token_logprobs is not None else None,
                        finish_reason=c.completion.finish_reason,
                        p_injury=c.p_injury,
                        threshold=c.threshold,
                        accepted=c.accepted,
                    )
                    for k, c in enumerate(result.candidates)
                ]
                session.add(request)
                requests.append(request)
            session.flush()
            return [r.id for r in requests]

    def requests(self) -> list[GenerationRequest]:
        with self.session() as session:
            return list(session.scalars(select(GenerationRequest).options(selectinload(GenerationRequest.candidates)).order_by(GenerationRequest.id)))

    def add_labeled_snippets(self, rows: Iterable[dict[str, Any]]) -> int:
        """Insert snippets with their labels, all or nothing.

        Each row: prompt, completion, provenance fields, and either ``labels`` (every labeler's answer: labeler,
        label, category, unsure, note, labeled_at, seconds_spent) or one ``label`` with ``labeler``.
        """
        with self.session() as session, session.begin():
            count = 0
            for row in rows:
                snippet = snippet_record(row, default_source="imported")
                answers = row.get("labels") or [{"labeler": row.get("labeler", "unknown"), "label": row["label"], "category": row.get("category"), "note": row.get("note"), "unsure": row.get("unsure", False)}]
                snippet.labels = [_label_record(answer) for answer in answers]
                session.add(snippet)
                count += 1
            return count

    def labeled_snippets(self) -> list[dict[str, Any]]:
        """Snippets with at least one decided label, each with every label (who, what, when) and the consensus.

        Consensus (``labels.rounds.consensus``): one label stands; two that agree stand; a disagreement is
        settled by a third reader's majority. While a disagreement waits for its third reader the label is 1,
        the spec's "in doubt, 1", and ``consensus_rule`` says so.
        """
        with self.session() as session:
            snippets = session.scalars(select(SnippetRecord).options(selectinload(SnippetRecord.labels)).order_by(SnippetRecord.id))
            rows = []
            for s in snippets:
                ordered = sorted(s.labels, key=lambda lab: (lab.created_at, lab.id))
                decided = [{"label": lab.label, "unsure": bool(lab.unsure)} for lab in ordered if lab.label is not None]
                if not decided:
                    continue
                settled = consensus(decided)
                label, rule = (settled.label, settled.rule) if settled else (1, "in doubt, 1 (readers disagree; awaiting a third)")
                rows.append({"prompt": s.prompt, "completion": s.completion, "label": label, "consensus_rule": rule, "split": s.split, "snippet_id": s.id, "source": s.source,
                             "selection_strategy": s.selection_strategy, "selection_probability": s.selection_probability,
                             "labels": [{"labeler": lab.labeler, "label": lab.label, "unsure": bool(lab.unsure), "labeled_at": lab.created_at.isoformat()} for lab in ordered]})
            return rows

    def queue_for_labeling(self, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Insert unlabeled snippets (prompt, completion, source, provenance), all or nothing. Returns their ids.

        Attack candidates, paraphrases and red-team submissions come in here: nothing is labeled automatically,
        ``provenance`` carries the lineage (original snippet, recipe, edits) for the people who verify them.
        """
        with self.session() as session, session.begin():
            snippets = [snippet_record(row, default_source="queued") for row in rows]
            session.add_all(snippets)
            session.flush()
            return [s.id for s in snippets]

    def snippets_by_source(self, source_prefix: str) -> list[dict[str, Any]]:
        """Snippets whose source starts with ``source_prefix``, each with its decided label (None while unlabeled)."""
        with self.session() as session:
            query = select(SnippetRecord).where(SnippetRecord.source.startswith(source_prefix)).options(selectinload(SnippetRecord.labels)).order_by(SnippetRecord.id)
            rows = []
            for s in session.scalars(query):
                decided = [lab for lab in sorted(s.labels, key=lambda lab: (lab.created_at, lab.id)) if lab.label is not None]
                rows.append({"snippet_id": s.id, "prompt": s.prompt, "completion": s.completion, "source": s.source, "provenance": s.provenance, "split": s.split, "label": decided[-1].label if decided else None})
            return rows

    def add_label(self, snippet_id: int, labeler: str, label: int | None, note: str | None = None, seconds_spent: float | None = None) -> int:
        """One labeler's answer for an existing snippet. Returns the label id."""
        with self.session() as session, session.begin():
            if session.get(SnippetRecord, snippet_id) is None:
                raise KeyError(f"no snippet with id {snippet_id}")
            record = LabelRecord(snippet_id=snippet_id, labeler=labeler, label=label, note=note, seconds_spent=seconds_spent)
            session.add(record)
            session.flush()
            return record.id
