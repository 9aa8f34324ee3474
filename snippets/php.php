<?php
// Identity hash for the embedded billing portal (PHP 7+, built-in hash extension).
// Run it on your server only: the secret must never reach the browser.
//
//   $hash = identity_hash(getenv('PORTAL_IDENTITY_SECRET'), $user->email);
//   // put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
//
// Pass the identifier exactly as you pass it to the portal: no trim(), no strtolower().
// Note hash_hmac's argument order: algorithm, message, key.

function identity_hash(string $secret, string $identifier): string
{
    return hash_hmac('sha256', $identifier, $secret);
}

// Command line: php php.php "$PORTAL_IDENTITY_SECRET" ana@example.com
if (PHP_SAPI === 'cli' && isset($argv[0]) && realpath($argv[0]) === __FILE__) {
    echo identity_hash($argv[1], $argv[2]), "\n";
}
