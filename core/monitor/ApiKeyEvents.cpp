#include "monitor/ApiKeyEvents.h"

#include "apikeys/ApiKeyEvent.h"

namespace portcullis::monitor {

namespace {

EventType typeOf(apikeys::ApiKeyEvent::Type type)
{
    switch (type) {
    case apikeys::ApiKeyEvent::Type::KeyIssued:
        return EventType::KeyIssued;
    case apikeys::ApiKeyEvent::Type::KeyRevoked:
        return EventType::KeyRevoked;
    case apikeys::ApiKeyEvent::Type::KeyRotated:
        return EventType::KeyRotated;
    case apikeys::ApiKeyEvent::Type::KeyExpired:
        return EventType::KeyExpired;
    case apikeys::ApiKeyEvent::Type::ValidationFailed:
        break;
    }
    return EventType::FailedAuth;
}

} // namespace

SecurityEvent fromApiKeyEvent(const apikeys::ApiKeyEvent &event, const QString &instanceId)
{
    SecurityEvent out;
    out.timeMs = event.at.toMSecsSinceEpoch();
    out.type = typeOf(event.type);
    out.severity = defaultSeverity(out.type);
    out.keyId = event.keyId;
    out.sourceAddress = event.source;
    out.reason = event.reason;
    out.detail = event.detail;
    out.instanceId = instanceId;
    return normalized(std::move(out));
}

} // namespace portcullis::monitor
