#include "apikeys/ApiKeyError.h"

namespace portcullis::apikeys {

const char *errorDomain(ApiKeyError)
{
    return "apikeys";
}

const char *errorCodeName(ApiKeyError code)
{
    switch (code) {
    case ApiKeyError::InvalidKey:
        return "invalid_key";
    case ApiKeyError::InsufficientScope:
        return "insufficient_scope";
    case ApiKeyError::InvalidInput:
        return "invalid_input";
    case ApiKeyError::NotFound:
        return "not_found";
    case ApiKeyError::InvalidState:
        return "invalid_state";
    case ApiKeyError::PepperMissing:
        return "pepper_missing";
    case ApiKeyError::PepperMismatch:
        return "pepper_mismatch";
    }
    return "unknown";
}

} // namespace portcullis::apikeys
