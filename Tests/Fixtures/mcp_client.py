#!/usr/bin/env python3
"""Drives NexTraction's /mcp endpoint with the official Python MCP SDK (`mcp`), as an AI
assistant or IDE agent would, and prints what it saw as one JSON object (the Swift test
checks it).

Usage: mcp_client.py --url http://127.0.0.1:PORT/mcp --key nex_... --collection garden --question "..." [--ingest-url URL]
"""
import argparse
import asyncio
import json

from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client


def text_of(result):
    return "\n".join(part.text for part in result.content if getattr(part, "type", "") == "text")


async def run(args):
    out = {}
    headers = {"Authorization": f"Bearer {args.key}"}
    async with streamablehttp_client(args.url, headers=headers) as (read, write, _):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            out["server"] = init.serverInfo.name
            out["tools"] = sorted(tool.name for tool in (await session.list_tools()).tools)
            listed = await session.call_tool("list_collections", {})
            out["collections"] = listed.structuredContent
            found = await session.call_tool("search", {"collection": args.collection, "query": args.question, "k": 3})
            out["search"] = found.structuredContent
            out["search_text"] = text_of(found)
            answered = await session.call_tool("ask", {"collection": args.collection, "question": args.question})
            out["ask"] = answered.structuredContent
            out["ask_text"] = text_of(answered)
            missing = await session.call_tool("ask", {"collection": "no-such-collection", "question": args.question})
            out["missing"] = {"isError": missing.isError, "text": text_of(missing)}
            ingest = await session.call_tool("ingest", {"url": args.ingest_url})
            out["ingest"] = {"isError": ingest.isError, "text": text_of(ingest)}
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--question", required=True)
    parser.add_argument("--ingest-url", default="https://example.com/")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
