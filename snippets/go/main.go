// Identity hash for the embedded billing portal (Go, standard library only).
// Run it on your server only: the secret must never reach the browser.
//
//	hash := IdentityHash(os.Getenv("PORTAL_IDENTITY_SECRET"), user.Email)
//	// put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
//
// Pass the identifier exactly as you pass it to the portal: no strings.TrimSpace, no
// strings.ToLower. Go strings are byte strings; Go source and most inputs are UTF-8.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
)

// IdentityHash returns the lowercase hex HMAC-SHA256 of identifier, keyed by secret.
func IdentityHash(secret, identifier string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(identifier))
	return hex.EncodeToString(mac.Sum(nil))
}

// Command line: go run main.go "$PORTAL_IDENTITY_SECRET" ana@example.com
func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: main SECRET IDENTIFIER")
		os.Exit(2)
	}
	fmt.Println(IdentityHash(os.Args[1], os.Args[2]))
}
