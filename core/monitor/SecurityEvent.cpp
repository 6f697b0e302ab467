#include "monitor/SecurityEvent.h"

#include <array>
#include <utility>

#include <QDateTime>
#include <QJsonValue>

#include "common/Redaction.h"

namespace portcullis::monitor {

namespace {

struct TypeInfo
{
    EventType type;
    const char16_t *name;
    Severity severity;
};

constexpr std::array TYPES = {
    TypeInfo {EventType::FailedAuth, u"failed_auth", Severity::Notice},
    TypeInfo {EventType::RateLimited, u"rate_limited", Severity::Notice},
    TypeInfo {EventType::Lockout, u"lockout", Severity::Warning},
    TypeInfo {EventType::Unlock, u"unlock", Severity::Info},
    TypeInfo {EventType::KeyIssued, u"key_issued", Severity::Info},
    TypeInfo {EventType::KeyRevoked, u"key_revoked", Severity::Notice},
    TypeInfo {EventType::KeyRotated, u"key_rotated", Severity::Info},
    TypeInfo {EventType::KeyExpired, u"key_expired", Severity::Info},
    TypeInfo {EventType::ClientRegistered, u"client_registered", Severity::Info},
    TypeInfo {EventType::ClientSecretRotated, u"client_secret_rotated", Severity::Info},
    TypeInfo {EventType::TokenRevoked, u"token_revoked", Severity::Info},
    TypeInfo {EventType::RefreshReuse, u"refresh_reuse", Severity::Critical},
    TypeInfo {EventType::CodeReuse, u"code_reuse", Severity::Critical},
    TypeInfo {EventType::SuspiciousRequest, u"suspicious_request", Severity::Warning},
    TypeInfo {EventType::ConfigChanged, u"config_changed", Severity::Notice},
    TypeInfo {EventType::StoreDegraded, u"store_degraded", Severity::Critical},
    TypeInfo {EventType::StoreRecovered, u"store_recovered", Severity::Notice},
    TypeInfo {EventType::EventsDropped, u"events_dropped", Severity::Warning},
    TypeInfo {EventType::AlertRaised, u"alert_raised", Severity::Warning},
};

constexpr std::array<const char16_t *, 4> SEVERITIES = {u"info", u"notice", u"warning", u"critical"};

const TypeInfo &info(EventType type)
{
    return TYPES[std::size_t(type)];
}

// Field bounds: generous for anything legitimate, small enough that a hostile request cannot bloat the log.
constexpr qsizetype MAX_SUBJECT = 256;
constexpr qsizetype MAX_REASON = 64;
constexpr qsizetype MAX_ROUTE = 512;
constexpr qsizetype MAX_DETAIL = 1024;

bool isUnsafe(char16_t c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || (c >= 0x200E && c <= 0x200F)
        || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x2028 || c == 0x2029
        || QChar::isSurrogate(c);
}

// Escapes what must not reach a terminal, a log line or a table cell, and bounds the length. Unlike
// redaction::escapeUntrusted it leaves backslashes alone and cuts to a fixed size, so a second pass (an event
// read back from the log or the stream) changes nothing.
QString cleanText(const QString &text, qsizetype maxLength)
{
    bool clean = text.size() <= maxLength;
    for (qsizetype i = 0; clean && i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
        else if (isUnsafe(c))
            clean = false;
    }
    if (clean)
        return text;
    QString out;
    out.reserve(std::min(text.size(), maxLength) + 8);
    for (qsizetype i = 0; i < text.size() && out.size() < maxLength; ++i) {
        const char16_t c = text[i].unicode();
        if (QChar::isHighSurrogate(c) && i + 1 < text.size() && text[i + 1].isLowSurrogate()) {
            out += text[i];
            out += text[++i];
        } else if (c == u'\n') {
            out += u"\\n";
        } else if (c == u'\r') {
            out += u"\\r";
        } else if (c == u'\t') {
            out += u"\\t";
        } else if (isUnsafe(c)) {
            out += (c < 0x100 ? QStringLiteral("\\x") + QString::number(c, 16).rightJustified(2, u'0')
                              : QStringLiteral("\\u") + QString::number(c, 16).rightJustified(4, u'0'));
        } else {
            out += QChar(c);
        }
    }
    if (out.size() >= maxLength) {
        out.truncate(maxLength - 1);
        if (!out.isEmpty() && out.back().isHighSurrogate())
            out.chop(1);
        out += u'…';
    }
    return out;
}

QString scrubbed(const QString &text, qsizetype maxLength)
{
    QString out = cleanText(text, maxLength);
    if (out.isEmpty())
        return out;
    QString safe = redaction::scrubSecrets(out);
    return safe == out ? out : cleanText(safe, maxLength);
}

void put(QJsonObject &object, const QString &name, const QString &value)
{
    if (!value.isEmpty())
        object.insert(name, value);
}

} // namespace

bool SecurityEvent::hasSubject(QStringView subject) const
{
    return !subject.isEmpty()
        && (sourceAddress == subject || keyId == subject || clientId == subject || user == subject);
}

QString SecurityEvent::mainSubject() const
{
    for (const QString *subject : {&user, &clientId, &keyId, &sourceAddress})
        if (!subject->isEmpty())
            return *subject;
    return {};
}

QString eventTypeName(EventType type)
{
    return QString::fromUtf16(info(type).name);
}

std::optional<EventType> eventTypeFromName(QStringView name)
{
    for (const TypeInfo &type : TYPES)
        if (name == QStringView(type.name))
            return type.type;
    return std::nullopt;
}

QString severityName(Severity severity)
{
    return QString::fromUtf16(SEVERITIES[std::size_t(severity)]);
}

std::optional<Severity> severityFromName(QStringView name)
{
    for (std::size_t i = 0; i < SEVERITIES.size(); ++i)
        if (name == QStringView(SEVERITIES[i]))
            return Severity(i);
    return std::nullopt;
}

Severity defaultSeverity(EventType type)
{
    return info(type).severity;
}

SecurityEvent normalized(SecurityEvent event)
{
    event.sourceAddress = cleanText(event.sourceAddress, MAX_SUBJECT);
    event.keyId = cleanText(event.keyId, MAX_SUBJECT);
    event.clientId = cleanText(event.clientId, MAX_SUBJECT);
    event.user = cleanText(event.user, MAX_SUBJECT);
    event.reason = cleanText(event.reason, MAX_REASON);
    event.route = scrubbed(event.route, MAX_ROUTE);
    event.detail = scrubbed(event.detail, MAX_DETAIL);
    event.instanceId = cleanText(event.instanceId, MAX_SUBJECT);
    return event;
}

QString formatTime(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

QJsonObject toJson(const SecurityEvent &event)
{
    QJsonObject object;
    object.insert(QStringLiteral("time"), formatTime(event.timeMs));
    object.insert(QStringLiteral("type"), eventTypeName(event.type));
    object.insert(QStringLiteral("severity"), severityName(event.severity));
    put(object, QStringLiteral("source"), event.sourceAddress);
    put(object, QStringLiteral("key_id"), event.keyId);
    put(object, QStringLiteral("client_id"), event.clientId);
    put(object, QStringLiteral("user"), event.user);
    put(object, QStringLiteral("reason"), event.reason);
    put(object, QStringLiteral("route"), event.route);
    put(object, QStringLiteral("detail"), event.detail);
    put(object, QStringLiteral("instance"), event.instanceId);
    return object;
}

std::optional<SecurityEvent> fromJson(const QJsonObject &object)
{
    const QDateTime time = QDateTime::fromString(object.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    const auto type = eventTypeFromName(object.value(QStringLiteral("type")).toString());
    const auto severity = severityFromName(object.value(QStringLiteral("severity")).toString());
    if (!time.isValid() || !type || !severity)
        return std::nullopt;
    const auto text = [&object](const char *name) { return object.value(QLatin1String(name)).toString(); };
    SecurityEvent event;
    event.timeMs = time.toMSecsSinceEpoch();
    event.type = *type;
    event.severity = *severity;
    event.sourceAddress = text("source");
    event.keyId = text("key_id");
    event.clientId = text("client_id");
    event.user = text("user");
    event.reason = text("reason");
    event.route = text("route");
    event.detail = text("detail");
    event.instanceId = text("instance");
    return normalized(std::move(event));
}

} // namespace portcullis::monitor
