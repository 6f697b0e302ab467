#pragma once

#include <QString>

#include "monitor/FailedAuthTracker.h"
#include "monitor/SecurityEvent.h"

namespace portcullis::jose {
class JsonWriter;
}

namespace portcullis::cli::monitoroutput {

// One event on one line for people: time, severity, type, the subjects that are set, reason, route and detail.
// The event's text is already safe (SecurityEvent is normalized); nothing here can break the line.
[[nodiscard]] QString eventLine(const monitor::SecurityEvent &event);

// A lockout's members for `monitor lockouts --json`: kind, subject, failures, locked_since, locked_until (null when
// permanent), permanent, reason, last_source.
void writeLockout(jose::JsonWriter &writer, const monitor::FailedAuthTracker::Lockout &lockout);
// One row of the `monitor lockouts` table.
[[nodiscard]] QString lockoutLine(const monitor::FailedAuthTracker::Lockout &lockout);
[[nodiscard]] QString lockoutHeader();

} // namespace portcullis::cli::monitoroutput
