#pragma once

namespace portcullis::monitor {

// Why a lockout policy or tracker setting was refused. Each Error's detail says what was wrong and what to do.
// Store failures keep their own domain (store::StoreError).
enum class LockoutError
{
    InvalidMaxFailures, // a failure threshold below 1 or absurdly high
    InvalidDuration, // a wait, reset time or quick-login window outside its bounds
    InvalidTemporaryLockouts, // a negative or absurd count of temporary lockouts before a permanent one
    InvalidCapacity, // too few or too many tracked subjects, or a non-positive interval
};

const char *errorDomain(LockoutError);
const char *errorCodeName(LockoutError code);

} // namespace portcullis::monitor
