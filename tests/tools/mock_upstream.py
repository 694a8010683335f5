#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/tools/mock_upstream.py: a deterministic OpenAI-compatible upstream for tests.

Python 3 standard library only. Start:  mock_upstream.py --port 0 [--reply TEXT]
The first stdout line is the chosen port ("PORT 41234"). SIGTERM ends it.

Paths. Any prefix may stand before /v1, so one mock plays several upstreams: the pool
entries http://127.0.0.1:P/a/v1 and http://127.0.0.1:P/b/v1 are upstreams "a" and "b".
  POST <prefix>/v1/chat/completions   streaming SSE (body "stream": true) or one JSON answer
  GET  <prefix>/v1/models             {"object": "list", "data": [...]}
  GET  /_stats                        {"requests": {"<path>": count, ...}, "auth": {"<path>":
                                      the last Authorization header}} since start or /_reset
  POST /_reset                        forget counts and queued faults
  POST /_control                      queue a fault, body JSON:
      {"prefix": "/a", "fault": MODE, "count": N, ...parameters}
  The next N requests (default 1) to that prefix's chat path take fault MODE, in order;
  "prefix" "" is the bare /v1. Models probes take "status_500" and "hang" too when queued with
  "path": "models".

Answers. The reply (--reply, default "Hello from the mock upstream.") is split at spaces; each
word with its following space is one piece, one chunk. Exact usage:
  completion_tokens = pieces sent (at most max_tokens, then finish_reason "length")
  prompt_tokens     = whitespace-separated words over all messages' content
Chunks use the OpenAI format (id, object "chat.completion.chunk", choices[0].delta.content);
the last content chunk is followed by one with finish_reason, then (when
stream_options.include_usage) a usage chunk with "choices": [], then "data: [DONE]".

