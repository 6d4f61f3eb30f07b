#!/usr/bin/env python3
"""Drives NexTraction's OpenAI-compatible endpoint with the official `openai` SDK, as a chat
front end would, and prints what the SDK saw as one JSON object (the Swift test checks it).

Usage: openai_client.py --base http://127.0.0.1:PORT --key nex_... --model nextraction/garden --question "..."
"""
import argparse
import json

import openai


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--question", required=True)
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base + "/v1", api_key=args.key, max_retries=0, timeout=120)
    out = {"models": [model.id for model in client.models.list()]}

    messages = [{"role": "user", "content": args.question}]
    completion = client.chat.completions.create(model=args.model, messages=messages)
    extra = completion.model_extra or {}
    out["content"] = completion.choices[0].message.content
    out["finish_reason"] = completion.choices[0].finish_reason
    out["total_tokens"] = completion.usage.total_tokens
    out["citations"] = extra.get("citations")
    out["sources"] = extra.get("sources")

    streamed, last_extra = [], {}
    for chunk in client.chat.completions.create(model=args.model, messages=messages, stream=True):
        if chunk.choices and chunk.choices[0].delta.content:
            streamed.append(chunk.choices[0].delta.content)
        if chunk.choices and chunk.choices[0].finish_reason:
            last_extra = chunk.model_extra or {}
    out["streamed"] = "".join(streamed)
    out["streamed_citations"] = last_extra.get("citations")

    try:
        client.chat.completions.create(model="nextraction/no-such-collection", messages=messages)
        out["missing_model"] = "no error"
    except openai.NotFoundError as error:
        out["missing_model"] = {"status": error.status_code, "code": error.code, "type": error.type, "message": error.message}

    try:
        openai.OpenAI(base_url=args.base + "/v1", api_key="nex_wrong", max_retries=0).models.list()
        out["bad_key"] = "no error"
    except openai.AuthenticationError as error:
        out["bad_key"] = {"status": error.status_code, "type": error.type}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
