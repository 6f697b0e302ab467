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
    auto slot = m_slots.try_emplace(digest, entry.id).first;
    slot->second.entry = std::move(entry);
}

bool KeyIndex::find(const Digest &digest, Found &found) const
{
    const std::shared_lock lock(m_mutex);
    const auto slot = m_slots.find(digest);
    if (slot == m_slots.end())
        return false;
    found.entry = slot->second.entry;
    found.usage = const_cast<Usage *>(&slot->second.usage);
    return true;
}

std::size_t KeyIndex::size() const
{
    const std::shared_lock lock(m_mutex);
    return m_slots.size();
}

} // namespace portcullis::apikeys
