#!/usr/bin/env bash
# Quality and speed of ChatterIntel's offline sentiment engine.
#
#   scripts/bench-sentiment.sh                       # fetch the data, build sentiment-bench in release, run it
#   scripts/bench-sentiment.sh --regenerate-lexicon  # rewrite VaderLexicon+Entries.swift from the sdist
#   scripts/bench-sentiment.sh --fetch-only          # only fetch the data (scripts/bench-estimator.sh uses it)
#
# The data is the human-rated sets published with the VADER paper (Hutto & Gilbert, ICWSM 2014), which ship
# inside the vaderSentiment source distribution on PyPI (additional_resources/hutto_ICWSM_2014.tar.gz). They are
# fetched with pip into $CHATTER_SENTIMENT_DATA (default .build/sentiment-data) and never committed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VADER_VERSION=3.3.2
VADER_SDIST_SHA256=5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9
DATA_DIR="${CHATTER_SENTIMENT_DATA:-.build/sentiment-data}"
SDIST="$DATA_DIR/vaderSentiment-$VADER_VERSION.tar.gz"
SOURCE_DIR="$DATA_DIR/vaderSentiment-$VADER_VERSION"
SETS_DIR="$DATA_DIR/hutto_ICWSM_2014"
LEXICON_SWIFT=Sources/ChatterIntel/Sentiment/VaderLexicon+Entries.swift

log() { echo "bench-sentiment.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

sha256() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

fetch() {
    mkdir -p "$DATA_DIR"
    if [ ! -f "$SDIST" ]; then
        command -v python3 >/dev/null 2>&1 || die "python3 (with pip) is needed to download vaderSentiment"
        log "downloading vaderSentiment==$VADER_VERSION (source distribution) from PyPI"
        python3 -m pip download --quiet --no-deps --no-binary :all: "vaderSentiment==$VADER_VERSION" -d "$DATA_DIR"
    fi
    [ "$(sha256 "$SDIST")" = "$VADER_SDIST_SHA256" ] || die "$SDIST does not have the expected SHA-256"
    [ -d "$SOURCE_DIR" ] || tar -xzf "$SDIST" -C "$DATA_DIR"
    [ -d "$SETS_DIR" ] || tar -xzf "$SOURCE_DIR/additional_resources/hutto_ICWSM_2014.tar.gz" -C "$DATA_DIR"
}

# Columns 1 and 2 (entry, mean valence) of vader_lexicon.txt as one Swift string literal, with the MIT notice.
regenerate_lexicon() {
    {
        echo "// The VADER sentiment lexicon: token and mean valence (-4 ... +4), columns 1 and 2 of"
        echo "// vaderSentiment/vader_lexicon.txt in vaderSentiment $VADER_VERSION (PyPI sdist), one entry a line, the valence after the"
        echo "// last space. Kept as one string literal parsed at first use: a dictionary literal of 7,500 entries is slow to"
        echo "// type-check. Regenerate with scripts/bench-sentiment.sh --regenerate-lexicon."
        echo "//"
        tr -d '\r' <"$SOURCE_DIR/LICENSE.txt" | awk '{ print ($0 == "" ? "//" : "// " $0) }'
        echo
        echo "extension VaderLexicon {"
        echo '    static let entries = ##"""'
        tr -d '\r' <"$SOURCE_DIR/vaderSentiment/vader_lexicon.txt" | awk -F'\t' 'NF >= 2 && $1 != "" { print $1 " " $2 }'
        echo '"""##'
        echo "}"
    } >"$LEXICON_SWIFT"
    log "wrote $LEXICON_SWIFT"
}

fetch
case "${1:-}" in
--fetch-only)
    log "data in $SETS_DIR"
    ;;
--regenerate-lexicon)
    regenerate_lexicon
    ;;
"")
    swift build -c release --product sentiment-bench
    "$(swift build -c release --show-bin-path)/sentiment-bench" "$SETS_DIR"
    ;;
*)
    die "unknown argument $1"
    ;;
esac
