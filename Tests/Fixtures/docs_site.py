#!/usr/bin/env python3
"""A small documentation site for the answer-quality tests: the manual of "Larkspur", a
made-up message broker, with what real documentation sites have and answers depend on.

Usage: python3 docs_site.py --port-file PATH [--port 0]

  /                       home: an introduction and links
  /contents               a table of contents: nothing but links (must not be indexed)
  /guide/queues           a guide whose sections are headings over short paragraphs
  /config/server          parameter entries: <dt>name (type)</dt><dd>description with its default</dd>
  /reference/limits       a table with a header row (each row must be quotable with its header)
  /guide/clients          prose about client libraries
"""
import os
from http.server import BaseHTTPRequestHandler

import loopback

NAV = ("<nav><a href='/'>Larkspur</a> <a href='/contents'>Contents</a> <a href='/guide/queues'>Queues</a> "
       "<a href='/config/server'>Server configuration</a> <a href='/reference/limits'>Limits</a></nav>")


def page(title, main):
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} — Larkspur 2.1</title></head>"
            f"<body><header><p>Larkspur documentation</p></header>{NAV}<main>{main}</main>"
            "<footer><p>Copyright the Larkspur authors.</p></footer></body></html>")


PAGES = {
    "/": page("Larkspur manual", """
        <h1>Larkspur manual</h1>
        <p>Larkspur is a small message broker: producers publish messages to named queues and consumers take them off
        in order. It runs as one server process and keeps every queue on disk, so messages survive a restart.</p>
        <p>Start with <a href='/guide/queues'>working with queues</a>, then tune the
        <a href='/config/server'>server configuration</a>. The full list of pages is in the <a href='/contents'>contents</a>.</p>
        """),
    "/contents": page("Contents", """
        <h1>Contents</h1>
        <ul>
          <li><a href='/guide/queues'>1. Working with queues</a>
            <ul><li><a href='/guide/queues#create'>1.1. Creating a queue</a></li>
                <li><a href='/guide/queues#delete'>1.2. Deleting a queue</a></li>
                <li><a href='/guide/queues#retention'>1.3. Message retention</a></li></ul></li>
          <li><a href='/guide/clients'>2. Client libraries</a></li>
          <li><a href='/config/server'>3. Server configuration</a>
            <ul><li><a href='/config/server#max-clients'>3.1. max_clients</a></li>
                <li><a href='/config/server#flush'>3.2. flush_interval</a></li>
                <li><a href='/config/server#port'>3.3. listen_port</a></li></ul></li>
          <li><a href='/reference/limits'>4. Limits</a></li>
          <li><a href='/guide/queues#auto'>5. Auto-increment sequence numbers</a></li>
        </ul>
        """),
    "/guide/queues": page("Working with queues", """
        <h1>1. Working with queues</h1>
        <p>Queues hold messages until a consumer acknowledges them. Every queue has a name of up to 64 characters.</p>
        <h2 id='create'>1.1. Creating a queue</h2>
        <p>To create a queue, run <code>lark queue create NAME</code> on the server, or send a CREATE command from a client.
        A new queue is durable unless you pass <code>--transient</code>.</p>
        <h2 id='delete'>1.2. Deleting a queue</h2>
        <p>Run <code>lark queue delete NAME</code> to remove a queue and every message in it. A queue with connected
        consumers is only deleted when you add <code>--force</code>.</p>
        <h2 id='retention'>1.3. Message retention</h2>
        <p>Acknowledged messages are removed at once. Unacknowledged messages are kept for seven days and then moved to the
        dead-letter queue, where an operator can inspect them.</p>
        <h2 id='auto'>1.4. Sequence numbers</h2>
        <p>Every message gets an auto-incrementing sequence number within its queue, starting at 1, so consumers can detect
        gaps and duplicates.</p>
        <pre>lark queue create orders
lark queue stats orders</pre>
        """),
    "/config/server": page("Server configuration", """
        <h1>3. Server configuration</h1>
        <p>The server reads <code>larkspur.conf</code> at start. Each parameter below is set as <code>name = value</code>.</p>
        <dl>
          <dt id='max-clients'><code>max_clients</code> (<code>integer</code>)</dt>
          <dd><p>Sets the maximum number of client connections the server accepts at once. Further clients wait in the
          accept backlog until a connection closes.</p>
          <p>The default is 250 connections. Each connection needs about 2 MiB of memory, so raise it together with the
          memory limit.</p></dd>
          <dt id='flush'><code>flush_interval</code> (<code>duration</code>)</dt>
          <dd><p>How often queued messages are written to disk. Shorter intervals lose fewer messages in a power failure
          and cost more disk writes. The default is 200 milliseconds.</p></dd>
          <dt id='port'><code>listen_port</code> (<code>integer</code>)</dt>
          <dd><p>The TCP port clients connect to. The default is 7070. Ports below 1024 need the server to start as root.</p></dd>
          <dt><code>data_directory</code> (<code>string</code>)</dt>
          <dd><p>Where queues are stored. Defaults to <code>/var/lib/larkspur</code>.</p></dd>
        </dl>
        """),
    "/reference/limits": page("Limits", """
        <h1>4. Limits</h1>
        <p>These limits are fixed when the server is built and cannot be changed in the configuration.</p>
        <table>
          <thead><tr><th>Limit</th><th>Value</th><th>Notes</th></tr></thead>
          <tbody>
            <tr><td>Queue name length</td><td>64 characters</td><td>letters, digits, dots and dashes</td></tr>
            <tr><td>Message size</td><td>16 MiB</td><td>larger messages are refused with error 413</td></tr>
            <tr><td>Queues per server</td><td>10,000</td><td>each queue keeps one open file</td></tr>
            <tr><td>Consumers per queue</td><td>512</td><td>more are refused until one disconnects</td></tr>
          </tbody>
        </table>
        """),
    "/guide/clients": page("Client libraries", """
        <h1>2. Client libraries</h1>
        <p>Official client libraries exist for Python, Go and Java. They reconnect automatically after a network failure
        and resend unacknowledged messages, so a producer never has to track what was delivered.</p>
        <p>Clients authenticate with a token that the server prints when a user is created with
        <code>lark user add</code>.</p>
        """),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0].split("#")[0]
        html = PAGES.get(path)
        if path == "/robots.txt":
            body, status, kind = b"User-agent: *\nAllow: /\n", 200, "text/plain"
        elif html is None:
            body, status, kind = b"not found", 404, "text/plain"
        else:
            body, status, kind = html.encode(), 200, "text/html; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    loopback.main(Handler)
