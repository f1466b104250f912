"""Drives Chatter's gateway with the official openai package, unchanged but for base_url and api_key.

Prints one JSON object per line, one per scenario, for the Swift test to check against the ledger.
"""
import json
import sys

import openai

base_url, api_key, model = sys.argv[1], sys.argv[2], sys.argv[3]
client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)


def emit(name, **fields):
    print(json.dumps({"scenario": name, **fields}), flush=True)


completion = client.chat.completions.create(
    model=model,
    messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello gateway"}],
    temperature=0.3,
    max_tokens=64,
)
emit(
    "plain",
    content=completion.choices[0].message.content,
    finish_reason=completion.choices[0].finish_reason,
    prompt_tokens=completion.usage.prompt_tokens,
    completion_tokens=completion.usage.completion_tokens,
    cached_tokens=completion.usage.prompt_tokens_details.cached_tokens,
)

raw = client.chat.completions.with_raw_response.create(model=model, messages=[{"role": "user", "content": "cost?"}])
emit("header", cost=raw.headers.get("x-chatter-cost-nanousd"), call_id=raw.headers.get("x-chatter-llm-call-id"))

text, usage = "", None
for chunk in client.chat.completions.create(
    model=model, messages=[{"role": "user", "content": "Stream please"}], stream=True, stream_options={"include_usage": True}
):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
    if chunk.usage is not None:
        usage = chunk.usage
emit("stream_usage", content=text, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens)

usage_chunks = 0
text = ""
for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": "No usage"}], stream=True):
    if chunk.usage is not None:
        usage_chunks += 1
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
emit("stream_plain", content=text, usage_chunks=usage_chunks)

try:
    client.chat.completions.create(model="no-such-model-anywhere", messages=[{"role": "user", "content": "x"}])
    emit("unknown_model", status=200)
except openai.APIStatusError as error:
    emit("unknown_model", status=error.status_code, code=error.code)

try:
    client.chat.completions.create(model=model, messages=[{"role": "wizard", "content": "x"}])
    emit("bad_role", status=200)
except openai.APIStatusError as error:
    emit("bad_role", status=error.status_code, param=error.param)

try:
    openai.OpenAI(base_url=base_url, api_key="chk_not_a_real_key_at_all", max_retries=0).chat.completions.create(
        model=model, messages=[{"role": "user", "content": "x"}]
    )
    emit("bad_key", status=200)
except openai.AuthenticationError as error:
    emit("bad_key", status=error.status_code)

emit("models", ids=[m.id for m in client.models.list().data])
