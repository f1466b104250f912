#!/usr/bin/env bash
# How far Chatter's token estimator is from real tokenizer counts.
#
#   scripts/bench-estimator.sh
#
# Reference counts come from OpenAI's o200k_base and cl100k_base encodings (the bpe-openai package from PyPI,
# which carries the encodings offline) over the human-written texts of the VADER sets (tweets, product reviews,
# movie reviews, newspaper snippets; fetched by scripts/bench-sentiment.sh). Nothing fetched is committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA_DIR="${CHATTER_SENTIMENT_DATA:-.build/sentiment-data}"
SETS_DIR="$DATA_DIR/hutto_ICWSM_2014"
OUT=.build/estimator-reference.tsv

if [ ! -d "$SETS_DIR" ]; then
    echo "bench-estimator.sh: fetching the text sets with scripts/bench-sentiment.sh --fetch-only" >&2
    bash scripts/bench-sentiment.sh --fetch-only
fi
python3 -c 'import bpe_openai' 2>/dev/null || python3 -m pip install -q "bpe-openai==0.1.4"

python3 - "$SETS_DIR" "$OUT" <<'PY'
import glob, sys
import bpe_openai
sets_dir, out = sys.argv[1], sys.argv[2]
o200k = bpe_openai.get_encoding("o200k_base")
cl100k = bpe_openai.get_encoding("cl100k_base")
rows = 0
with open(out, "w", encoding="utf-8") as sink:
    for path in sorted(glob.glob(f"{sets_dir}/*GroundTruth.txt")):
        with open(path, encoding="utf-8", errors="replace") as source:
            for line in source:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 3:
                    continue
                text = parts[2].replace("\t", " ").replace("\r", " ")
                sink.write(f"{len(o200k.encode(text))}\t{len(cl100k.encode(text))}\t{text}\n")
                rows += 1
print(f"bench-estimator.sh: {rows} texts with reference counts in {out}", file=sys.stderr)
PY

swift build -c release --product estimator-bench >&2
.build/release/estimator-bench "$OUT"
