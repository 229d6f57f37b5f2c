"""A small price table for estimating the cost of a grade (US dollars per million tokens).

Prices are list prices as published by OpenAI and checked on 2026-11-25; update them here. Local servers
(llama.cpp, vLLM, Ollama on loopback) cost nothing per token. Unknown hosted models have no estimate.
"""

from __future__ import annotations

PRICES_PER_MILLION: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o4-mini": (1.10, 4.40),
}


def estimate_cost(model: str, tokens_in: int, tokens_out: int, *, local: bool) -> float | None:
    if local:
        return 0.0
    bare = model.lower().rsplit("/", 1)[-1]
    for name in sorted(PRICES_PER_MILLION, key=len, reverse=True):
        if bare == name or bare.startswith(name + "-20"):  # dated snapshots: gpt-4o-mini-2024-07-18
            price_in, price_out = PRICES_PER_MILLION[name]
            return round((tokens_in * price_in + tokens_out * price_out) / 1_000_000, 8)
    return None
