#pragma once

#include <optional>

#include <QJsonObject>
#include <QMetaType>
#include <QString>
#include <QStringView>

namespace portcullis::monitor {

// What happened. The names (eventTypeName) are stable: they appear in the event log, in exports, in the Redis
// stream and on the command line.
enum class EventType
{
    FailedAuth, // a credential was refused (unknown, revoked, expired, malformed key; bad password; bad token)
    RateLimited, // a request was refused by a rate-limit policy
    Lockout, // an identifier or source address was locked after repeated failures
    Unlock, // a lock ended: by an operator, or its wait ran out
    KeyIssued,
    KeyRevoked,
    KeyRotated,
    KeyExpired,
    ClientRegistered,
    ClientSecretRotated,
    TokenRevoked,
    RefreshReuse, // a refresh token was presented again after it had been exchanged
    CodeReuse, // an authorization code was presented twice
    SuspiciousRequest,
    ConfigChanged,
    StoreDegraded, // a shared store (Redis, PostgreSQL) failed; the event says what the instance does meanwhile
    StoreRecovered,
    EventsDropped, // the event bus could not keep up and dropped events; the event says how many
    AlertRaised, // an alert rule fired
};

enum class Severity
{
    Info,
    Notice,
    Warning,
    Critical,
};

// One security decision or operation, as the monitor records it. It never holds a secret: keys and clients by
// their public ids only. Text that can come from a request (subjects, route, reason, detail) is made safe by
// normalized() before anyone sees it: control characters, line breaks and bidirectional overrides escaped, each
// field bounded in length, and credentials in the route or detail masked.
struct SecurityEvent
{
    qint64 timeMs = 0; // UTC, milliseconds since the epoch
    EventType type = EventType::SuspiciousRequest;
    Severity severity = Severity::Info;
    QString sourceAddress;
    QString keyId;
    QString clientId;
    QString user;
    QString reason; // a short stable code: "unknown_key", "limit_exceeded", "max_failures", …
    QString route; // the request's method and path, when there was a request ("GET /v1/items")
    QString detail; // a plain sentence for the operator
    QString instanceId; // which Portcullis instance saw it

    // Whether `subject` is one of the event's subjects (source address, key id, client id or user).
    [[nodiscard]] bool hasSubject(QStringView subject) const;
    // The first subject that is set, in the order user, client id, key id, source address; empty if none.
    [[nodiscard]] QString mainSubject() const;

    friend bool operator==(const SecurityEvent &, const SecurityEvent &) = default;
};

[[nodiscard]] QString eventTypeName(EventType type); // "failed_auth", "rate_limited", …
[[nodiscard]] std::optional<EventType> eventTypeFromName(QStringView name);
[[nodiscard]] QString severityName(Severity severity); // "info", "notice", "warning", "critical"
[[nodiscard]] std::optional<Severity> severityFromName(QStringView name);
// The severity an event of this type has unless its producer says otherwise.
[[nodiscard]] Severity defaultSeverity(EventType type);

// The event with every text field made safe (see SecurityEvent). Applying it twice changes nothing more.
[[nodiscard]] SecurityEvent normalized(SecurityEvent event);

// JSON with stable member names: time (RFC 3339, UTC, milliseconds), type, severity, source, key_id, client_id,
// user, reason, route, detail, instance. Empty fields are left out.
[[nodiscard]] QJsonObject toJson(const SecurityEvent &event);
// The event in `object`, normalized; nullopt when the time, type or severity is missing or unknown (an event
// from a newer Portcullis, or not an event at all).
[[nodiscard]] std::optional<SecurityEvent> fromJson(const QJsonObject &object);

// The time as the JSON and CSV forms write it: "2026-11-29T08:15:02.123Z".
[[nodiscard]] QString formatTime(qint64 timeMs);

} // namespace portcullis::monitor

Q_DECLARE_METATYPE(portcullis::monitor::SecurityEvent)
