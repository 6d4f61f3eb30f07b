#!/usr/bin/env python3
"""An OpenAI-compatible endpoint that fails on purpose, for the retry tests: a real server
(llama.cpp) cannot be made to answer 429 or 503 on demand, so this test double does.

Usage: python3 llm_errors.py --port-file PATH
POST /v1/chat/completions answers, in turn: 429 with Retry-After: 7, then 503, then 200 with a
fixed completion and usage; /__reset starts over.
"""
import json, threading
from http.server import BaseHTTPRequestHandler

import loopback

LOCK = threading.Lock()
STATE = {"calls": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/__reset":
            with LOCK:
                STATE["calls"] = 0
            return self.reply(200, {"ok": True})
        self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        with LOCK:
            STATE["calls"] += 1
            call = STATE["calls"]
        if call == 1:
            return self.reply(429, {"error": {"message": "slow down"}}, [("Retry-After", "7")])
        if call == 2:
            return self.reply(503, {"error": {"message": "overloaded"}})
        self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": "third time lucky"}}],
                         "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}})


if __name__ == "__main__":
    loopback.main(Handler)
