#include "monitor/AlertError.h"

namespace portcullis::monitor {

const char *errorDomain(AlertError)
{
    return "alerts";
}

const char *errorCodeName(AlertError code)
{
    switch (code) {
    case AlertError::InvalidName:
        return "invalid_name";
    case AlertError::InvalidTypes:
        return "invalid_types";
    case AlertError::InvalidThreshold:
        return "invalid_threshold";
    case AlertError::InvalidWindow:
        return "invalid_window";
    case AlertError::InvalidCooldown:
        return "invalid_cooldown";
    case AlertError::InvalidConfig:
        return "invalid_config";
    case AlertError::InvalidUrl:
        return "invalid_url";
    case AlertError::InvalidOption:
        return "invalid_option";
    }
    return "unknown";
}

} // namespace portcullis::monitor
