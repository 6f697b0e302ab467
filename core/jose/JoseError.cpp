#include "jose/JoseError.h"

namespace portcullis::jose {

const char *errorDomain(JoseError)
{
    return "jose";
}

const char *errorCodeName(JoseError code)
{
    switch (code) {
    case JoseError::TooLarge:
        return "too_large";
    case JoseError::Malformed:
        return "malformed";
    case JoseError::Encrypted:
        return "encrypted";
    case JoseError::UnsecuredToken:
        return "unsecured_token";
    case JoseError::UnknownAlgorithm:
        return "unknown_algorithm";
    case JoseError::AlgorithmNotAllowed:
        return "algorithm_not_allowed";
    case JoseError::UnsupportedCritical:
        return "unsupported_critical";
    case JoseError::UnknownKeyId:
        return "unknown_key_id";
    case JoseError::NoSuitableKey:
        return "no_suitable_key";
    case JoseError::SignatureInvalid:
        return "signature_invalid";
    case JoseError::Expired:
        return "expired";
    case JoseError::NotYetValid:
        return "not_yet_valid";
    case JoseError::IssuedInFuture:
        return "issued_in_future";
    case JoseError::InvalidClaim:
        return "invalid_claim";
    case JoseError::MissingClaim:
        return "missing_claim";
    case JoseError::IssuerMismatch:
        return "issuer_mismatch";
    case JoseError::AudienceMismatch:
        return "audience_mismatch";
    case JoseError::TypeMismatch:
        return "type_mismatch";
    case JoseError::InvalidKey:
        return "invalid_key";
    case JoseError::Revoked:
        return "revoked";
    case JoseError::ReuseDetected:
        return "reuse_detected";
    case JoseError::Unknown:
        return "unknown_token";
    }
    return "unknown";
}

} // namespace portcullis::jose
