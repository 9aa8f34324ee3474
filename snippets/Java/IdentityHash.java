// Identity hash for the embedded billing portal (Java 8+, javax.crypto; no dependencies).
// Run it on your server only: the secret must never reach the browser.
//
//   String hash = IdentityHash.compute(System.getenv("PORTAL_IDENTITY_SECRET"), user.getEmail());
//   // put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
//
// Pass the identifier exactly as you pass it to the portal: no trim(), no toLowerCase().
// Always encode with StandardCharsets.UTF_8: getBytes() without it uses the platform charset.

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class IdentityHash {
    private IdentityHash() {}

    public static String compute(String secret, String identifier) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal(identifier.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(digest.length * 2);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xf, 16));
                hex.append(Character.forDigit(b & 0xf, 16));
            }
            return hex.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    // Command line: java IdentityHash.java "$PORTAL_IDENTITY_SECRET" ana@example.com
    // (Java decodes arguments with the OS locale: use a UTF-8 one, e.g. LC_ALL=C.UTF-8.)
    public static void main(String[] args) {
        System.out.println(compute(args[0], args[1]));
    }
}
