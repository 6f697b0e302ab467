#include "FlowOutput.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>

#include "net/HttpRedaction.h"

namespace portcullis::cli::flowoutput {

namespace {

QString statusMark(oauth::StepStatus status)
{
    switch (status) {
    case oauth::StepStatus::Passed:
        return QStringLiteral("ok");
    case oauth::StepStatus::Warning:
        return QStringLiteral("ok, with warnings");
    case oauth::StepStatus::Failed:
        return QStringLiteral("FAILED");
    case oauth::StepStatus::Running:
        break;
    }
    return QStringLiteral("running");
}

// A JSON value on one line: strings as they are, anything else as compact JSON.
QString valueText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    // QJsonDocument holds only objects and arrays: wrap the value in an array and take the brackets off again.
    const QByteArray json = value.isObject()
        ? QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)
        : QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact).mid(1).chopped(1);
    return QString::fromUtf8(json);
}

QString masked(const QByteArray &token)
{
    return QString::fromLatin1(net::redact::maskValue(token));
}

} // namespace

void printStep(Io &io, const oauth::StepRecord &record)
{
    io.out << "== " << oauth::stepTitle(record.step) << ": " << statusMark(record.status) << " ("
           << record.elapsed.count() << " ms)\n";
    io.out << "   " << record.summary << "\n";
    for (const net::HttpExchange &raw : record.exchanges) {
        const net::HttpExchange exchange = raw.masked();
        io.out << "   > " << exchange.request.method << ' ' << exchange.request.url.toString(QUrl::FullyEncoded)
               << "\n";
        if (exchange.hasResponse())
            io.out << "   < HTTP " << exchange.status << " (" << exchange.elapsed.count() << " ms, "
                   << exchange.responseBody.size() << " bytes)\n";
        else
            io.out << "   < no answer: " << exchange.transportError << "\n";
    }
    for (const oauth::TokenCheck &check : record.checks)
        io.out << "   [" << (check.passed ? "pass" : "FAIL") << "] " << check.name << ": " << check.explanation << "\n";
    for (const QString &note : record.notes)
        io.out << "   - " << note << "\n";
    if (record.error)
        io.out << "   error: " << record.error->id() << "\n";
    io.out.flush();
}

void printStepJson(Io &io, const oauth::StepRecord &record)
{
    io.out << QJsonDocument(record.toJson(false)).toJson(QJsonDocument::Compact) << "\n";
    io.out.flush();
}

QJsonObject resultSummary(const oauth::FlowSession &session)
{
    const oauth::FlowTokens &tokens = session.tokens();
    QJsonObject summary {{QStringLiteral("ok"), session.succeeded()}};
    if (session.metadata() && !session.metadata()->issuer.isEmpty())
        summary.insert(QStringLiteral("issuer"), session.metadata()->issuer);
    if (!session.records().isEmpty()) {
        const oauth::StepRecord &last = session.records().last();
        summary.insert(QStringLiteral("last_step"), oauth::stepName(last.step));
        if (last.error)
            summary.insert(QStringLiteral("error"), last.error->id());
    }
    const QJsonObject claims = QJsonDocument::fromJson(session.idTokenClaims()).object();
    if (claims.contains(QStringLiteral("sub")))
        summary.insert(QStringLiteral("sub"), claims.value(QStringLiteral("sub")));
    if (!tokens.isEmpty()) {
        summary.insert(QStringLiteral("scope"), tokens.scope);
        summary.insert(QStringLiteral("refresh_token"), !tokens.refreshToken.isEmpty());
        if (tokens.expiresAt.isValid())
            summary.insert(QStringLiteral("expires_at"), tokens.expiresAt.toUTC().toString(Qt::ISODate));
    }
    return summary;
}

void printResult(Io &io, const oauth::FlowSession &session, bool asJson)
{
    const oauth::FlowTokens &tokens = session.tokens();
    const QJsonObject claims = QJsonDocument::fromJson(session.idTokenClaims()).object();
    if (asJson) {
        QJsonObject result = resultSummary(session);
        result.insert(QStringLiteral("result"), session.succeeded() ? QStringLiteral("ok") : QStringLiteral("failed"));
        if (!claims.isEmpty())
            result.insert(QStringLiteral("id_token_claims"), claims);
        io.out << QJsonDocument(result).toJson(QJsonDocument::Compact) << "\n";
        io.out.flush();
        return;
    }
    if (!tokens.isEmpty()) {
        io.out << "\nTokens (kept in the workspace's secret store; never printed):\n"
               << "  access token   " << masked(tokens.accessToken) << ", " << tokens.tokenType;
        if (tokens.expiresAt.isValid())
            io.out << ", expires " << tokens.expiresAt.toUTC().toString(Qt::ISODate);
        io.out << "\n";
        if (!tokens.refreshToken.isEmpty())
            io.out << "  refresh token  " << masked(tokens.refreshToken) << "\n";
        if (!tokens.idToken.isEmpty())
            io.out << "  ID token       " << masked(tokens.idToken) << "\n";
        if (!tokens.scope.isEmpty())
            io.out << "  scope          " << tokens.scope << "\n";
    }
    if (!claims.isEmpty())
        io.out << "\nID token claims:\n" << QJsonDocument(claims).toJson(QJsonDocument::Indented);
    io.out << (session.succeeded() ? "\nThe flow succeeded.\n" : "\nThe flow failed.\n");
    io.out.flush();
}

void printProfile(Io &io, const engine::FlowProfiles::Row &row, bool hasSecret, bool asJson)
{
    QJsonObject object = row.profile.toJson();
    object.insert(QStringLiteral("client_secret"),
                  hasSecret ? QStringLiteral("saved in the secret store") : QStringLiteral("none"));
    if (row.lastRunMs > 0) {
        object.insert(QStringLiteral("last_run"),
                      QDateTime::fromMSecsSinceEpoch(row.lastRunMs, Qt::UTC).toString(Qt::ISODate));
        object.insert(QStringLiteral("last_result"), row.lastResult);
    }
    if (asJson) {
        io.out << QJsonDocument(object).toJson(QJsonDocument::Compact) << "\n";
    } else {
        for (auto it = object.constBegin(); it != object.constEnd(); ++it)
            io.out << "  " << it.key().leftJustified(24) << ' ' << valueText(it.value()) << "\n";
    }
    io.out.flush();
}

} // namespace portcullis::cli::flowoutput
