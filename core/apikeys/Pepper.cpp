#include "apikeys/Pepper.h"

#include <QSqlQuery>
#include <QStringBuilder>

#include "apikeys/ApiKeyError.h"
#include "crypto/ConstantTime.h"
#include "crypto/Random.h"
#include "store/Database.h"
#include "store/Meta.h"
#include "store/SecretStore.h"
#include "store/Sql.h"
#include "store/StoreError.h"

namespace portcullis::apikeys::pepper {

namespace {

const QString CHECK_NAME = QStringLiteral("apikeys.pepper_check");
constexpr std::size_t PEPPER_BYTES = 32;
constexpr qsizetype CHECK_BYTES = 16;

QByteArray checkValue(const crypto::HmacKey &key)
{
    return key.mac("portcullis api key pepper check v1").first(CHECK_BYTES).toHex();
}

Result<crypto::HmacKey> keyFrom(crypto::SecretBytes secret)
{
    if (secret.size() != PEPPER_BYTES)
        return Error(ApiKeyError::PepperMismatch,
                     QStringLiteral("The API key pepper in the secret store has the wrong length; it was not written "
                                    "by Portcullis. Restore the right entry from a backup."));
    return crypto::HmacKey::create(crypto::DigestAlgorithm::Sha256, std::move(secret));
}

Result<crypto::HmacKey> loadExisting(const QString &check, store::SecretStore &secrets)
{
    auto secret = secrets.read(secretName());
    if (!secret) {
        if (secret.error().is(store::StoreError::SecretNotFound))
            return Error(
                ApiKeyError::PepperMissing,
                u"This workspace's API keys were hashed with a pepper that is not in " % secrets.description()
                    % u" (entry '" % secretName()
                    % u"'). Without it no key can be checked. If the keychain is locked, unlock it and try again; "
                      u"otherwise restore that entry, or use the secrets location used before. Portcullis "
                      u"will not make a new pepper, which would orphan every key.");
        return secret.error().withContext(QStringLiteral("Reading the API key pepper"));
    }
    auto key = keyFrom(std::move(*secret));
    if (!key)
        return key.error();
    if (!crypto::constantTimeEqual(checkValue(*key), check.toLatin1()))
        return Error(ApiKeyError::PepperMismatch,
                     u"The API key pepper in " % secrets.description()
                         % u" belongs to another workspace: it does not match this store. Use the secrets location "
                           u"that goes with this workspace.");
    return key;
}

} // namespace

QString secretName()
{
    return QStringLiteral("apikeys.pepper");
}

Result<crypto::HmacKey> load(const store::Database &database, store::SecretStore &secrets)
{
    auto db = database.connection();
    if (!db)
        return db.error();
    auto check = store::meta::read(*db, CHECK_NAME);
    if (!check)
        return check.error();
    if (*check)
        return loadExisting(**check, secrets);

    // First use: make the pepper while holding the store's write lock, so two processes cannot each make one.
    std::optional<crypto::HmacKey> made;
    auto created = database.transaction([&](const QSqlDatabase &connection) -> Result<void> {
        auto again = store::meta::read(connection, CHECK_NAME);
        if (!again)
            return again.error();
        if (*again) {
            auto key = loadExisting(**again, secrets);
            if (!key)
                return key.error();
            made.emplace(std::move(*key));
            return {};
        }
        auto keys = store::sql::run(connection, QStringLiteral("Counting keys"),
                                    QStringLiteral("SELECT COUNT(*) FROM api_keys"));
        if (!keys)
            return keys.error();
        if (keys->next() && keys->value(0).toLongLong() > 0)
            return Error(ApiKeyError::PepperMissing,
                         QStringLiteral("This store holds API keys but no record of their pepper. It was changed "
                                        "outside Portcullis; restore it from a backup."));
        auto secret = secrets.read(secretName());
        if (!secret && !secret.error().is(store::StoreError::SecretNotFound))
            return secret.error().withContext(QStringLiteral("Reading the API key pepper"));
        if (!secret) {
            auto fresh = crypto::random::secret(PEPPER_BYTES);
            if (!fresh)
                return fresh.error();
            if (auto written = secrets.write(secretName(), *fresh); !written)
                return written.error().withContext(QStringLiteral("Saving a new API key pepper"));
            secret = std::move(*fresh);
        }
        auto key = keyFrom(std::move(*secret));
        if (!key)
            return key.error();
        if (auto saved = store::meta::write(connection, CHECK_NAME, QString::fromLatin1(checkValue(*key))); !saved)
            return saved.error();
        made.emplace(std::move(*key));
        return {};
    });
    if (!created)
        return created.error();
    return std::move(*made);
}

} // namespace portcullis::apikeys::pepper
