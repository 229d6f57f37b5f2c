"""The only module that talks to the ``openai`` package (ruff's TID251 keeps it that way).

It sends one chat request with a JSON schema for the reply, temperature 0, a timeout, and bounded retries
with exponential backoff (honouring ``Retry-After``) on timeouts, refused connections, HTTP 429 and 5xx.
Everything else about grading lives elsewhere; callers see :class:`ChatReply` and :class:`LLMError`.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai

RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}


class LLMError(RuntimeError):
    """The model could not produce a usable reply. ``kind`` is one of: timeout, connection, rate_limit,
    server, auth, bad_request, refusal, truncated, invalid_reply."""

    def __init__(self, kind: str, message: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts


@dataclass(frozen=True)
class ChatReply:
    content: str
    model: str
    tokens_in: int | None
    tokens_out: int | None
    attempts: int
    finish_reason: str | None
    server_timings: dict[str, Any] = field(default_factory=dict)  # llama.cpp reports prompt/predicted ms


@dataclass
class LLMClient:
    base_url: str | None
    api_key: str | None
    model: str
    timeout_s: float = 60.0
    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 20.0
    max_tokens: int = 1500
    sleep: Callable[[float], None] = time.sleep
    _client: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        # Retries are ours (counted, bounded, visible); the SDK's own are switched off.
        # httpx's timeouts are per network operation: a server that trickles its reply a few bytes at a time
        # would never time out. The transport below holds each request to ``timeout_s`` in total.
        http_client = _ClosingClient(transport=_DeadlineTransport(self.timeout_s), timeout=self.timeout_s)
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=self.api_key or "not-needed-for-local-servers",
            timeout=self.timeout_s,
            max_retries=0,
            http_client=http_client,  # type: ignore[arg-type]  # an httpx.Client subclass, as openai wants
        )

    @property
    def is_local(self) -> bool:
        return bool(self.base_url) and any(
            host in (self.base_url or "") for host in ("://127.", "://localhost", "://[::1]")
        )

    def chat_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], schema_name: str, max_tokens: int | None = None
    ) -> ChatReply:
        try:
            return self._chat_json(messages, schema, schema_name, max_tokens)
        except LLMError as err:
            key = self.api_key or ""
            chain = (err, err.__cause__, err.__context__)
            if len(key) < 8 or not any(key in str(e) for e in chain if e is not None):
                raise
            # Some servers and proxies echo the key back in their error text: it must not reach a message,
            # a log line, the database or a traceback, so the echo is cut and the server's error not chained.
            err.args = tuple(str(a).replace(key, "[redacted]") for a in err.args)
            raise err from None

    def _chat_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], schema_name: str, max_tokens: int | None
    ) -> ChatReply:
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=0,
                    max_tokens=max_tokens or self.max_tokens,
                    response_format={
                        "type": "json_schema",
                        "json_schema": {"name": schema_name, "schema": schema, "strict": True},
                    },
                )
                return self._reply(response, attempt)
            except openai.APITimeoutError as err:
                failure = LLMError("timeout", f"the model did not answer within {self.timeout_s:g} s", attempt)
                delay = self._backoff(attempt)
                cause: Exception = err
            except openai.APIConnectionError as err:
                failure = LLMError("connection", f"cannot reach the model server: {err}", attempt)
                delay = self._backoff(attempt)
                cause = err
            except openai.APIStatusError as err:
                status = err.status_code
                if status in (401, 403):
                    raise LLMError(
                        "auth", f"the model server refused the credentials (HTTP {status})", attempt
                    ) from err
                if status not in RETRYABLE_STATUS:
                    raise LLMError("bad_request", f"HTTP {status}: {_short(err.message)}", attempt) from err
                kind = "rate_limit" if status == 429 else "server"
                failure = LLMError(kind, f"HTTP {status} from the model server: {_short(err.message)}", attempt)
                delay = max(self._backoff(attempt), _retry_after(err))
                cause = err
            if attempt > self.max_retries:
                failure.args = (f"{failure.args[0]} (gave up after {attempt} attempts)",)
                raise failure from cause
            self.sleep(min(delay, self.max_backoff_s))

    def _backoff(self, attempt: int) -> float:
        return self.backoff_s * (2 ** (attempt - 1)) * (0.8 + 0.4 * random.random())

    def _reply(self, response: Any, attempt: int) -> ChatReply:
        if not getattr(response, "choices", None):
            raise LLMError("invalid_reply", "the model server returned no choices", attempt)
        choice = response.choices[0]
        message = choice.message
        refusal = getattr(message, "refusal", None)
        if refusal:
            raise LLMError("refusal", f"the model refused: {_short(refusal)}", attempt)
        if choice.finish_reason == "length":
            raise LLMError("truncated", "the reply was cut off at the token limit", attempt)
        usage = getattr(response, "usage", None)
        extra = getattr(response, "model_extra", None) or {}
        return ChatReply(
            content=message.content or "",
            model=getattr(response, "model", None) or self.model,
            tokens_in=getattr(usage, "prompt_tokens", None),
            tokens_out=getattr(usage, "completion_tokens", None),
            attempts=attempt,
            finish_reason=choice.finish_reason,
            server_timings=dict(extra.get("timings") or {}),
        )


class _ClosingClient(httpx.Client):
    """Closes its connections when the grader that owns it is dropped (as the openai SDK's own client does)."""

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter shutdown there may be nothing left to close
            self.close()


class _DeadlineTransport(httpx.HTTPTransport):
    """Raises a read timeout once a request has taken ``total_s`` from sending to the last byte of its reply."""

    def __init__(self, total_s: float) -> None:
        super().__init__()
        self.total_s = total_s

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + self.total_s
        response = super().handle_request(request)
        response.stream = _DeadlineStream(response.stream, deadline, request, self.total_s)  # type: ignore[arg-type]
        return response


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner: httpx.SyncByteStream, deadline: float, request: httpx.Request, total_s: float) -> None:
        self.inner, self.deadline, self.request, self.total_s = inner, deadline, request, total_s

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if time.monotonic() > self.deadline:
                raise httpx.ReadTimeout(f"the reply took longer than {self.total_s:g} s", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()


def _retry_after(err: Any) -> float:
    try:
        value = err.response.headers.get("retry-after")
        return float(value) if value else 0.0
    except (AttributeError, TypeError, ValueError):
        return 0.0


def _short(text: object, limit: int = 200) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 1] + "…"
