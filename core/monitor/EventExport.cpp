#include "monitor/EventExport.h"

#include <QIODevice>
#include <QJsonDocument>
#include <QStringBuilder>

#include "monitor/EventLogError.h"

namespace portcullis::monitor {

namespace {

bool looksLikeFormula(const QString &field)
{
    if (field.isEmpty())
        return false;
    const QChar first = field.front();
    return first == u'=' || first == u'+' || first == u'-' || first == u'@' || first == u'\t' || first == u'\r';
}

void appendField(QByteArray &out, const QString &value)
{
    const QString field = looksLikeFormula(value) ? u'\'' + value : value;
    const bool quote = field.contains(u',') || field.contains(u'"') || field.contains(u'\n') || field.contains(u'\r');
    if (!quote) {
        out += field.toUtf8();
        return;
    }
    out += '"';
    out += QString(field).replace(u'"', QStringLiteral("\"\"")).toUtf8();
    out += '"';
}

Result<void> writeAll(QIODevice &out, const QByteArray &data)
{
    if (out.write(data) != data.size())
        return Error(EventLogError::ExportFailed,
                     u"The export could not be written: " % out.errorString()
                         % u". Check that the target is writable and has free space.");
    return {};
}

} // namespace

QByteArray csvHeader()
{
    return QByteArrayLiteral("time,type,severity,source,key_id,client_id,user,reason,route,detail,instance\r\n");
}

QByteArray csvRow(const SecurityEvent &event)
{
    QByteArray out;
    out.reserve(128);
    const QString fields[] = {formatTime(event.timeMs),
                              eventTypeName(event.type),
                              severityName(event.severity),
                              event.sourceAddress,
                              event.keyId,
                              event.clientId,
                              event.user,
                              event.reason,
                              event.route,
                              event.detail,
                              event.instanceId};
    for (const QString &field : fields) {
        if (&field != &fields[0])
            out += ',';
        appendField(out, field);
    }
    out += "\r\n";
    return out;
}

QByteArray jsonLine(const SecurityEvent &event)
{
    QByteArray out = QJsonDocument(toJson(event)).toJson(QJsonDocument::Compact);
    out += '\n';
    return out;
}

Result<qint64> exportEvents(const EventLog &log, const EventQuery &query, QIODevice &out, const ExportOptions &options)
{
    const bool csv = options.format == ExportFormat::Csv;
    if (csv) {
        if (auto written = writeAll(out, csvHeader()); !written)
            return written.error();
    }
    qint64 total = 0;
    return log.forEach(query, options.pageSize, [&](const QList<LoggedEvent> &page) -> Result<void> {
        QByteArray chunk;
        for (const LoggedEvent &logged : page)
            chunk += csv ? csvRow(logged.event) : jsonLine(logged.event);
        if (auto written = writeAll(out, chunk); !written)
            return written;
        total += page.size();
        if (options.onPage)
            options.onPage(total);
        return {};
    });
}

} // namespace portcullis::monitor
