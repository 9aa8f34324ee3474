#!/usr/bin/env bash
# Install the language runtimes that tests/snippets/test_snippets.py runs the backend hash
# snippets with (snippets/*). Debian/Ubuntu only: apt-get, non-interactive, no recommends.
# Only what is missing is installed; a runtime already on PATH (e.g. from nvm, rbenv, a
# setup-* CI action or an SDK tarball) is left alone. Safe to run again.
#
#   .ci/snippet-runtimes.sh            # as root, or with sudo available
#   SNIPPET_RUNTIMES_MONO=0 .ci/snippet-runtimes.sh   # skip mono (the C# fallback)
#
# C#: Debian has no `dotnet` package. When `dotnet` is absent we install mono's C# compiler
# and runtime (mono-mcs, mono-runtime), which the tests use to compile and run
# snippets/csharp/IdentityHash.cs. If `dotnet` is installed the tests prefer it.
set -euo pipefail

# command on PATH -> Debian package that provides it
declare -a wanted=(
  "node:nodejs"
  "ruby:ruby"
  "php:php-cli"
  "go:golang-go"
  "javac:default-jdk-headless"
  "openssl:openssl"
)
if [[ "${SNIPPET_RUNTIMES_MONO:-1}" != "0" ]] && ! command -v dotnet >/dev/null 2>&1; then
  wanted+=("mcs:mono-mcs" "mono:mono-runtime")
fi

missing=()
for pair in "${wanted[@]}"; do
  cmd=${pair%%:*}
  pkg=${pair#*:}
  if command -v "$cmd" >/dev/null 2>&1; then
    echo "snippet-runtimes: $cmd found at $(command -v "$cmd")"
  else
    echo "snippet-runtimes: $cmd missing -> apt package $pkg"
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "snippet-runtimes: nothing to install"
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "snippet-runtimes: need root or sudo" >&2; exit 1; }
  sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Fail loudly if a package did not provide the command we rely on.
for pair in "${wanted[@]}"; do
  cmd=${pair%%:*}
  command -v "$cmd" >/dev/null 2>&1 || { echo "snippet-runtimes: $cmd still missing" >&2; exit 1; }
done
echo "snippet-runtimes: installed ${missing[*]}"
