#include "monitor/LockoutError.h"

namespace portcullis::monitor {

const char *errorDomain(LockoutError)
{
    return "lockout";
}

const char *errorCodeName(LockoutError code)
{
    switch (code) {
    case LockoutError::InvalidMaxFailures:
        return "invalid_max_failures";
    case LockoutError::InvalidDuration:
        return "invalid_duration";
    case LockoutError::InvalidTemporaryLockouts:
        return "invalid_temporary_lockouts";
    case LockoutError::InvalidCapacity:
        return "invalid_capacity";
    }
    return "unknown";
}

} // namespace portcullis::monitor
