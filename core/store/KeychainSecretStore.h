#pragma once

#include <chrono>

#include "store/KeychainThread.h"
#include "store/SecretStore.h"

namespace portcullis::store {

// Secrets in the system keychain through QtKeychain (on Linux the Secret Service: gnome-keyring, KWallet), one
// service name per workspace ("portcullis-<workspace id>"), values stored as binary data.
//
// QtKeychain jobs are asynchronous and need an event loop; this store runs them on a private keychain thread
// (KeychainThread) and the calling thread waits for the answer, at most `timeout` (an unlock prompt on a desktop
// may take a while). Call it from any thread but the GUI thread. A call that times out leaves its job running:
// QtKeychain cannot cancel one, and it runs the next jobs only after it, so later calls may time out as well.
//
// With gnome-keyring and no way to show an unlock prompt, a write to a locked keyring fails with
// StoreError::SecretsLocked, but a read of an entry in it reports StoreError::SecretNotFound (libsecret does not
// tell a locked entry from a missing one).
class KeychainSecretStore final : public SecretStore
{
public:
    static constexpr std::chrono::milliseconds DEFAULT_TIMEOUT = std::chrono::seconds(60);

    explicit KeychainSecretStore(QString service, std::chrono::milliseconds timeout = DEFAULT_TIMEOUT);
    ~KeychainSecretStore() override;

    KeychainSecretStore(const KeychainSecretStore &) = delete;
    KeychainSecretStore &operator=(const KeychainSecretStore &) = delete;

    [[nodiscard]] QString service() const { return m_service; }
    [[nodiscard]] std::chrono::milliseconds timeout() const { return m_timeout; }

    [[nodiscard]] QString description() const override;
    [[nodiscard]] bool isPersistent() const override { return true; }

    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &name) override;
    [[nodiscard]] Result<void> write(const QString &name, const crypto::SecretBytes &value) override;
    [[nodiscard]] Result<void> remove(const QString &name) override;

private:
    QString m_service;
    std::chrono::milliseconds m_timeout;
    KeychainThread m_thread;
};

} // namespace portcullis::store
