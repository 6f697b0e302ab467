#include "KeysOutput.h"

#include <QStringBuilder>

#include "jose/JsonWriter.h"

namespace portcullis::cli::keysoutput {

namespace {

QString timeText(const QDateTime &time, const QString &none)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : none;
}

void writeTime(jose::JsonWriter &writer, const char *name, const QDateTime &time)
{
    writer.key(name);
    if (time.isValid())
        writer.value(time.toUTC().toString(Qt::ISODate));
    else
        writer.null();
}

// Names, owners and reasons are operator text, but may hold anything: keep one line per key.
QString oneLine(const QString &text)
{
    QString line = text;
    for (QChar &c : line) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            c = u'?';
    }
    return line;
}

} // namespace

void writeRecord(jose::JsonWriter &writer, const apikeys::ApiKeyRecord &record)
{
    writer.key("id").value(record.id);
    writer.key("hint").value(record.hint());
    writer.key("prefix").value(record.prefix);
    writer.key("name").value(record.name);
    writer.key("owner").value(record.owner);
    writer.key("description").value(record.description);
    writer.key("scopes").beginArray();
    for (const QString &scope : record.scopes)
        writer.value(scope);
    writer.endArray();
    writer.key("state").value(apikeys::stateName(record.state));
    writeTime(writer, "created", record.createdAt);
    writeTime(writer, "expires", record.expiresAt);
    writeTime(writer, "revoked", record.revokedAt);
    writer.key("revoked_reason");
    if (record.revokedReason.isEmpty())
        writer.null();
    else
        writer.value(record.revokedReason);
    writeTime(writer, "grace_ends", record.graceEndsAt);
    writer.key("replaced_by");
    if (record.replacedBy.isEmpty())
        writer.null();
    else
        writer.value(record.replacedBy);
    writeTime(writer, "last_used", record.lastUsedAt);
    writer.key("last_used_from");
    if (record.lastUsedFrom.isEmpty())
        writer.null();
    else
        writer.value(record.lastUsedFrom);
    writer.key("usage_count").value(record.usageCount);
}

QByteArray recordJson(const apikeys::ApiKeyRecord &record)
{
    jose::JsonWriter writer;
    writer.beginObject();
    writeRecord(writer, record);
    writer.endObject();
    return writer.take();
}

QByteArray listJson(const std::vector<apikeys::ApiKeyRecord> &records)
{
    jose::JsonWriter writer;
    writer.beginArray();
    for (const auto &record : records) {
        writer.beginObject();
        writeRecord(writer, record);
        writer.endObject();
    }
    writer.endArray();
    return writer.take();
}

void printTable(QTextStream &out, const std::vector<apikeys::ApiKeyRecord> &records)
{
    if (records.empty()) {
        out << "No API keys. Create one with 'portcullis-cli keys create --name NAME'.\n";
        return;
    }
    out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
               .arg(QStringLiteral("ID"), -20)
               .arg(QStringLiteral("KEY"), -17)
               .arg(QStringLiteral("STATE"), -8)
               .arg(QStringLiteral("CREATED"), -20)
               .arg(QStringLiteral("EXPIRES"), -20)
               .arg(QStringLiteral("USES"), 6)
               .arg(QStringLiteral("NAME"));
    for (const auto &record : records) {
        out << QStringLiteral("%1 %2 %3 %4 %5 %6 %7\n")
                   .arg(record.id, -20)
                   .arg(record.hint(), -17)
                   .arg(apikeys::stateName(record.state), -8)
                   .arg(timeText(record.createdAt, QStringLiteral("-")), -20)
                   .arg(timeText(record.expiresAt, QStringLiteral("never")), -20)
                   .arg(record.usageCount, 6)
                   .arg(oneLine(record.name));
    }
}

void printRecord(QTextStream &out, const apikeys::ApiKeyRecord &record)
{
    const auto line = [&](const char *label, const QString &value) {
        out << QStringLiteral("%1 %2\n").arg(QLatin1StringView(label), -15).arg(oneLine(value));
    };
    line("id", record.id);
    line("key", record.hint());
    line("name", record.name);
    line("owner", record.owner.isEmpty() ? QStringLiteral("-") : record.owner);
    line("description", record.description.isEmpty() ? QStringLiteral("-") : record.description);
    line("scopes", record.scopes.isEmpty() ? QStringLiteral("(none)") : record.scopes.join(u' '));
    line("state", apikeys::stateName(record.state));
    line("created", timeText(record.createdAt, QStringLiteral("-")));
    line("expires", timeText(record.expiresAt, QStringLiteral("never")));
    if (record.revokedAt.isValid())
        line("revoked", timeText(record.revokedAt, QString()) % u" (" % record.revokedReason % u')');
    if (record.graceEndsAt.isValid())
        line("grace ends", timeText(record.graceEndsAt, QString()));
    if (!record.replacedBy.isEmpty())
        line("replaced by", record.replacedBy);
    line("last used",
         record.lastUsedAt.isValid() ? timeText(record.lastUsedAt, QString()) % u" from "
                 % (record.lastUsedFrom.isEmpty() ? QStringLiteral("unknown") : record.lastUsedFrom)
                                     : QStringLiteral("never"));
    line("uses", QString::number(record.usageCount));
}

} // namespace portcullis::cli::keysoutput
