#include "monitor/Alert.h"

#include <QJsonArray>

namespace portcullis::monitor {

QJsonObject toJson(const Alert &alert)
{
    QJsonArray samples;
    for (const SecurityEvent &event : alert.samples)
        samples.append(toJson(event));
    QJsonObject object {
        {QStringLiteral("version"), 1},
        {QStringLiteral("id"), alert.id},
        {QStringLiteral("rule"), alert.rule},
        {QStringLiteral("severity"), severityName(alert.severity)},
        {QStringLiteral("type"), eventTypeName(alert.type)},
        {QStringLiteral("per"), groupingName(alert.per)},
        {QStringLiteral("count"), alert.count},
        {QStringLiteral("threshold"), alert.threshold},
        {QStringLiteral("window_seconds"), qint64(alert.window.count() / 1000)},
        {QStringLiteral("suppressed"), alert.suppressed},
        {QStringLiteral("first_event"), formatTime(alert.firstEventMs)},
        {QStringLiteral("last_event"), formatTime(alert.lastEventMs)},
        {QStringLiteral("raised_at"), formatTime(alert.raisedAtMs)},
        {QStringLiteral("summary"), alert.summary},
        {QStringLiteral("samples"), samples},
    };
    if (alert.per != AlertGrouping::Global)
        object.insert(QStringLiteral("subject"), alert.subject);
    return object;
}

} // namespace portcullis::monitor
