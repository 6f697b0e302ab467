#include "store/KeychainSecretStore.h"

#include <future>
#include <memory>
#include <optional>
#include <type_traits>

#include <openssl/crypto.h>
#include <qt6keychain/keychain.h>

#include "store/SecretName.h"
#include "store/StoreError.h"

namespace portcullis::store {

namespace {

enum class Operation
{
    Read,
    Write,
    Remove,
};

// What a finished job reported, handed from the keychain thread to the waiting caller.
struct JobOutcome
{
    QKeychain::Error error = QKeychain::NoError;
    QString message;
    std::optional<crypto::SecretBytes> value;
};

using OutcomePromise = std::promise<JobOutcome>;

// Wipes the buffer `bytes` shares with the job that produced or consumed it, before the job frees it unwiped.
void wipeShared(const QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(const_cast<char *>(bytes.constData()), static_cast<std::size_t>(bytes.size()));
}

void reportWhenFinished(QKeychain::Job *job, std::shared_ptr<OutcomePromise> promise, QByteArray sent = {})
{
    QObject::connect(job, &QKeychain::Job::finished, job,
                     [promise = std::move(promise), sent](QKeychain::Job *finished) {
                         wipeShared(sent);
                         JobOutcome outcome {finished->error(), finished->errorString(), std::nullopt};
                         if (auto *read = qobject_cast<QKeychain::ReadPasswordJob *>(finished);
                             read && outcome.error == QKeychain::NoError) {
                             const QByteArray data = read->binaryData();
                             outcome.value.emplace(data);
                             wipeShared(data);
                         }
                         promise->set_value(std::move(outcome));
                     });
    job->setAutoDelete(true);
    job->start();
}

QString verb(Operation operation)
{
    switch (operation) {
    case Operation::Read:
        return QStringLiteral("read");
    case Operation::Write:
        return QStringLiteral("store");
    case Operation::Remove:
        return QStringLiteral("remove");
    }
    return {};
}

QString headlessHint()
{
    return QStringLiteral("On a headless server, keep secrets in a file instead: --secrets file:PATH.");
}

// The keychain's answer as a store error: what was wrong and what to do.
Error keychainError(Operation operation, const QString &service, const QString &name, QKeychain::Error code,
                    const QString &message)
{
    const QString failed = QStringLiteral("Could not %1 the secret \"%2\" in the system keychain (service %3)")
                               .arg(verb(operation), name, service);
    const QString said = message.isEmpty() ? QString() : QStringLiteral(" (the keychain said: %1)").arg(message);
    switch (code) {
    case QKeychain::NoError:
        break;
    case QKeychain::EntryNotFound:
        return Error(
            StoreError::SecretNotFound,
            QStringLiteral("The system keychain has no secret named \"%1\" for service %2.").arg(name, service));
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return Error(StoreError::SecretsLocked,
                     failed + QStringLiteral(": the keychain is locked or refused access") + said
                         + QStringLiteral(". Unlock your desktop keyring (or allow Portcullis when asked) and try "
                                          "again."));
    case QKeychain::NoBackendAvailable:
    case QKeychain::NotImplemented:
        return Error(StoreError::SecretsUnavailable,
                     failed + QStringLiteral(": no keychain service is available on this system") + said
                         + QStringLiteral(". Start a desktop keyring (gnome-keyring or KWallet). ") + headlessHint());
    case QKeychain::CouldNotDeleteEntry:
    case QKeychain::OtherError:
        break;
    }
    if (message.contains(QLatin1String("/collection/login"))
        || message.contains(QLatin1String("locked"), Qt::CaseInsensitive))
        return Error(StoreError::SecretsLocked,
                     failed + QStringLiteral(": the keyring's login collection is missing or locked") + said
                         + QStringLiteral(". Unlock the keyring (log in to the desktop session, or start "
                                          "gnome-keyring-daemon with --unlock) and try again. ")
                         + headlessHint());
    if (message.contains(QLatin1String("D-Bus"), Qt::CaseInsensitive)
        || message.contains(QLatin1String("DBus"), Qt::CaseInsensitive)
        || message.contains(QLatin1String("Could not connect"), Qt::CaseInsensitive))
        return Error(StoreError::SecretsUnavailable,
                     failed + QStringLiteral(": there is no D-Bus session to reach a keyring through") + said
                         + QStringLiteral(". Run Portcullis inside a desktop session with a keyring. ")
                         + headlessHint());
    return Error(StoreError::SecretsUnavailable,
                 failed + said
                     + QStringLiteral(". Check that a desktop keyring (gnome-keyring or KWallet) is running and "
                                      "unlocked. ")
                     + headlessHint());
}

// Runs one job of type JobType for entry `name` on the keychain thread (storing `secret`, for a write) and waits
// for its outcome.
template<typename JobType>
Result<JobOutcome> runJob(const KeychainThread &thread, std::chrono::milliseconds timeout, const QString &service,
                          const QString &name, std::shared_ptr<const crypto::SecretBytes> secret = {})
{
    if (thread.isCurrentThread())
        return Error(CommonError::Internal,
                     QStringLiteral("The keychain was called from its own thread, where waiting for it would never "
                                    "end. This is a bug in Portcullis: please report it."));
    auto promise = std::make_shared<OutcomePromise>();
    std::future<JobOutcome> future = promise->get_future();
    thread.post([promise = std::move(promise), service, name, secret = std::move(secret)] {
        auto *job = new JobType(service);
        job->setKey(name);
        QByteArray sent;
        if constexpr (std::is_same_v<JobType, QKeychain::WritePasswordJob>) {
            sent = secret->view().toByteArray();
            job->setBinaryData(sent); // shares `sent`'s buffer, which reportWhenFinished wipes
        }
        reportWhenFinished(job, promise, sent);
    });
    if (future.wait_for(timeout) != std::future_status::ready) {
        const auto seconds = std::chrono::duration_cast<std::chrono::duration<double>>(timeout).count();
        return Error(StoreError::Timeout,
                     QStringLiteral("The keychain did not answer within %1 s; it may be waiting for an unlock "
                                    "prompt or be stuck. Unlock the keyring and try again, or restart it. ")
                             .arg(seconds, 0, 'g', 3)
                         + headlessHint());
    }
    return future.get();
}

} // namespace

KeychainSecretStore::KeychainSecretStore(QString service, std::chrono::milliseconds timeout)
    : m_service(std::move(service))
    , m_timeout(timeout)
{ }

KeychainSecretStore::~KeychainSecretStore() = default;

QString KeychainSecretStore::description() const
{
    return QStringLiteral("the system keychain (Secret Service), service %1").arg(m_service);
}

Result<crypto::SecretBytes> KeychainSecretStore::read(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    Result<JobOutcome> outcome = runJob<QKeychain::ReadPasswordJob>(m_thread, m_timeout, m_service, name);
    if (!outcome)
        return outcome.error();
    if (outcome->error != QKeychain::NoError)
        return keychainError(Operation::Read, m_service, name, outcome->error, outcome->message);
    if (!outcome->value)
        return Error(CommonError::Internal, QStringLiteral("The keychain answered a read without a value."));
    return std::move(*outcome->value);
}

Result<void> KeychainSecretStore::write(const QString &name, const crypto::SecretBytes &value)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    // A copy for the keychain thread, wiped wherever the last reference goes (even if the job never runs).
    auto secret = std::make_shared<const crypto::SecretBytes>(value.clone());
    Result<JobOutcome> outcome
        = runJob<QKeychain::WritePasswordJob>(m_thread, m_timeout, m_service, name, std::move(secret));
    if (!outcome)
        return outcome.error();
    if (outcome->error != QKeychain::NoError)
        return keychainError(Operation::Write, m_service, name, outcome->error, outcome->message);
    return {};
}

Result<void> KeychainSecretStore::remove(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    Result<JobOutcome> outcome = runJob<QKeychain::DeletePasswordJob>(m_thread, m_timeout, m_service, name);
    if (!outcome)
        return outcome.error();
    // Removing what is not there succeeds (libsecret reports no error for it anyway).
    if (outcome->error != QKeychain::NoError && outcome->error != QKeychain::EntryNotFound)
        return keychainError(Operation::Remove, m_service, name, outcome->error, outcome->message);
    return {};
}

} // namespace portcullis::store
