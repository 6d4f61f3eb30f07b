"""Shared by the fixture servers: serve a handler on 127.0.0.1 and publish the bound port.

Usage in a fixture: `loopback.main(Handler)`; the script then takes `--port-file PATH`
(and `--port N`, default 0 = any free port) and writes the port to PATH atomically once
it listens, which is what the Swift tests wait for.
"""
import argparse, os
from http.server import ThreadingHTTPServer


def main(handler):
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()
