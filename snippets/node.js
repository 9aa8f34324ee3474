// Identity hash for the embedded billing portal (Node.js, built-in crypto; no dependencies).
// Run it on your server only: the secret must never reach the browser.
//
//   const hash = identityHash(process.env.PORTAL_IDENTITY_SECRET, user.email);
//   // put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
//
// Pass the identifier exactly as you pass it to the portal: no trim(), no toLowerCase().
const { createHmac } = require("node:crypto");

function identityHash(secret, identifier) {
  return createHmac("sha256", Buffer.from(secret, "utf8"))
    .update(Buffer.from(identifier, "utf8"))
    .digest("hex");
}

module.exports = { identityHash };

// Command line: node node.js "$PORTAL_IDENTITY_SECRET" ana@example.com
if (require.main === module) {
  console.log(identityHash(process.argv[2], process.argv[3]));
}
