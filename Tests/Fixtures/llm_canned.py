#!/usr/bin/env python3
"""An OpenAI-compatible endpoint that always writes the same answer, for the citation-check
test over HTTP: a real small model (SmolLM2-135M) rarely writes [n] markers, and never a
chosen wrong one on demand, so this test double does.

Usage: python3 llm_canned.py --port-file PATH
POST /v1/chat/completions (plain or "stream": true) answers ANSWER below, with usage.
GET /last-request returns the body of the last POST (to check what a client sent).
"""
import json
from http.server import BaseHTTPRequestHandler

import loopback

ANSWER = ("Prune most roses in late winter, just as the buds begin to swell [1]. "
          "The moon is made of green cheese [2]. Bees share the way to flowers by dancing [9].")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    last_request = b"{}"

    def do_GET(self):
        data = Handler.last_request
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}"
        Handler.last_request = raw
        body = json.loads(raw)
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for word in ANSWER.split(" "):
                chunk = {"choices": [{"index": 0, "delta": {"content": word + " "}}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.close_connection = True
            return
        data = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}}],
                           "usage": {"prompt_tokens": 100, "completion_tokens": 30}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    loopback.main(Handler)
