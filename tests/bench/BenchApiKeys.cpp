// API key validation against its floor, measured in the same run: a pre-keyed HMAC-SHA256 of the key and one
// random lookup of the 32-byte digest in a hash map of as many entries as the store holds keys. Portcullis
// does the whole validate(): format and checksum, keyed hash, the index lookup with a constant-time compare,
// state, expiry and scope, and usage statistics (batched to the store on a background thread).
//   BenchApiKeys            one million keys in a SQLite store, about 1 s per side
//   BenchApiKeys --quick    20 000 keys, a short run (the suite uses it to keep the bench working)
//   BenchApiKeys --keys N   N keys instead

#include <array>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>

#include "BenchSupport.h"
#include "apikeys/ApiKeyFormat.h"
#include "apikeys/ApiKeyRepository.h"
#include "apikeys/ApiKeyService.h"
#include "apikeys/Pepper.h"
#include "common/Clock.h"
#include "crypto/OpenSslPtr.h"
#include "store/Database.h"
#include "store/MemorySecretStore.h"

using namespace portcullis;

namespace {

using Digest = std::array<unsigned char, 32>;

struct DigestHash
{
    std::size_t operator()(const Digest &digest) const
    {
        std::size_t value;
        std::memcpy(&value, digest.data(), sizeof value);
        return value;
    }
};

[[noreturn]] void fail(const QString &what)
{
    std::fprintf(stderr, "BenchApiKeys: %s\n", qPrintable(what));
    std::exit(1);
}

// Writes `count` keys straight into the store in one transaction (issuing them one by one would measure fsync).
std::vector<QByteArray> fillStore(const std::shared_ptr<store::Database> &database, const crypto::HmacKey &pepper,
                                  int count)
{
    std::vector<QByteArray> keys;
    keys.reserve(std::size_t(count));
    const apikeys::ApiKeyRepository repository(database);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto filled = database->transaction([&](const QSqlDatabase &db) -> Result<void> {
        auto revision = repository.nextRevision(db);
        if (!revision)
            return revision.error();
        for (int i = 0; i < count; ++i) {
            auto key = apikeys::format::generate(QStringLiteral("live"));
            auto id = apikeys::format::newKeyId();
            if (!key || !id)
                return Error(CommonError::Internal, QStringLiteral("generating keys failed"));
            apikeys::ApiKeyRecord record;
            record.id = *id;
            record.prefix = key->prefix;
            record.lastFour = key->lastFour;
            record.name = QStringLiteral("bench");
            record.scopes = {QStringLiteral("orders:read")};
            record.createdAt = now;
            if (auto inserted = repository.insert(db, record, pepper.mac(key->raw.view()), *revision); !inserted)
                return inserted.error();
            keys.push_back(key->raw.view().toByteArray());
        }
        return {};
    });
    if (!filled)
        fail(filled.error().toString());
    return keys;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const bool quick = QCoreApplication::arguments().contains(QStringLiteral("--quick"));
    const int keysAt = int(QCoreApplication::arguments().indexOf(QStringLiteral("--keys")));
    const int keyCount = keysAt > 0 ? QCoreApplication::arguments().value(keysAt + 1).toInt() : quick ? 20000 : 1000000;
    if (keyCount <= 0)
        fail(QStringLiteral("--keys needs a positive number"));
    const double secondsPerSide = quick ? 0.05 : 1.0;
    std::printf("API key benchmark (%d keys, %.2f s per side, best of %d rounds)\n", keyCount, secondsPerSide,
                bench::ROUNDS);

    QTemporaryDir dir;
    const SystemClock clock;
    store::MemorySecretStore secrets;
    auto database = store::Database::open(store::DatabaseLocation::sqliteFile(dir.filePath(QStringLiteral("b.db"))));
    if (!database)
        fail(database.error().toString());
    auto pepper = apikeys::pepper::load(**database, secrets);
    if (!pepper)
        fail(pepper.error().toString());
    QElapsedTimer timer;
    timer.start();
    const std::vector<QByteArray> keys = fillStore(*database, *pepper, keyCount);
    std::printf("  stored %d keys in %.1f s\n", keyCount, double(timer.restart()) / 1000);
    auto service = apikeys::ApiKeyService::open(*database, secrets, clock);
    if (!service)
        fail(service.error().toString());
    std::printf("  loaded the validation index in %.1f s\n", double(timer.restart()) / 1000);

    // The baseline: the same keys' digests in a hash map, looked up after a pre-keyed HMAC.
    std::unordered_map<Digest, int, DigestHash> map;
    map.reserve(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        Digest digest;
        pepper->macInto(keys[i], digest.data());
        map.emplace(digest, int(i));
    }
    const QByteArray secret = pepper->key().view().toByteArray();
    crypto::EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    crypto::EvpMacCtxPtr context(EVP_MAC_CTX_new(mac.get()));
    char digestName[] = "SHA256";
    const OSSL_PARAM params[]
        = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digestName, 0), OSSL_PARAM_construct_end()};
    EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char *>(secret.data()), size_t(secret.size()), params);

    // Both sides walk the keys in the same random order.
    std::vector<std::uint32_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = std::uint32_t(i);
    std::shuffle(order.begin(), order.end(), std::mt19937(20261129));
    std::size_t ourNext = 0, baseNext = 0;
    const QString scope = QStringLiteral("orders:read");
    const QString source = QStringLiteral("203.0.113.7");

    const auto rates = bench::measure(
        secondsPerSide,
        [&] {
            const QByteArray &key = keys[order[ourNext++ % order.size()]];
            return (*service)->validate(key, scope, source).has_value();
        },
        [&] {
            const QByteArray &key = keys[order[baseNext++ % order.size()]];
            Digest digest;
            size_t length = 0;
            return EVP_MAC_init(context.get(), nullptr, 0, nullptr) == 1
                && EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char *>(key.data()),
                                  size_t(key.size()))
                == 1
                && EVP_MAC_final(context.get(), digest.data(), &length, digest.size()) == 1
                && map.find(digest) != map.end();
        });
    bench::report("validate", rates, 0.70);
    if (auto flushed = (*service)->flushUsage(); !flushed)
        fail(flushed.error().toString());
    return 0;
}
