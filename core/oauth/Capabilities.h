#pragma once

#include <optional>

#include <QList>
#include <QString>
#include <QStringList>

#include "crypto/Jwa.h"
#include "oauth/ClientAuthMethod.h"

namespace portcullis::oauth {

struct ProviderMetadata;

// What a flow is about to ask of a provider, to hold against what the provider says it supports.
struct FlowPlan
{
    ClientAuthMethod authMethod = ClientAuthMethod::None;
    QStringList scopes;
    bool openId = false; // an OpenID Connect flow, an ID token expected; "openid" among scopes counts as well
    bool wantsRefresh = false;
    std::optional<crypto::Algorithm> assertionAlgorithm; // for private_key_jwt
};

// One way the plan and the provider's metadata disagree. `topic` is a stable identifier for grouping and tests
// ("pkce", "client-authentication", "grant-type", "response-type", "response-mode", "refresh", "id-token",
// "openid", "scopes", "assertion-algorithm", "iss-parameter", "metadata"); `explanation` is the sentence shown.
struct CapabilityWarning
{
    QString topic;
    QString explanation;
};

// Every mismatch between `plan` and `metadata`, one warning each, in a fixed order. Warnings, not errors: metadata
// is often incomplete or out of date, so the flow can still start, and the operator learns beforehand why it may
// fail. Nothing here changes what the flow sends (it never falls back from S256 to plain, for one).
[[nodiscard]] QList<CapabilityWarning> checkCapabilities(const ProviderMetadata &metadata, const FlowPlan &plan);

} // namespace portcullis::oauth
