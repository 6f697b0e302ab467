#include "jose/TimeText.h"

#include <QDateTime>

namespace portcullis::jose::timetext {

QString utc(qint64 unixSeconds)
{
    const QDateTime time = QDateTime::fromSecsSinceEpoch(unixSeconds, Qt::UTC);
    if (!time.isValid())
        return QStringLiteral("%1 (out of range)").arg(unixSeconds);
    return time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QStringLiteral(" UTC");
}

QString span(qint64 seconds)
{
    const quint64 s = seconds < 0 ? 0 - static_cast<quint64>(seconds) : static_cast<quint64>(seconds);
    if (s < 60)
        return QStringLiteral("%1 s").arg(s);
    if (s < 3600)
        return QStringLiteral("%1 min").arg(s / 60);
    if (s < 86400) {
        const quint64 minutes = (s % 3600) / 60;
        return minutes ? QStringLiteral("%1 h %2 min").arg(s / 3600).arg(minutes)
                       : QStringLiteral("%1 h").arg(s / 3600);
    }
    const quint64 days = s / 86400;
    const quint64 hours = (s % 86400) / 3600;
    const QString dayText = days == 1 ? QStringLiteral("1 day") : QStringLiteral("%1 days").arg(days);
    return hours && days < 30 ? dayText + QStringLiteral(" %1 h").arg(hours) : dayText;
}

QString relative(qint64 unixSeconds, qint64 now)
{
    if (unixSeconds == now)
        return QStringLiteral("now");
    if (unixSeconds > now)
        return QStringLiteral("in ") + span(unixSeconds - now);
    return span(now - unixSeconds) + QStringLiteral(" ago");
}

} // namespace portcullis::jose::timetext