Fault modes and their parameters:
  slow_first_token  ms: sleep before the first chunk (headers are sent first)
  slow_pieces       ms: sleep before every chunk
  status_429        retry_after: the Retry-After header in seconds (default 0)
  status_500        a 500 with a JSON error body
  reset_mid_stream  pieces: chunks sent (default 2), then the socket closes with RST
  malformed_json    after: content chunks before a "data: {not json" line (0: before any)
  no_usage          no usage chunk even when asked for
  hang              read the request, then never answer (bounded: 30 s or until exit)
  reply             text: answer with this text instead of the reply (a model that invents
                    things, for the output guard's tests)
/_stats also has "messages": {"<path>": the last chat request's messages}.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}
AUTH = {}  # path -> the last Authorization header seen there
MESSAGES = {}  # path -> the last chat request's messages
FAULTS = {}  # (prefix, "chat"|"models") -> list of [mode, remaining, params]
REPLY = "Hello from the mock upstream."
HANG_MAX_S = 30.0
STOP = threading.Event()


def take_fault(prefix, kind):
    with LOCK:
        queue = FAULTS.get((prefix, kind), [])
        while queue and queue[0][1] <= 0:
            queue.pop(0)
        if not queue:
            return None, {}
        queue[0][1] -= 1
        return queue[0][0], queue[0][2]


def split_prefix(path):
    """("/a", "chat") for /a/v1/chat/completions; (None, None) for anything else."""
    path = path.split("?", 1)[0]
    for suffix, kind in (("/v1/chat/completions", "chat"), ("/v1/models", "models")):
        if path.endswith(suffix):
            return path[: -len(suffix)], kind
    return None, None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small chunks go out at once (no 40 ms delayed-ACK stalls)

    def log_message(self, fmt, *args):  # quiet
        pass

    def count(self):
        with LOCK:
            p = self.path.split("?", 1)[0]
            STATS[p] = STATS.get(p, 0) + 1
            if self.headers.get("Authorization") is not None:
                AUTH[p] = self.headers.get("Authorization")

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 1 << 20:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def send_json(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def hang(self):
        STOP.wait(HANG_MAX_S)
        self.close_connection = True

    def do_GET(self):
        self.count()
        if self.path == "/_stats":
            with LOCK:
                snap = {"requests": dict(STATS), "auth": dict(AUTH), "messages": dict(MESSAGES)}
            return self.send_json(200, snap)
        prefix, kind = split_prefix(self.path)
        if kind != "models":
            return self.send_json(404, {"error": {"message": "no such path"}})
        mode, _ = take_fault(prefix, "models")
        if mode == "hang":
            return self.hang()
        if mode == "status_500":
            return self.send_json(500, {"error": {"message": "mock fault"}})
        self.send_json(200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})

    def do_POST(self):
        self.count()
        try:
            body = self.read_body()
        except ValueError:
            return self.send_json(413, {"error": {"message": "too large"}})
        if self.path == "/_reset":
            with LOCK:
                STATS.clear()
                AUTH.clear()
                MESSAGES.clear()
                FAULTS.clear()
            return self.send_json(200, {"ok": True})
        if self.path == "/_control":
            try:
                c = json.loads(body)
                kind = "models" if c.get("path") == "models" else "chat"
                entry = [c["fault"], int(c.get("count", 1)), c]
            except (ValueError, KeyError, TypeError):
                return self.send_json(400, {"error": {"message": "bad control"}})
            with LOCK:
                FAULTS.setdefault((c.get("prefix", ""), kind), []).append(entry)
            return self.send_json(200, {"ok": True})
        prefix, kind = split_prefix(self.path)
        if kind != "chat":
            return self.send_json(404, {"error": {"message": "no such path"}})
        try:
            req = json.loads(body)
            msgs = req["messages"]
            prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in msgs)
        except (ValueError, KeyError, TypeError, AttributeError):
            return self.send_json(400, {"error": {"message": "bad request"}})
        with LOCK:
            MESSAGES[self.path.split("?", 1)[0]] = msgs
        mode, params = take_fault(prefix, "chat")
        if mode == "hang":
            return self.hang()
        if mode == "status_429":
            ra = str(params.get("retry_after", 0))
            return self.send_json(429, {"error": {"message": "slow down"}}, {"Retry-After": ra})
        if mode == "status_500":
            return self.send_json(500, {"error": {"message": "mock fault"}})
        words = (str(params.get("text", REPLY)) if mode == "reply" else REPLY).split(" ")
        pieces = [w + " " for w in words[:-1]] + [words[-1]]
        pieces = [p for p in pieces if p]
        finish = "stop"
        max_tokens = req.get("max_tokens")
        if isinstance(max_tokens, int) and 0 < max_tokens < len(pieces):
            pieces, finish = pieces[:max_tokens], "length"
        model = req.get("model", "mock-model")
        if not req.get("stream"):
            return self.send_json(200, {
                "id": "chatcmpl-mock", "object": "chat.completion", "model": model,
                "choices": [{"index": 0, "finish_reason": finish,
                             "message": {"role": "assistant", "content": "".join(pieces)}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                          "total_tokens": prompt_tokens + len(pieces)}})
        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
        self.stream(mode, params, model, pieces, finish, prompt_tokens,
                    include_usage and mode != "no_usage")

    # ---- streaming ------------------------------------------------------------------------
    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def event(self, obj):
        self.chunk(b"data: " + json.dumps(obj).encode() + b"\r\n\r\n")

    def stream(self, mode, params, model, pieces, finish, prompt_tokens, usage):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

        def base(choices):
            return {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": 0,
                    "model": model, "choices": choices}

        if mode == "slow_first_token":
            time.sleep(int(params.get("ms", 0)) / 1000.0)
        self.chunk(b": mock comment line\n\n")
        bad_after = int(params.get("after", 0)) if mode == "malformed_json" else -1
        reset_after = int(params.get("pieces", 2)) if mode == "reset_mid_stream" else -1
        for i, p in enumerate(pieces):
            if i == bad_after:
                self.chunk(b"data: {not json\n\n")
            if i == reset_after:
                return self.reset()
            if mode == "slow_pieces":
                time.sleep(int(params.get("ms", 0)) / 1000.0)
            delta = {"content": p}
            if i == 0:
                delta["role"] = "assistant"
            self.event(base([{"index": 0, "delta": delta, "finish_reason": None}]))
        if bad_after >= len(pieces):
            self.chunk(b"data: {not json\n\n")
        if reset_after >= len(pieces):
            return self.reset()
        self.event(base([{"index": 0, "delta": {}, "finish_reason": finish}]))
        if usage:
            u = base([])
            u["usage"] = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                          "total_tokens": prompt_tokens + len(pieces)}
            self.event(u)
        self.chunk(b"data: [DONE]\n\n")
        self.chunk(b"")

    def reset(self):
        """Close with RST (SO_LINGER 0), as a crashed upstream or proxy does."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # detach(): the handler's file objects still refer to the socket, so close() alone
        # would not close the descriptor now.
        os.close(self.connection.detach())
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (cancel, timeout) leaves broken pipes behind: not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def main():
    global REPLY
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--reply", default=REPLY)
    args = ap.parse_args()
    REPLY = args.reply
    srv = Server(("127.0.0.1", args.port), Handler)

    def on_term(signum, frame):
        STOP.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        STOP.set()
        srv.server_close()


if __name__ == "__main__":
    sys.exit(main())
