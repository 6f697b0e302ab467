#include "apikeys/KeyIndex.h"

#include <mutex>

#include <openssl/crypto.h>

namespace portcullis::apikeys {

bool KeyIndex::DigestEqual::operator()(const Digest &a, const Digest &b) const
{
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void KeyIndex::put(const Digest &digest, Entry entry)
{
    const std::unique_lock lock(m_mutex);
    const QString scopeKey = entry.scopes.join(u' ');
    auto shared = m_scopeLists.try_emplace(scopeKey, entry.scopes).first;
    entry.scopes = shared->second;
    m_entries.insert_or_assign(digest, std::move(entry));
}

std::optional<KeyIndex::Entry> KeyIndex::find(const Digest &digest) const
{
    const std::shared_lock lock(m_mutex);
    const auto found = m_entries.find(digest);
    if (found == m_entries.end())
        return std::nullopt;
    return found->second;
}

std::size_t KeyIndex::size() const
{
    const std::shared_lock lock(m_mutex);
    return m_entries.size();
}

} // namespace portcullis::apikeys
