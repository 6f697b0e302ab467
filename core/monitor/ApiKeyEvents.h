#pragma once

#include <QString>

#include "monitor/SecurityEvent.h"

namespace portcullis::apikeys {
struct ApiKeyEvent;
}

namespace portcullis::monitor {

// The key service's event as a SecurityEvent: issue, revoke, rotate and expire as themselves, a refused key as
// failed_auth with the service's reason.
[[nodiscard]] SecurityEvent fromApiKeyEvent(const apikeys::ApiKeyEvent &event, const QString &instanceId);

} // namespace portcullis::monitor
