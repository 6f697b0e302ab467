#pragma once

#include <optional>

#include <QByteArrayView>
#include <QList>
#include <QUrl>

#include "common/Result.h"
#include "crypto/SecretBytes.h"
#include "monitor/AlertRule.h"
#include "monitor/WebhookPayload.h"

namespace portcullis::store {
class Database;
class SecretStore;
} // namespace portcullis::store

namespace portcullis::engine::alertsettings {

// Where a workspace's alerts go besides its log and the console: one webhook. Its URL often carries a token
// (Slack's do), so the whole setting lives in the secret store, never in the database.
struct Webhook
{
    QUrl url;
    monitor::WebhookFormat format = monitor::WebhookFormat::Generic;
    crypto::SecretBytes signingSecret; // empty: requests are not signed
};

// nullopt when none is set.
[[nodiscard]] Result<std::optional<Webhook>> readWebhook(store::SecretStore &secrets);
// Checks the URL (https, or http to a loopback address) and the secret's length first.
[[nodiscard]] Result<void> writeWebhook(store::SecretStore &secrets, const Webhook &webhook);
[[nodiscard]] Result<void> removeWebhook(store::SecretStore &secrets);

// The workspace's alert rules: those set with writeRules(), or AlertRule::defaults().
[[nodiscard]] Result<QList<monitor::AlertRule>> readRules(const store::Database &database);
// Whether the rules in use are the defaults.
[[nodiscard]] Result<bool> usesDefaultRules(const store::Database &database);
// Validates `json` (AlertRule::parseConfig) and keeps it; the rules apply to monitors opened from then on.
[[nodiscard]] Result<QList<monitor::AlertRule>> writeRules(const store::Database &database, QByteArrayView json);
// Back to the defaults.
[[nodiscard]] Result<void> resetRules(const store::Database &database);

} // namespace portcullis::engine::alertsettings
