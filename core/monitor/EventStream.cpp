#include "monitor/EventStream.h"

#include <algorithm>

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QStringBuilder>

#include "common/Redaction.h"
#include "monitor/EventStreamError.h"

namespace portcullis::monitor::eventstream {

namespace {

constexpr qsizetype MAX_ID_NUMBER_DIGITS = 20; // 2^64 - 1 has 20 digits

std::optional<quint64> number(QByteArrayView digits)
{
    if (digits.isEmpty() || digits.size() > MAX_ID_NUMBER_DIGITS)
        return std::nullopt;
    for (const char c : digits)
        if (c < '0' || c > '9')
            return std::nullopt;
    bool ok = false;
    const quint64 value = digits.toULongLong(&ok);
    return ok ? std::optional(value) : std::nullopt;
}

bool isKeyCharacter(char16_t c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') || c == u':' || c == u'.'
        || c == u'_' || c == u'-';
}

} // namespace

std::optional<StreamId> parseStreamId(QByteArrayView id)
{
    const qsizetype dash = id.indexOf('-');
    if (dash < 0)
        return std::nullopt;
    const auto ms = number(id.first(dash));
    const auto seq = number(id.sliced(dash + 1));
    if (!ms || !seq)
        return std::nullopt;
    return StreamId {*ms, *seq};
}

Result<QByteArray> checkedKey(QStringView key)
{
    const bool valid = !key.isEmpty() && key.size() <= MAX_KEY_LENGTH
        && std::all_of(key.begin(), key.end(), [](QChar c) { return isKeyCharacter(c.unicode()); });
    if (!valid)
        return Error(EventStreamError::InvalidKey,
                     u"The event stream key \"" % redaction::escapeUntrusted(key, 80) % u"\" is not valid: use 1 to "
                         % QString::number(MAX_KEY_LENGTH)
                         % u" characters from A-Z, a-z, 0-9, ':', '.', '_' and '-' (the default is "
                         % QString(DEFAULT_KEY) % u").");
    return key.toLatin1();
}

Result<QByteArray> checkedStartId(QStringView id)
{
    const QByteArray bytes = id.toLatin1();
    if (id.size() <= 2 * MAX_ID_NUMBER_DIGITS + 1 && (bytes == "$" || parseStreamId(bytes) || number(bytes)))
        return bytes;
    return Error(EventStreamError::InvalidStartId,
                 u"The event stream start \"" % redaction::escapeUntrusted(id, 80)
                     % u"\" is not valid: use \"$\" for new events only, \"0\" for every event the stream still "
                       u"holds, or a stream id such as \"1718000000000-0\" to continue after it.");
}

QByteArray encodeEvent(const SecurityEvent &event)
{
    return QJsonDocument(toJson(normalized(event))).toJson(QJsonDocument::Compact);
}

std::optional<SecurityEvent> decodeEvent(QByteArrayView value)
{
    if (value.isEmpty() || value.size() > MAX_ENTRY_BYTES)
        return std::nullopt;
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(value.toByteArray(), &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return fromJson(document.object());
}

} // namespace portcullis::monitor::eventstream
