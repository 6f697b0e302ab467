#include "engine/AlertSettings.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QStringBuilder>

#include "common/Error.h"
#include "monitor/AlertError.h"
#include "monitor/WebhookSink.h"
#include "store/Database.h"
#include "store/Meta.h"
#include "store/SecretStore.h"
#include "store/StoreError.h"

namespace portcullis::engine::alertsettings {

namespace {

const QString WEBHOOK_SECRET = QStringLiteral("monitor.alert-webhook");
const QString RULES_META = QStringLiteral("monitor.alert_rules");

QString formatName(monitor::WebhookFormat format)
{
    return format == monitor::WebhookFormat::Slack ? QStringLiteral("slack") : QStringLiteral("generic");
}

Result<void> check(const Webhook &webhook)
{
    if (auto valid = monitor::checkWebhookUrl(webhook.url); !valid)
        return valid.error();
    const std::size_t size = webhook.signingSecret.size();
    if (size != 0 && (size < monitor::WebhookSink::MIN_SECRET_BYTES || size > monitor::WebhookSink::MAX_SECRET_BYTES))
        return Error(monitor::AlertError::InvalidOption,
                     QStringLiteral("A webhook signing secret needs %1 to %2 bytes; make one with "
                                    "'openssl rand -base64 32'.")
                         .arg(monitor::WebhookSink::MIN_SECRET_BYTES)
                         .arg(monitor::WebhookSink::MAX_SECRET_BYTES));
    return {};
}

// The rules' JSON as kept; empty for the defaults.
Result<QString> storedRules(const store::Database &database)
{
    auto connection = database.connection();
    if (!connection)
        return connection.error();
    auto stored = store::meta::read(*connection, RULES_META);
    if (!stored)
        return stored.error();
    return stored->value_or(QString());
}

} // namespace

Result<std::optional<Webhook>> readWebhook(store::SecretStore &secrets)
{
    auto stored = secrets.read(WEBHOOK_SECRET);
    if (!stored) {
        if (stored.error().is(store::StoreError::SecretNotFound))
            return std::optional<Webhook>();
        return stored.error();
    }
    const QJsonObject object = QJsonDocument::fromJson(stored->view().toByteArray()).object();
    Webhook webhook;
    webhook.url = QUrl(object.value(QStringLiteral("url")).toString(), QUrl::StrictMode);
    webhook.format = object.value(QStringLiteral("format")).toString() == u"slack" ? monitor::WebhookFormat::Slack
                                                                                   : monitor::WebhookFormat::Generic;
    webhook.signingSecret = crypto::SecretBytes(
        QByteArray::fromBase64(object.value(QStringLiteral("signing_secret")).toString().toLatin1()));
    if (auto valid = check(webhook); !valid)
        return Error(monitor::AlertError::InvalidConfig,
                     u"The alert webhook kept in " % secrets.description() % u" is damaged (" % valid.error().detail()
                         % u"). Set it again with 'portcullis-cli monitor webhook set'.");
    return std::optional<Webhook>(std::move(webhook));
}

Result<void> writeWebhook(store::SecretStore &secrets, const Webhook &webhook)
{
    if (auto valid = check(webhook); !valid)
        return valid;
    QJsonObject object;
    object.insert(QStringLiteral("url"), webhook.url.toString(QUrl::FullyEncoded));
    object.insert(QStringLiteral("format"), formatName(webhook.format));
    if (webhook.signingSecret.size() > 0)
        object.insert(QStringLiteral("signing_secret"),
                      QString::fromLatin1(webhook.signingSecret.view().toByteArray().toBase64()));
    return secrets.write(WEBHOOK_SECRET, crypto::SecretBytes(QJsonDocument(object).toJson(QJsonDocument::Compact)));
}

Result<void> removeWebhook(store::SecretStore &secrets)
{
    auto removed = secrets.remove(WEBHOOK_SECRET);
    if (!removed && removed.error().is(store::StoreError::SecretNotFound))
        return {};
    return removed;
}

Result<QList<monitor::AlertRule>> readRules(const store::Database &database)
{
    auto stored = storedRules(database);
    if (!stored)
        return stored.error();
    if (stored->isEmpty())
        return monitor::AlertRule::defaults();
    auto rules = monitor::AlertRule::parseConfig(stored->toUtf8());
    if (!rules)
        return Error(monitor::AlertError::InvalidConfig,
                     u"The workspace's alert rules cannot be read (" % rules.error().detail()
                         % u"). Set them again with 'portcullis-cli monitor rules set FILE', or 'monitor rules "
                           u"reset'.");
    return rules;
}

Result<bool> usesDefaultRules(const store::Database &database)
{
    auto stored = storedRules(database);
    if (!stored)
        return stored.error();
    return stored->isEmpty();
}

Result<QList<monitor::AlertRule>> writeRules(const store::Database &database, QByteArrayView json)
{
    auto rules = monitor::AlertRule::parseConfig(json);
    if (!rules)
        return rules.error();
    auto written = database.transaction([&json](const QSqlDatabase &connection) {
        return store::meta::write(connection, RULES_META, QString::fromUtf8(json).trimmed());
    });
    if (!written)
        return written.error();
    return rules;
}

Result<void> resetRules(const store::Database &database)
{
    return database.transaction(
        [](const QSqlDatabase &connection) { return store::meta::write(connection, RULES_META, QStringLiteral("")); });
}

} // namespace portcullis::engine::alertsettings
