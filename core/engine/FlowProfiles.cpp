#include "engine/FlowProfiles.h"

#include "common/Clock.h"
#include "common/Redaction.h"
#include "jose/Jwk.h"
#include "oauth/FlowError.h"
#include "store/SecretStore.h"
#include "store/StoreError.h"

namespace portcullis::engine {

namespace {

constexpr const char *CLIENT_SECRET = "client-secret";
constexpr const char *ASSERTION_KEY = "assertion-key";
constexpr const char *TOKENS = "tokens";

// Reads a secret entry; a missing one is empty, any other failure is returned.
Result<std::optional<crypto::SecretBytes>> readOptional(store::SecretStore &secrets, const QString &name)
{
    auto value = secrets.read(name);
    if (value)
        return std::optional<crypto::SecretBytes>(std::move(*value));
    if (value.error().is(store::StoreError::SecretNotFound))
        return std::optional<crypto::SecretBytes>();
    return value.error();
}

} // namespace

FlowProfiles::FlowProfiles(std::shared_ptr<store::Database> database, store::SecretStore &secrets, const Clock &clock)
    : m_repository(std::move(database))
    , m_secrets(secrets)
    , m_clock(clock)
{ }

QString FlowProfiles::secretName(const QString &profile, const char *what)
{
    return QStringLiteral("flow.") + profile + QLatin1Char('.') + QLatin1String(what);
}

Result<void> FlowProfiles::save(const oauth::ProviderProfile &profile, const oauth::ClientCredentials &credentials)
{
    if (auto valid = profile.validate(); !valid)
        return valid;
    if (!oauth::ProviderProfile::isValidName(profile.name))
        return Error(oauth::FlowError::InvalidProfile,
                     QStringLiteral("A saved profile needs a name of 1 to 64 letters, digits and . _ @ : -"));
    // Secrets first: a profile never points at a secret that was not written.
    const QString secretEntry = secretName(profile.name, CLIENT_SECRET);
    auto secret = credentials.clientSecret.isEmpty() ? m_secrets.remove(secretEntry)
                                                     : m_secrets.write(secretEntry, credentials.clientSecret);
    if (!secret)
        return secret;
    const QString keyEntry = secretName(profile.name, ASSERTION_KEY);
    if (credentials.assertionKey) {
        QByteArray jwk = credentials.assertionKey->toJson(true);
        auto written = m_secrets.write(keyEntry, crypto::SecretBytes(jwk));
        jwk.fill('\0');
        if (!written)
            return written;
    } else if (auto removed = m_secrets.remove(keyEntry); !removed) {
        return removed;
    }
    return m_repository.save(profile, m_clock.unixMillis());
}

Result<FlowProfiles::Saved> FlowProfiles::load(const QString &name) const
{
    auto row = m_repository.find(name);
    if (!row)
        return row.error();
    Saved saved;
    saved.row = std::move(*row);
    auto secret = readOptional(m_secrets, secretName(name, CLIENT_SECRET));
    if (!secret)
        return secret.error();
    if (*secret)
        saved.credentials.clientSecret = std::move(**secret);
    auto key = readOptional(m_secrets, secretName(name, ASSERTION_KEY));
    if (!key)
        return key.error();
    if (*key) {
        auto jwk = jose::Jwk::parse((*key)->view());
        if (!jwk)
            return Error(oauth::FlowError::InvalidProfile,
                         QStringLiteral("The saved assertion key of \"%1\" is damaged; give the key again "
                                        "(--assertion-key FILE).")
                             .arg(name));
        saved.credentials.assertionKey = std::move(*jwk);
    }
    return saved;
}

Result<std::vector<FlowProfiles::Row>> FlowProfiles::list() const
{
    return m_repository.list();
}

Result<void> FlowProfiles::remove(const QString &name)
{
    // Secrets first: if anything fails half-way, the profile is still listed and removing it again finishes the job.
    // The row is removed without being read, so that a damaged profile can be removed too.
    for (const char *what : {CLIENT_SECRET, ASSERTION_KEY, TOKENS}) {
        if (auto removed = m_secrets.remove(secretName(name, what)); !removed)
            return removed;
    }
    return m_repository.remove(name);
}

Result<void> FlowProfiles::recordRun(const QString &name, const QJsonObject &summary, const oauth::FlowTokens *tokens)
{
    if (tokens && !tokens->isEmpty()) {
        QByteArray json = tokens->toSecretJson();
        auto written = m_secrets.write(secretName(name, TOKENS), crypto::SecretBytes(json));
        json.fill('\0');
        if (!written)
            return written;
    }
    return m_repository.recordRun(name, summary, m_clock.unixMillis());
}

Result<oauth::FlowTokens> FlowProfiles::loadTokens(const QString &name) const
{
    auto secret = readOptional(m_secrets, secretName(name, TOKENS));
    if (!secret)
        return secret.error();
    if (!*secret)
        return Error(oauth::FlowError::StepOutOfOrder,
                     QStringLiteral("The profile \"%1\" has no saved tokens; run `portcullis-cli flow run --profile "
                                    "%1` first.")
                         .arg(redaction::escapeUntrusted(name, 64)));
    return oauth::FlowTokens::fromSecretJson((*secret)->view());
}

} // namespace portcullis::engine
