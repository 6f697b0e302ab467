#pragma once

namespace portcullis::crypto {

enum class CryptoError
{
    RandomFailure, // the CSPRNG could not produce bytes
    InvalidEncoding, // base64url, PEM or DER that is malformed or not canonical
    InvalidKey, // key material that cannot be parsed or is inconsistent
    WeakKey, // RSA below 2048 bits, an HMAC key shorter than the hash output
    UnsupportedAlgorithm, // an algorithm name Portcullis does not implement (or refuses, like "none")
    KeyAlgorithmMismatch, // the key cannot serve that algorithm (HS256 with an RSA key, ES384 with P-256 …)
    MissingPrivateKey, // signing needs a private key and the key is public only
    InvalidSignature, // a signature of the wrong length or form
    SignatureMismatch, // a well-formed signature that does not verify
    Internal, // OpenSSL failed where it should not
};

const char *errorDomain(CryptoError);
const char *errorCodeName(CryptoError code);

} // namespace portcullis::crypto
