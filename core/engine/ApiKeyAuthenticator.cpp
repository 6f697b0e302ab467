#include "engine/ApiKeyAuthenticator.h"

#include "apikeys/ApiKeyError.h"
#include "engine/SecurityMonitor.h"
#include "monitor/FailedAuthTracker.h"

namespace portcullis::engine {

ApiKeyAuthenticator::ApiKeyAuthenticator(apikeys::ApiKeyService &keys, SecurityMonitor &monitor)
    : m_keys(keys)
    , m_monitor(monitor)
{ }

Result<apikeys::ApiKeyService::Validated>
ApiKeyAuthenticator::authenticate(QByteArrayView key, QStringView requiredScope, const QString &source)
{
    monitor::FailedAuthTracker &tracker = m_monitor.tracker();
    monitor::AuthSubjects bySource;
    bySource.sourceAddress = source;
    if (!source.isEmpty() && !tracker.check(bySource).allowed())
        return refuseLocked(source, QString());

    auto validated = m_keys.validate(key, requiredScope, source);
    if (!validated) {
        // A store failure is not the caller's fault; a missing scope is a valid key used beyond its grant.
        if (validated.error().is(apikeys::ApiKeyError::InvalidKey) && !source.isEmpty())
            tracker.recordFailure(bySource, QStringLiteral("invalid_key"));
        return validated;
    }
    monitor::AuthSubjects byKey;
    byKey.keyId = validated->id;
    if (!tracker.check(byKey).allowed())
        return refuseLocked(source, validated->id);
    tracker.recordSuccess(byKey);
    return validated;
}

Error ApiKeyAuthenticator::refuseLocked(const QString &source, const QString &keyId)
{
    monitor::SecurityEvent event;
    event.type = monitor::EventType::FailedAuth;
    event.sourceAddress = source;
    event.keyId = keyId;
    event.reason = QStringLiteral("locked");
    event.detail = keyId.isEmpty()
        ? QStringLiteral("An API key from a locked source address was refused without being checked.")
        : QStringLiteral("A valid API key was refused because the key is locked after repeated failures.");
    m_monitor.publish(event);
    return apikeys::ApiKeyService::invalidKeyError();
}

} // namespace portcullis::engine
