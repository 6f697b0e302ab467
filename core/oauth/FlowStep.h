#pragma once

#include <chrono>
#include <optional>

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "common/Error.h"
#include "net/HttpExchange.h"
#include "oauth/IdTokenCheck.h"

namespace portcullis::oauth {

// The steps of an authorization-code + PKCE flow, in order; the last four run on demand once tokens exist.
enum class FlowStep
{
    Discover, // fetch and check the provider's metadata (or take the manual endpoints), then the capability check
    Prepare, // PKCE S256 verifier and challenge, state, nonce
    Listen, // arm the loopback redirect listener
    OpenBrowser, // announce the authorization URL for the system browser
    Callback, // wait for the browser to come back to the listener
    CheckCallback, // state, iss (RFC 9207), error responses, the code
    Redeem, // exchange the code at the token endpoint
    CheckTokens, // the ID token: signature through the JWKS, iss, aud, nonce, exp, iat, at_hash
    Refresh,
    UserInfo,
    Introspect,
    Revoke,
};

enum class StepStatus
{
    Running,
    Passed,
    Warning, // passed, with something the operator should know (a capability mismatch, a missing feature)
    Failed,
};

// "discover", "check_callback" …: stable, for JSON and the CLI.
[[nodiscard]] QString stepName(FlowStep step);
// "Discover the provider", for people.
[[nodiscard]] QString stepTitle(FlowStep step);
[[nodiscard]] QString statusName(StepStatus status);
[[nodiscard]] std::optional<FlowStep> stepFromName(QStringView name);

// What one run of a step did: its HTTP legs, its checks, and a plain explanation.
struct StepRecord
{
    FlowStep step = FlowStep::Discover;
    StepStatus status = StepStatus::Running;
    QDateTime startedAt;
    std::chrono::milliseconds elapsed {0};
    QString summary; // one line
    QStringList notes; // explanations, warnings, what was rejected on the way
    QList<net::HttpExchange> exchanges;
    QList<TokenCheck> checks;
    std::optional<Error> error; // set when Failed: what went wrong and the likely cause

    // The record as JSON; exchanges masked unless `includeSecrets`.
    [[nodiscard]] QJsonObject toJson(bool includeSecrets = false) const;
};

} // namespace portcullis::oauth
