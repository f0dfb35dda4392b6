"""Training throughput of `unscathed train`'s loop against a plain Hugging Face `Trainer`, in one run.

Same model (all-MiniLM-L6-v2 with a new two-label head), same snippets, same settings (batch size, learning rate,
linear schedule with warm-up, weight decay, gradient clipping at 1.0, max length, fp32, one epoch, no evaluation).
Both sides tokenize inside the timed region (ours per batch, the Trainer's with Dataset.map before training).

    python benchmarks/train_throughput.py [--examples 512] [--repeats 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch
from datasets import Dataset
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments

from unscathed.config import TrainConfig
from unscathed.default_classifier import seed_data_path
from unscathed.fit import fit
from unscathed.labeled_data import load_labeled_jsonl
from unscathed.models.classifier import encode_pairs
from unscathed.snippet import Snippet
from unscathed.train import load_base


def ours(rows, config: TrainConfig) -> float:
    classifier = load_base(config)
    start = time.perf_counter()
    fit(classifier, rows, config, progress=False)
    return len(rows) / (time.perf_counter() - start)


def hf_trainer(rows, config: TrainConfig) -> float:
    classifier = load_base(config)
    tokenizer = classifier.tokenizer
    start = time.perf_counter()

    def tokenize(batch):
        enc = encode_pairs(tokenizer, [Snippet(p, c) for p, c in zip(batch["prompt"], batch["completion"])], config.max_length)
        return {"input_ids": [ids[m.bool()].tolist() for ids, m in zip(enc["input_ids"], enc["attention_mask"])], "labels": batch["label"]}

    data = Dataset.from_dict({"prompt": [r.prompt for r in rows], "completion": [r.completion for r in rows], "label": [r.label for r in rows]})
    data = data.map(tokenize, batched=True, batch_size=256, remove_columns=["prompt", "completion", "label"])
    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, per_device_train_batch_size=config.batch_size, learning_rate=config.learning_rate, weight_decay=config.weight_decay,
            warmup_steps=int(config.warmup_fraction * len(rows) / config.batch_size), lr_scheduler_type="linear", max_grad_norm=config.max_grad_norm,
            num_train_epochs=config.epochs, seed=config.seed, report_to=[], save_strategy="no", logging_strategy="no", use_cpu=not torch.cuda.is_available(),
            disable_tqdm=True, dataloader_num_workers=0,
        )
        Trainer(model=classifier.model, args=args, train_dataset=data, data_collator=DataCollatorWithPadding(tokenizer)).train()
    return len(rows) / (time.perf_counter() - start)


def main() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the "newly initialised head" load report, once per model, is expected here
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=4, help="back-to-back pairs, alternating which side goes first")
    args = parser.parse_args()
    rows = [r for r in load_labeled_jsonl(seed_data_path()) if r.split == "train"][: args.examples]
    config = TrainConfig(epochs=1, batch_size=16)
    results: dict[str, list[float]] = {"unscathed fit": [], "HF Trainer": []}
    sides = {"unscathed fit": ours, "HF Trainer": hf_trainer}
    for repeat in range(args.repeats):
        # Alternate which side goes first, so a drift in machine load does not favour one side.
        for name in (list(sides) if repeat % 2 == 0 else list(sides)[::-1]):
            results[name].append(sides[name](rows, config))
    print(f"{len(rows)} examples, batch {config.batch_size}, max_length {config.max_length}, {torch.get_num_threads()} threads, device {'cuda' if torch.cuda.is_available() else 'cpu'}")
    for name, values in results.items():
        print(f"{name:14s} best {max(values):6.2f} ex/s   runs {', '.join(f'{v:.2f}' for v in values)}")
    pairs = [a / b for a, b in zip(results["unscathed fit"], results["HF Trainer"])]
    print(f"ratio unscathed/Trainer: best of each {max(results['unscathed fit']) / max(results['HF Trainer']):.3f}; per back-to-back pair {', '.join(f'{r:.3f}' for r in pairs)}; median {float(np.median(pairs)):.3f}")


if __name__ == "__main__":
    main()
