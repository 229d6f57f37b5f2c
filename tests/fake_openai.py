"""A scriptable OpenAI-compatible server on loopback, for testing how the LLM path handles faults.

Push behaviours in the order requests should meet them; every request body is recorded. When the script runs
out, requests get ``default`` if one is set, else HTTP 500 "no scripted reply", so a test never silently passes
on a default it did not ask for. ``max_in_flight`` makes the server answer HTTP 429 (with Retry-After) to
requests beyond that many at once, like a rate-limited provider.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Reply:
    content: str | dict[str, Any] | Callable[[dict[str, Any]], str | dict[str, Any]]
    refusal: str | None = None
    finish_reason: str = "stop"
    usage: tuple[int, int] | None = (120, 40)
    delay_s: float = 0.0


@dataclass
class Status:
    code: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


@dataclass
class Drop:
    """The server dies mid-request: it sends the headers and half a JSON body, then closes the connection."""

    delay_s: float = 0.0


@dataclass
class Dribble:
    """A slow stream: ``reply``'s body arrives ``chunk`` bytes at a time, ``interval_s`` apart."""

    reply: Reply
    interval_s: float = 0.5
    chunk: int = 8


Behaviour = Reply | Status | Drop | Dribble


def point_ids(request: dict[str, Any]) -> list[str]:
    """The rubric point ids the grader asked about (from the JSON schema's enum)."""
    schema = request["response_format"]["json_schema"]["schema"]
    return list(schema["properties"]["points"]["items"]["properties"]["point_id"]["enum"])


def answer_in(request: dict[str, Any]) -> str:
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    begin = user.index("----- BEGIN ANSWER")
    start = user.index("\n", begin) + 1
    end = user.index("\n----- END ANSWER", start)
    return user[start:end]


def everything_covered(quote: str | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A model that marks every point covered, quoting ``quote`` (default: the answer's first 60 characters)."""

    def build(request: dict[str, Any]) -> dict[str, Any]:
        text = quote if quote is not None else answer_in(request)[:60]
        return {
            "points": [
                {"point_id": pid, "evidence_quote": text, "reason": "covered", "verdict": "covered"}
                for pid in point_ids(request)
            ]
        }

    return build


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Behaviour] = deque()
        self.default: Behaviour | None = None
        self.max_in_flight: int | None = None
        self.retry_after_s = 1.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self.rate_limited = 0
        self.requests: list[dict[str, Any]] = []
        self.port = _free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def push(self, *behaviours: Behaviour) -> FakeOpenAI:
        self.script.extend(behaviours)
        return self

    async def _chat(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.max_in_flight is not None and self.in_flight >= self.max_in_flight:
            self.rate_limited += 1
            return JSONResponse(
                {"error": {"message": "rate limited", "type": "rate_limit"}},
                status_code=429,
                headers={"retry-after": f"{self.retry_after_s:g}"},
            )
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            return await self._respond(body)
        finally:
            self.in_flight -= 1

    async def _respond(self, body: dict[str, Any]) -> Response:
        behaviour = self.script.popleft() if self.script else self.default
        if behaviour is None:
            return JSONResponse({"error": {"message": "no scripted reply"}}, status_code=500)
        if behaviour.delay_s if not isinstance(behaviour, Dribble) else 0:
            await asyncio.sleep(behaviour.delay_s)  # type: ignore[union-attr]
        if isinstance(behaviour, Status):
            return JSONResponse(
                {"error": {"message": behaviour.message, "type": "scripted"}},
                status_code=behaviour.code,
                headers=behaviour.headers,
            )
        if isinstance(behaviour, Drop):
            text = json.dumps(_completion(body, Reply({"points": []})))
            return StreamingResponse(_die_after(text[: len(text) // 2]), media_type="application/json")
        if isinstance(behaviour, Dribble):
            text = json.dumps(_completion(body, behaviour.reply))
            return StreamingResponse(
                _dribble(text, behaviour.chunk, behaviour.interval_s), media_type="application/json"
            )
        return JSONResponse(_completion(body, behaviour))

    async def _models(self, request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

    def start(self) -> FakeOpenAI:
        app = Starlette(
            routes=[Route("/v1/chat/completions", self._chat, methods=["POST"]), Route("/v1/models", self._models)]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)


def _completion(body: dict[str, Any], behaviour: Reply) -> dict[str, Any]:
    content = behaviour.content(body) if callable(behaviour.content) else behaviour.content
    text = content if isinstance(content, str) else json.dumps(content)
    payload: dict[str, Any] = {
        "id": f"chatcmpl-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None if behaviour.refusal else text,
                    "refusal": behaviour.refusal,
                },
                "finish_reason": behaviour.finish_reason,
            }
        ],
    }
    if behaviour.usage:
        payload["usage"] = {
            "prompt_tokens": behaviour.usage[0],
            "completion_tokens": behaviour.usage[1],
            "total_tokens": sum(behaviour.usage),
        }
    return payload


async def _die_after(part: str) -> AsyncIterator[bytes]:
    yield part.encode()
    await asyncio.sleep(0.05)
    raise ConnectionAbortedError("the fake server dies mid-request")  # uvicorn drops the connection


async def _dribble(text: str, chunk: int, interval_s: float) -> AsyncIterator[bytes]:
    data = text.encode()
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]
        await asyncio.sleep(interval_s)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
