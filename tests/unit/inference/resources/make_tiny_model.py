"""Rebuild tiny_model/: a randomly initialised 2-layer BERT classifier, exported to ONNX.

Needs torch + transformers (the train venv), not the runtime:
    .venv-train/bin/python tests/unit/inference/resources/make_tiny_model.py

The tokenizer is a WordPiece trained on the bundled sample headlines, so the tests tokenize
real text into real sub-words. Weights are random (seeded) and scaled up so that the
model's probabilities are spread out and the tests can tell the labels apart. The label
order is finbert-tone's (Neutral, Positive, Negative), which is not alphabetical.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import BertConfig, BertForSequenceClassification

HERE = Path(__file__).resolve().parent
OUT = HERE / "tiny_model"
SAMPLE = HERE.parents[3] / "streams" / "sample" / "benzinga_headlines.csv"
MAX_LENGTH = 64
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tokenizer() -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        headlines = [row["headline"] for row in csv.DictReader(f)]
    tok.train_from_iterator(headlines, trainers.WordPieceTrainer(vocab_size=400, special_tokens=SPECIALS))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))],
    )
    return tok


def main() -> None:
    torch.manual_seed(20261128)
    OUT.mkdir(exist_ok=True)
    tok = build_tokenizer()
    tok.save(str(OUT / "tokenizer.json"))
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_LENGTH,
        initializer_range=0.5,
        id2label={0: "Neutral", 1: "Positive", 2: "Negative"},
        label2id={"Neutral": 0, "Positive": 1, "Negative": 2},
    )
    config._attn_implementation = "eager"
    model = BertForSequenceClassification(config).eval()
    config.save_pretrained(OUT)
    (OUT / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "BertTokenizerFast", "pad_token": "[PAD]", "model_max_length": MAX_LENGTH}, indent=2)
        + "\n"
    )
    enc = tok.encode("Stocks that hit 52-week highs")
    ids = torch.tensor([enc.ids])
    torch.onnx.export(
        model,
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(OUT / "model_fp32.onnx"),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "token_type_ids")}
        | {"logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    (OUT / "export.json").write_text(
        json.dumps({"model_name": "tiny-random-bert", "precisions": ["fp32"], "max_length": MAX_LENGTH}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
