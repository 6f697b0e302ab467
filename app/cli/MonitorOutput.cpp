#include "MonitorOutput.h"

#include <QStringBuilder>

#include "jose/JsonWriter.h"

namespace portcullis::cli::monitoroutput {

namespace {

void addPart(QString &line, QStringView name, const QString &value)
{
    if (!value.isEmpty())
        line += u"  " % name % u'=' % value;
}

} // namespace

QString eventLine(const monitor::SecurityEvent &event)
{
    QString line = monitor::formatTime(event.timeMs) % u"  " % monitor::severityName(event.severity).leftJustified(8)
        % u' ' % monitor::eventTypeName(event.type).leftJustified(21);
    addPart(line, u"user", event.user);
    addPart(line, u"client", event.clientId);
    addPart(line, u"key", event.keyId);
    addPart(line, u"source", event.sourceAddress);
    addPart(line, u"reason", event.reason);
    addPart(line, u"route", event.route.isEmpty() ? QString() : u'"' % event.route % u'"');
    if (!event.detail.isEmpty())
        line += u"  " % event.detail;
    if (!event.instanceId.isEmpty())
        line += u"  [" % event.instanceId % u']';
    return line;
}

void writeLockout(jose::JsonWriter &writer, const monitor::FailedAuthTracker::Lockout &lockout)
{
    writer.key("kind").value(monitor::subjectKindName(lockout.kind));
    writer.key("subject").value(lockout.subject);
    writer.key("failures").value(lockout.failures);
    writer.key("locked_since").value(monitor::formatTime(lockout.lockedSinceMs));
    writer.key("locked_until");
    if (lockout.permanent)
        writer.null();
    else
        writer.value(monitor::formatTime(lockout.lockedUntilMs));
    writer.key("permanent").value(lockout.permanent);
    writer.key("reason").value(lockout.reason);
    writer.key("last_source").value(lockout.lastSource);
}

QString lockoutHeader()
{
    return QStringLiteral("KIND     SUBJECT                          FAILURES  LOCKED SINCE              UNTIL"
                          "                     REASON                  LAST SOURCE");
}

QString lockoutLine(const monitor::FailedAuthTracker::Lockout &lockout)
{
    const QString until = lockout.permanent ? QStringLiteral("permanent") : monitor::formatTime(lockout.lockedUntilMs);
    return monitor::subjectKindName(lockout.kind).leftJustified(8) % u' ' % lockout.subject.leftJustified(32) % u' '
        % QString::number(lockout.failures).leftJustified(9) % u' ' % monitor::formatTime(lockout.lockedSinceMs) % u"  "
        % until.leftJustified(24) % u"  " % lockout.reason.leftJustified(22) % u"  " % lockout.lastSource;
}

} // namespace portcullis::cli::monitoroutput
