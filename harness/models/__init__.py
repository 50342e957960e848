"""Models: the locally built `tiny` Llama, SmolLM2 from its GGUF package, any HF id or path."""
