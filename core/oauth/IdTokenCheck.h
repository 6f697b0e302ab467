#pragma once

#include <chrono>
#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include "common/Clock.h"
#include "common/Error.h"
#include "crypto/Jwa.h"
#include "jose/Jwk.h"

namespace portcullis::oauth {

// What the client knows before it reads an ID token (OpenID Connect Core 1.0 §3.1.3.7).
struct IdTokenExpectations
{
    QString issuer; // the provider's exact issuer identifier, compared byte for byte
    QString clientId; // must be in "aud"; "azp" must equal it when present or when "aud" has several values
    QByteArray nonce; // the nonce sent in the authorization request; empty when none was sent
    // id_token_signing_alg_values_supported ∩ what Portcullis implements; empty means RS256 only (the OIDC
    // default). HS256/384/512 also need clientSecretKey.
    QList<crypto::Algorithm> allowedAlgorithms;
    std::chrono::seconds leeway {120}; // clock skew tolerated for exp, iat and nbf
    std::chrono::seconds maxAge {std::chrono::hours(24)}; // an iat older than this is refused
    QByteArray accessToken; // for at_hash; empty: at_hash is not checked
    // The client secret as an oct key, for HS* ID tokens (confidential clients only). Never used for other algorithms,
    // and the provider's key set is never used for HS*: that is what keeps a published RSA key from becoming an
    // HMAC secret (key confusion).
    std::optional<jose::Jwk> clientSecretKey;
};

// One check of an ID token, for display: "signature", "iss", "aud", "azp", "nonce", "exp", "iat", "nbf" (only when
// the token has one), "at_hash", "sub".
struct TokenCheck
{
    QString name;
    bool passed = false;
    QString explanation; // never holds the token, the nonce or the access token
};

struct IdTokenReport
{
    // Every check, in order. After a failure the other checks still run where they can, so the operator sees every
    // problem at once; their results mean nothing for trust until the signature has passed.
    QList<TokenCheck> checks;
    QByteArray header; // the decoded header JSON, for display
    QByteArray claims; // the decoded payload JSON, for display, also when the signature failed (see below)
    bool signatureVerified = false;
    std::optional<crypto::Algorithm> algorithm; // the header's "alg", when Portcullis implements it
    QString keyId; // the kid of the key that verified the signature
    // The token names a kid that the provider's key set lacks: the provider may have rotated its keys. The caller
    // fetches the JWKS again once and checks the token a second time.
    bool unknownKid = false;
    // The first failure: FlowError::IssuerMismatch for "iss", FlowError::IdTokenRejected for the rest.
    std::optional<Error> error;

    [[nodiscard]] bool ok() const { return !error; }
    [[nodiscard]] const TokenCheck *check(QStringView name) const;
};

// The ID token checks of OIDC Core §3.1.3.7 for an authorization-code flow: the signature with the provider's keys
// (or the client secret for HS*), then iss, aud, azp, nonce, exp, iat, nbf, at_hash (§3.1.3.8) and sub. Pure logic:
// the caller fetches the JWKS. Tokens over 64 KiB are refused unread.
[[nodiscard]] IdTokenReport checkIdToken(QByteArrayView idToken, const jose::JwkSet &providerKeys,
                                         const IdTokenExpectations &expect, const Clock &clock);

// The at_hash (and c_hash) value of OIDC Core §3.1.3.8 / §3.2.2.9: base64url of the left half of the hash of the
// ASCII access token, the hash being the one of the ID token's alg (SHA-256 for *256, SHA-384, SHA-512; EdDSA
// with Ed25519 uses SHA-512).
[[nodiscard]] QByteArray accessTokenHash(crypto::Algorithm algorithm, QByteArrayView accessToken);

} // namespace portcullis::oauth
