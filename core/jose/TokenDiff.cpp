#include "jose/TokenDiff.h"

#include "common/Redaction.h"
#include "jose/TimeText.h"

namespace portcullis::jose {

namespace {

bool isTimeClaim(QByteArrayView name)
{
    return name == "exp" || name == "iat" || name == "nbf" || name == "auth_time";
}

QString display(QByteArrayView name, const JsonValue &value)
{
    QString text = redaction::escapeUntrusted(QString::fromUtf8(value.rawText()), 200);
    if (isTimeClaim(name) && value.isNumber()) {
        if (const auto seconds = value.toInt64())
            text += QStringLiteral(" (%1)").arg(timetext::utc(*seconds));
    }
    return text;
}

void diffObjects(const QString &section, const JsonValue &a, const JsonValue &b, QList<DiffEntry> &out)
{
    for (qsizetype i = 0; i < a.size(); ++i) {
        const QByteArray name = a.memberName(i);
        const QString shownName = redaction::escapeUntrusted(QString::fromUtf8(name), 80);
        const JsonValue before = a.memberValue(i);
        const auto after = b.member(name);
        if (!after)
            out.append({section, shownName, DiffEntry::Change::Removed, display(name, before), QString()});
        else if (before.rawText() != after->rawText() && before.toPrettyJson(0) != after->toPrettyJson(0))
            out.append({section, shownName, DiffEntry::Change::Changed, display(name, before), display(name, *after)});
    }
    for (qsizetype i = 0; i < b.size(); ++i) {
        const QByteArray name = b.memberName(i);
        if (!a.member(name))
            out.append({section, redaction::escapeUntrusted(QString::fromUtf8(name), 80), DiffEntry::Change::Added,
                        QString(), display(name, b.memberValue(i))});
    }
}

} // namespace

QString TokenDiff::changeName(DiffEntry::Change change)
{
    switch (change) {
    case DiffEntry::Change::Added:
        return QStringLiteral("added");
    case DiffEntry::Change::Removed:
        return QStringLiteral("removed");
    case DiffEntry::Change::Changed:
        break;
    }
    return QStringLiteral("changed");
}

QList<DiffEntry> TokenDiff::diff(const CompactJws &a, const CompactJws &b)
{
    QList<DiffEntry> out;
    diffObjects(QStringLiteral("header"), a.header().root(), b.header().root(), out);
    if (a.claims() && b.claims()) {
        diffObjects(QStringLiteral("claims"), a.claims()->root(), b.claims()->root(), out);
    } else if (a.payload() != b.payload()) {
        out.append({QStringLiteral("payload"), QStringLiteral("(bytes)"), DiffEntry::Change::Changed,
                    QStringLiteral("%1 bytes").arg(a.payload().size()),
                    QStringLiteral("%1 bytes").arg(b.payload().size())});
    }
    return out;
}

} // namespace portcullis::jose
