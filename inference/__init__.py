"""Model export, ONNX Runtime sessions, tokenization, batching and scoring."""
