#!/usr/bin/env bash
# Fetch the embedded broker's jars (Apache Kafka + runtime deps, see pom.xml) from Maven Central
# into a cache outside the repository, and print that directory on stdout.
#
# Idempotent: the cache is reused when its marker matches the current pom.xml; the marker is
# written only after a complete copy, so an interrupted fetch is redone on the next run.
# Cache: $TICKERTONE_KAFKA_CACHE, default ~/.cache/tickertone/kafka-<kafka.version>.
# Needs: Maven (mvn) and network access to Maven Central on first run only.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
pom="$here/pom.xml"
version="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$pom")"
cache="${TICKERTONE_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tickertone/kafka-$version}"
marker="$cache/.complete"
# The marker holds the pom's digest: editing pom.xml (a version bump) invalidates the cache.
digest="$(sha256sum "$pom" | cut -d' ' -f1)"

if [[ -f "$marker" && "$(cat "$marker")" == "$digest" ]]; then
    echo "$cache"
    exit 0
fi

if ! command -v mvn >/dev/null 2>&1; then
    echo "fetch.sh: Maven (mvn) is needed once to download the Kafka $version jars" >&2
    exit 1
fi

# Copy into a fresh sibling directory, then swap it in, so a failed run never leaves a
# half-filled cache that looks usable and never mixes jars of two versions.
mkdir -p "$(dirname "$cache")"
staging="$(mktemp -d "$cache.tmp.XXXXXX")"
chmod 755 "$staging"
trap 'rm -rf "$staging"' EXIT
mvn -q -B -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$staging" >&2
echo "$digest" >"$staging/.complete"
rm -rf "$cache"
mv "$staging" "$cache"
trap - EXIT
echo "$cache"
