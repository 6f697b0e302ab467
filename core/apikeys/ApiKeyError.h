#pragma once

namespace portcullis::apikeys {

enum class ApiKeyError
{
    InvalidKey, // the one answer a caller gets for a malformed, unknown, revoked or expired key
    InsufficientScope, // a valid key without the scope the request needs
    InvalidInput, // a name, prefix, scope, duration or reason an operator gave that cannot be used
    NotFound, // no key with that id
    InvalidState, // the operation does not apply in the key's state (rotating a revoked key …)
    PepperMissing, // keys exist but their pepper is not in the secret store
    PepperMismatch, // the secret store's pepper belongs to another workspace
};

const char *errorDomain(ApiKeyError);
const char *errorCodeName(ApiKeyError code);

} // namespace portcullis::apikeys
