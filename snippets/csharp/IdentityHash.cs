// Identity hash for the embedded billing portal (C#, .NET Framework 4.x / .NET 5+ / Mono).
// Run it on your server only: the secret must never reach the browser.
//
//   var secret = Environment.GetEnvironmentVariable("PORTAL_IDENTITY_SECRET");
//   var hash = IdentityHash.Compute(secret, user.Email);
//   // put it in the page: WidgetServer.mount("#billing-portal", { account, email, hash })
//
// Pass the identifier exactly as you pass it to the portal: no Trim(), no ToLower().
// Always Encoding.UTF8 (Encoding.Default and Encoding.Unicode give different bytes).
using System;
using System.Security.Cryptography;
using System.Text;

public static class IdentityHash
{
    public static string Compute(string secret, string identifier)
    {
        using (var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret)))
        {
            byte[] digest = hmac.ComputeHash(Encoding.UTF8.GetBytes(identifier));
            return BitConverter.ToString(digest).Replace("-", "").ToLowerInvariant();
        }
    }

    // Command line (in a console project with this file): dotnet run -- "$SECRET" ana@example.com
    public static void Main(string[] args)
    {
        Console.WriteLine(Compute(args[0], args[1]));
    }
}
