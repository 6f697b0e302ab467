#pragma once

namespace portcullis::ratelimit {

// Why a rate-limit policy or request was refused. Each Error's detail says what was wrong and what to do.
enum class RateLimitError
{
    InvalidName, // a policy name that is empty, too long or has characters outside [A-Za-z0-9._-]
    InvalidLimit, // a limit that is not positive, or too large for the algorithm
    InvalidWindow, // a window outside the supported bounds
    InvalidBurst, // a token-bucket burst below 1 or above the limit, or a burst for another algorithm
    InvalidCountBy, // no key part, or the same part twice
};

const char *errorDomain(RateLimitError);
const char *errorCodeName(RateLimitError code);

} // namespace portcullis::ratelimit
