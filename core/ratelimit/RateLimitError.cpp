#include "ratelimit/RateLimitError.h"

namespace portcullis::ratelimit {

const char *errorDomain(RateLimitError)
{
    return "ratelimit";
}

const char *errorCodeName(RateLimitError code)
{
    switch (code) {
    case RateLimitError::InvalidName:
        return "invalid_name";
    case RateLimitError::InvalidLimit:
        return "invalid_limit";
    case RateLimitError::InvalidWindow:
        return "invalid_window";
    case RateLimitError::InvalidBurst:
        return "invalid_burst";
    case RateLimitError::InvalidCountBy:
        return "invalid_count_by";
    }
    return "unknown";
}

} // namespace portcullis::ratelimit
