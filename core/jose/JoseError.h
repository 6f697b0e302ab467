#pragma once

namespace portcullis::jose {

// Why a token or key was refused. Each code has its own plain explanation in the Error's detail.
enum class JoseError
{
    TooLarge, // the token or a segment is over the size limit
    Malformed, // not three base64url segments, bad base64url, a header or payload that is not a JSON object
    Encrypted, // five segments: a JWE, recognised and reported, not verified
    UnsecuredToken, // "alg": "none" in any spelling
    UnknownAlgorithm, // an "alg" Portcullis does not implement
    AlgorithmNotAllowed, // an implemented "alg" the policy does not allow
    UnsupportedCritical, // "crit" names an extension the verifier does not understand, or is malformed
    UnknownKeyId, // "kid" names no key in the set
    NoSuitableKey, // no key in the set can serve the token's algorithm
    SignatureInvalid, // the signature does not match
    Expired, // exp has passed (beyond the leeway)
    NotYetValid, // nbf is in the future (beyond the leeway)
    IssuedInFuture, // iat is in the future (beyond the leeway)
    InvalidClaim, // a registered claim of the wrong type or range (string exp, negative iat, …)
    MissingClaim, // a claim the policy requires is absent
    IssuerMismatch, // iss differs from the expected issuer
    AudienceMismatch, // aud does not contain the expected audience
    TypeMismatch, // typ differs from the expected type
    InvalidKey, // a JWK or JWKS that cannot be used
    Revoked, // a token (or its refresh family) revoked by the token service
    ReuseDetected, // a rotated refresh token presented again: its family is now revoked
    Unknown, // a token the token service never issued
};

const char *errorDomain(JoseError);
const char *errorCodeName(JoseError code);

} // namespace portcullis::jose
