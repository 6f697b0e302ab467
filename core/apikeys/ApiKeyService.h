#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <QObject>

#include "apikeys/ApiKeyEvent.h"
#include "apikeys/ApiKeyRecord.h"
#include "apikeys/ApiKeyRepository.h"
#include "apikeys/KeyIndex.h"
#include "common/Result.h"
#include "crypto/Hmac.h"
#include "crypto/SecretBytes.h"

namespace portcullis {
class Clock;
}

namespace portcullis::store {
class Database;
class SecretStore;
class SharedCounter;
} // namespace portcullis::store

namespace portcullis::apikeys {

class UsageRecorder;

// The API key lifecycle: issue, validate, revoke, rotate, expire, list. Keys are stored only as an
// HMAC-SHA256 under the workspace's pepper (held in the SecretStore). Validation works from an in-memory index
// of every key, kept current across processes: a change made anywhere is seen by the next validation here.
// Thread-safe; validate() is the hot path and never writes to the database itself.
class ApiKeyService : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        std::chrono::milliseconds usageFlushInterval {10000};
        std::chrono::seconds maxGrace {std::chrono::hours(24 * 30)};
        // How often the index is checked against the store even when no change was announced (a writer that
        // died between its commit and its announcement).
        std::chrono::milliseconds resyncInterval {5000};
    };

    struct IssueRequest
    {
        QString name;
        QString owner;
        QString description;
        QStringList scopes;
        std::optional<std::chrono::seconds> expiresIn;
        QString environment = QStringLiteral("live");
    };

    struct IssuedKey
    {
        ApiKeyRecord record;
        crypto::SecretBytes key; // the raw key: returned here once, stored nowhere
    };

    struct Validated
    {
        QString id;
        QStringList scopes;
        bool rotating = false; // accepted during a rotation's grace period: the caller should move to the new key
    };

    [[nodiscard]] static Result<std::unique_ptr<ApiKeyService>>
    open(std::shared_ptr<store::Database> database, store::SecretStore &secrets, const Clock &clock, Options options);
    [[nodiscard]] static Result<std::unique_ptr<ApiKeyService>> open(std::shared_ptr<store::Database> database,
                                                                     store::SecretStore &secrets, const Clock &clock)
    {
        return open(std::move(database), secrets, clock, Options {});
    }
    ~ApiKeyService() override;

    [[nodiscard]] Result<IssuedKey> issue(const IssueRequest &request);

    // A malformed, unknown, revoked or expired key gets the same ApiKeyError::InvalidKey; the specific reason
    // goes only to the security event. A valid key lacking `requiredScope` gets InsufficientScope. Store
    // errors (the index could not be brought up to date) fail closed.
    [[nodiscard]] Result<Validated> validate(QByteArrayView key, QStringView requiredScope = {},
                                             const QString &source = {});
    // The error validate() gives for every bad key; what a caller refusing for its own reasons (a lockout) returns,
    // so the two cannot be told apart.
    [[nodiscard]] static Error invalidKeyError();

    [[nodiscard]] Result<ApiKeyRecord> revoke(const QString &id, const QString &reason);
    // Issues a replacement with the same name, owner, scopes and expiry; the old key keeps working for `grace`
    // (at most Options::maxGrace), then fails. Both changes are committed together or not at all.
    [[nodiscard]] Result<IssuedKey> rotate(const QString &id, std::chrono::seconds grace);
    // Marks every key past its expiry or grace end as expired; returns their ids.
    [[nodiscard]] Result<QStringList> expireDue();

    [[nodiscard]] Result<ApiKeyRecord> find(const QString &id) const;
    [[nodiscard]] Result<std::vector<ApiKeyRecord>> list(std::optional<ApiKeyState> state = std::nullopt) const;

    // Writes pending usage statistics now (they are otherwise written every Options::usageFlushInterval).
    [[nodiscard]] Result<void> flushUsage();

    // The number of keys in the validation index.
    [[nodiscard]] std::size_t indexedKeys() const { return m_index.size(); }

Q_SIGNALS:
    // Emitted from the thread that performed the operation.
    void eventRaised(const portcullis::apikeys::ApiKeyEvent &event);

private:
    ApiKeyService(std::shared_ptr<store::Database> database, const Clock &clock, Options options,
                  crypto::HmacKey pepper);

    Result<void> refresh(bool force);
    Result<void> ensureCurrent();
    void announceChange();
    // Generates and stores a key; a rotation passes the old key's expiry, which the new one keeps.
    Result<IssuedKey> makeKey(const IssueRequest &request, const QSqlDatabase &db, qint64 revision,
                              const QDateTime &keptExpiry = {});
    Result<ApiKeyRecord> existing(const QSqlDatabase &db, const QString &id) const;
    Result<Validated> refuse(const QString &reason, const QString &detail, QStringView source, QString keyId = {},
                             QString hint = {});
    void raise(ApiKeyEvent::Type type, const QString &keyId, const QString &hint, const QString &reason,
               const QString &detail, QStringView source = {});

    std::shared_ptr<store::Database> m_database;
    ApiKeyRepository m_repository;
    const Clock &m_clock;
    Options m_options;
    crypto::HmacKey m_pepper;
    KeyIndex m_index;
    std::unique_ptr<store::SharedCounter> m_counter; // SQLite: changes announced between processes
    std::mutex m_refreshMutex;
    std::atomic<qint64> m_loadedRevision {-1};
    std::atomic<quint64> m_seenTick {0};
    std::atomic<qint64> m_lastSyncSteadyMs {0};
    std::unique_ptr<UsageRecorder> m_usage;
};

} // namespace portcullis::apikeys
