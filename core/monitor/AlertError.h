#pragma once

namespace portcullis::monitor {

// Why an alert rule, a rule configuration or an alert sink was refused. Each Error's detail says what was wrong and
// what to do.
enum class AlertError
{
    InvalidName, // a rule name that is empty, too long or has characters outside [A-Za-z0-9._-]
    InvalidTypes, // no event type, an unknown or repeated one, or alert_raised (alerts never feed rules)
    InvalidThreshold, // a count outside 1..MAX_THRESHOLD
    InvalidWindow, // a window outside the supported bounds, or one given to an immediate rule
    InvalidCooldown, // a cooldown outside the supported bounds
    InvalidConfig, // a rule configuration that is not the documented JSON shape
    InvalidUrl, // a webhook URL that is not https (or http to this machine), or carries credentials
    InvalidOption, // a sink option out of range (attempts, delays, queue size, signing secret)
};

const char *errorDomain(AlertError);
const char *errorCodeName(AlertError code);

} // namespace portcullis::monitor
