#pragma once

#include <array>
#include <atomic>
#include <cstring>
#include <shared_mutex>
#include <unordered_map>

#include <QString>
#include <QStringList>

#include "apikeys/ApiKeyRecord.h"

namespace portcullis::apikeys {

// What validation needs to know about every key, in memory, by keyed hash: one lookup per request and no
// database round trip. Loaded from the store and kept current by the service. Thread-safe (many readers).
// Keys are never removed (a revoked key stays, to be recognised), so the usage counters keep their address
// for the life of the index.
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

    // Uses counted in place by the UsageRecorder since its last flush.
    struct Usage
    {
        explicit Usage(QString keyId)
            : id(std::move(keyId))
        { }
        const QString id;
        std::atomic<qint64> count {0};
        std::atomic<qint64> lastUsedMs {0};
        QString lastFrom; // guarded by the recorder
    };

    struct Found
    {
        Entry entry;
        Usage *usage = nullptr;
    };

    // Adds the entry for `digest`, or replaces what is known of it (its usage counters stay). Scope lists are
    // shared between keys that have the same scopes.
    void put(const Digest &digest, Entry entry);
    // Copies the entry for `digest` into `found`; the digests are compared in constant time.
    [[nodiscard]] bool find(const Digest &digest, Found &found) const;
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
    struct Slot
    {
        explicit Slot(const QString &id)
            : usage(id)
        { }
        Entry entry;
        Usage usage;
    };

    mutable std::shared_mutex m_mutex;
    std::unordered_map<Digest, Slot, DigestHash, DigestEqual> m_slots;
    std::unordered_map<QString, QStringList> m_scopeLists;
};

} // namespace portcullis::apikeys
