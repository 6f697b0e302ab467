#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include <QString>
#include <QStringList>

#include "apikeys/ApiKeyRecord.h"

namespace portcullis::apikeys {

// What validation needs to know about every key, in memory, by keyed hash: one lookup per request and no
// database round trip. Loaded from the store and kept current by the service. Thread-safe (many readers).
class KeyIndex
{
public:
    using Digest = std::array<unsigned char, 32>;

    struct Entry
    {
        QString id;
        QStringList scopes;
        ApiKeyState state = ApiKeyState::Active;
        qint64 expiresAtMs = 0; // 0: never
        qint64 graceEndsAtMs = 0; // 0: none
    };

    // Adds or replaces the entry for `digest`. Scope lists are shared between keys that have the same scopes.
    void put(const Digest &digest, Entry entry);
    // A copy of the entry; the digests are compared in constant time.
    [[nodiscard]] std::optional<Entry> find(const Digest &digest) const;
    [[nodiscard]] std::size_t size() const;

private:
    struct DigestHash
    {
        std::size_t operator()(const Digest &digest) const
        {
            // The digest is an HMAC under a secret pepper: its first bytes are already uniform.
            std::size_t value;
            std::memcpy(&value, digest.data(), sizeof value);
            return value;
        }
    };
    struct DigestEqual
    {
        bool operator()(const Digest &a, const Digest &b) const;
    };

    mutable std::shared_mutex m_mutex;
    std::unordered_map<Digest, Entry, DigestHash, DigestEqual> m_entries;
    std::unordered_map<QString, QStringList> m_scopeLists;
};

} // namespace portcullis::apikeys
