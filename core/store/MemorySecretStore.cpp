#include "store/MemorySecretStore.h"

#include <QMutexLocker>

#include "store/SecretName.h"
#include "store/StoreError.h"

namespace portcullis::store {

QString MemorySecretStore::description() const
{
    return QStringLiteral("memory, for this session only");
}

Result<crypto::SecretBytes> MemorySecretStore::read(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    QMutexLocker lock(&m_mutex);
    const auto found = m_entries.find(name);
    if (found == m_entries.end())
        return Error(StoreError::SecretNotFound,
                     QStringLiteral("There is no secret named \"%1\" in this session's memory store.").arg(name));
    return found->second.clone();
}

Result<void> MemorySecretStore::write(const QString &name, const crypto::SecretBytes &value)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    crypto::SecretBytes copy = value.clone(); // outside the lock
    QMutexLocker lock(&m_mutex);
    m_entries.insert_or_assign(name, std::move(copy));
    return {};
}

Result<void> MemorySecretStore::remove(const QString &name)
{
    if (auto valid = checkSecretName(name); !valid)
        return valid.error();
    QMutexLocker lock(&m_mutex);
    m_entries.erase(name);
    return {};
}

} // namespace portcullis::store
