"""Fine-tune the generator on public-domain fiction (LoRA), so that it continues stories."""

from .config import FinetuneConfig
from .corpus import Document, evaluation_documents, training_documents
from .trainer import finetune

__all__ = ["Document", "FinetuneConfig", "evaluation_documents", "finetune", "training_documents"]
