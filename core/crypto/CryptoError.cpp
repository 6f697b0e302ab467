#include "crypto/CryptoError.h"

namespace portcullis::crypto {

const char *errorDomain(CryptoError)
{
    return "crypto";
}

const char *errorCodeName(CryptoError code)
{
    switch (code) {
    case CryptoError::RandomFailure:
        return "random_failure";
    case CryptoError::InvalidEncoding:
        return "invalid_encoding";
    case CryptoError::InvalidKey:
        return "invalid_key";
    case CryptoError::WeakKey:
        return "weak_key";
    case CryptoError::UnsupportedAlgorithm:
        return "unsupported_algorithm";
    case CryptoError::KeyAlgorithmMismatch:
        return "key_algorithm_mismatch";
    case CryptoError::MissingPrivateKey:
        return "missing_private_key";
    case CryptoError::InvalidSignature:
        return "invalid_signature";
    case CryptoError::SignatureMismatch:
        return "signature_mismatch";
    case CryptoError::Internal:
        return "internal";
    }
    return "unknown";
}

} // namespace portcullis::crypto
