#!/usr/bin/env bash
# Identity hash for the embedded billing portal, from the command line (OpenSSL 1.1 / 3.x,
# LibreSSL). Handy to check a hash by hand or from a shell-based backend.
#
#   ./openssl.sh "$PORTAL_IDENTITY_SECRET" 'ana@example.com'
#
# printf '%s' sends the identifier without a trailing newline (echo would add one) and never
# treats it as a format string. openssl prints "HMAC-SHA2-256(stdin)= <hex>" (3.x) or
# "(stdin)= <hex>" (1.1); awk keeps only the lowercase hex. The secret is visible in `ps`
# while this runs: use it on your own machine, not on a shared host.
set -euo pipefail

secret=${1:?usage: openssl.sh SECRET IDENTIFIER}
identifier=${2?usage: openssl.sh SECRET IDENTIFIER}

printf '%s' "$identifier" | openssl dgst -sha256 -hmac "$secret" | awk '{ print $NF }'
