#include "oauth/FlowStep.h"

#include <QJsonArray>

namespace portcullis::oauth {

namespace {

struct StepNames
{
    FlowStep step;
    const char *name;
    const char *title;
};

constexpr StepNames STEPS[] = {
    {FlowStep::Discover, "discover", "Discover the provider"},
    {FlowStep::Prepare, "prepare", "Prepare PKCE, state and nonce"},
    {FlowStep::Listen, "listen", "Arm the loopback listener"},
    {FlowStep::OpenBrowser, "open_browser", "Open the browser"},
    {FlowStep::Callback, "callback", "Receive the callback"},
    {FlowStep::CheckCallback, "check_callback", "Check the callback"},
    {FlowStep::Redeem, "redeem", "Redeem the code"},
    {FlowStep::CheckTokens, "check_tokens", "Check the tokens"},
    {FlowStep::Refresh, "refresh", "Refresh the tokens"},
    {FlowStep::UserInfo, "userinfo", "Ask for user info"},
    {FlowStep::Introspect, "introspect", "Introspect the access token"},
    {FlowStep::Revoke, "revoke", "Revoke the token"},
};

} // namespace

QString stepName(FlowStep step)
{
    for (const StepNames &names : STEPS) {
        if (names.step == step)
            return QLatin1String(names.name);
    }
    return QStringLiteral("unknown");
}

QString stepTitle(FlowStep step)
{
    for (const StepNames &names : STEPS) {
        if (names.step == step)
            return QLatin1String(names.title);
    }
    return QStringLiteral("Unknown step");
}

QString statusName(StepStatus status)
{
    switch (status) {
    case StepStatus::Running:
        return QStringLiteral("running");
    case StepStatus::Passed:
        return QStringLiteral("passed");
    case StepStatus::Warning:
        return QStringLiteral("warning");
    case StepStatus::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("unknown");
}

std::optional<FlowStep> stepFromName(QStringView name)
{
    for (const StepNames &names : STEPS) {
        if (name == QLatin1String(names.name))
            return names.step;
    }
    return std::nullopt;
}

QJsonObject StepRecord::toJson(bool includeSecrets) const
{
    QJsonObject object {
        {QStringLiteral("step"), stepName(step)},
        {QStringLiteral("status"), statusName(status)},
        {QStringLiteral("started_at"), startedAt.toUTC().toString(Qt::ISODateWithMs)},
        {QStringLiteral("elapsed_ms"), static_cast<qint64>(elapsed.count())},
        {QStringLiteral("summary"), summary},
    };
    if (!notes.isEmpty())
        object.insert(QStringLiteral("notes"), QJsonArray::fromStringList(notes));
    if (!checks.isEmpty()) {
        QJsonArray array;
        for (const TokenCheck &check : checks)
            array.append(QJsonObject {{QStringLiteral("name"), check.name},
                                      {QStringLiteral("passed"), check.passed},
                                      {QStringLiteral("explanation"), check.explanation}});
        object.insert(QStringLiteral("checks"), array);
    }
    if (!exchanges.isEmpty()) {
        QJsonArray array;
        for (const net::HttpExchange &exchange : exchanges)
            array.append(exchange.toJson(includeSecrets));
        object.insert(QStringLiteral("http"), array);
    }
    if (error)
        object.insert(QStringLiteral("error"),
                      QJsonObject {{QStringLiteral("code"), error->id()}, {QStringLiteral("detail"), error->detail()}});
    return object;
}

} // namespace portcullis::oauth
