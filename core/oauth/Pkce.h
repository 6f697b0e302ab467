#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include "common/Result.h"

namespace portcullis::oauth {

// Proof Key for Code Exchange (RFC 7636), S256 only: a client never downgrades to "plain", which protects nothing
// once the authorization request is seen.
struct Pkce
{
    QByteArray verifier; // 43 characters: 32 random octets, base64url (RFC 7636 section 4.1)
    QByteArray challenge; // BASE64URL(SHA-256(ASCII(verifier))) (section 4.2)

    static constexpr const char *METHOD = "S256";

    // A fresh verifier from the CSPRNG and its challenge.
    [[nodiscard]] static Result<Pkce> generate();
    // The pair for a given verifier (checked with isValidVerifier by the caller); for known vectors and for a
    // server checking a token request.
    [[nodiscard]] static Pkce fromVerifier(QByteArray verifier);
};

// The S256 challenge of `verifier`.
[[nodiscard]] QByteArray s256Challenge(QByteArrayView verifier);
// Whether `verifier` has the form RFC 7636 section 4.1 requires: 43 to 128 characters from
// [A-Z] [a-z] [0-9] - . _ ~.
[[nodiscard]] bool isValidVerifier(QByteArrayView verifier);
// A random value for `state` or `nonce`: 32 octets from the CSPRNG (256 bits, above the 128 the flow needs),
// base64url.
[[nodiscard]] Result<QByteArray> randomFlowToken();

} // namespace portcullis::oauth
