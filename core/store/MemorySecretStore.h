#pragma once

#include <map>

#include <QMutex>

#include "store/SecretStore.h"

namespace portcullis::store {

// Secrets in process memory, lost at exit: the console's session-only fallback when no keychain is reachable,
// and the store tests use. Values are wiped when replaced, removed, or when the store is destroyed.
class MemorySecretStore final : public SecretStore
{
public:
    MemorySecretStore() = default;

    [[nodiscard]] QString description() const override;
    [[nodiscard]] bool isPersistent() const override { return false; }

    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &name) override;
    [[nodiscard]] Result<void> write(const QString &name, const crypto::SecretBytes &value) override;
    [[nodiscard]] Result<void> remove(const QString &name) override;

private:
    mutable QMutex m_mutex;
    std::map<QString, crypto::SecretBytes> m_entries;
};

} // namespace portcullis::store
