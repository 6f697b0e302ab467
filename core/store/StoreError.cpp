#include "store/StoreError.h"

namespace portcullis::store {

const char *errorDomain(StoreError)
{
    return "store";
}

const char *errorCodeName(StoreError code)
{
    switch (code) {
    case StoreError::InvalidLocation:
        return "invalid_location";
    case StoreError::OpenFailed:
        return "open_failed";
    case StoreError::Corrupt:
        return "corrupt";
    case StoreError::NewerSchema:
        return "newer_schema";
    case StoreError::MigrationFailed:
        return "migration_failed";
    case StoreError::QueryFailed:
        return "query_failed";
    case StoreError::Busy:
        return "busy";
    case StoreError::NotFound:
        return "not_found";
    case StoreError::Conflict:
        return "conflict";
    case StoreError::SecretsUnavailable:
        return "secrets_unavailable";
    case StoreError::SecretsLocked:
        return "secrets_locked";
    case StoreError::SecretNotFound:
        return "secret_not_found";
    case StoreError::SecretsInsecure:
        return "secrets_insecure";
    case StoreError::Timeout:
        return "timeout";
    }
    return "unknown";
}

} // namespace portcullis::store
