#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>

namespace portcullis::apikeys {

// A security event from the key service: every operation and every failed validation. It never holds a key:
// at most its public id and display hint. Text that came from a request (source address) is kept as given;
// whoever displays or logs it escapes it. The monitor turns these into SecurityEvents.
struct ApiKeyEvent
{
    enum class Type
    {
        KeyIssued,
        KeyRevoked,
        KeyRotated,
        KeyExpired,
        ValidationFailed,
    };

    Type type = Type::ValidationFailed;
    QDateTime at;
    QString keyId; // empty when the key is unknown or malformed
    QString hint; // "pcl_live_…Ab3d" when the key's shape allowed one
    QString reason; // "revoked", "expired", "unknown_key", "malformed", "bad_checksum", "insufficient_scope", …
    QString source; // the request's source address, when known
    QString detail; // a plain sentence for the operator
};

[[nodiscard]] QString eventTypeName(ApiKeyEvent::Type type); // "key_issued", "validation_failed", …

} // namespace portcullis::apikeys

Q_DECLARE_METATYPE(portcullis::apikeys::ApiKeyEvent)
