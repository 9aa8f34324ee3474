# Identity hash for the embedded billing portal (Ruby, standard library openssl).
# Run it on your server only: the secret must never reach the browser.
#
#   hash = identity_hash(ENV.fetch("PORTAL_IDENTITY_SECRET"), current_user.email)
#   # put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
#
# Pass the identifier exactly as you pass it to the portal: no strip, no downcase.
# Ruby strings are UTF-8 by default, which is what the server expects.
require "openssl"

def identity_hash(secret, identifier)
  OpenSSL::HMAC.hexdigest("SHA256", secret, identifier)
end

# Command line: ruby ruby.rb "$PORTAL_IDENTITY_SECRET" ana@example.com
puts identity_hash(ARGV.fetch(0), ARGV.fetch(1)) if $PROGRAM_NAME == __FILE__
