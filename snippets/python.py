"""Identity hash for the embedded billing portal (Python 3, standard library only).

Run it on your server only: the secret must never reach the browser.

    user_hash = identity_hash(os.environ["PORTAL_IDENTITY_SECRET"], user.email)
    # put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash: user_hash })

Pass the identifier exactly as you pass it to the portal: no .strip(), no .lower().
hmac.new() takes bytes, so both strings are encoded as UTF-8 (passing str raises TypeError).
"""

import hashlib
import hmac
import sys


def identity_hash(secret: str, identifier: str) -> str:
    return hmac.new(secret.encode("utf-8"), identifier.encode("utf-8"), hashlib.sha256).hexdigest()


# Command line: python3 python.py "$PORTAL_IDENTITY_SECRET" ana@example.com
if __name__ == "__main__":
    print(identity_hash(sys.argv[1], sys.argv[2]))
