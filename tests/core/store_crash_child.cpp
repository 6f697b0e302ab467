// The child process of TestCrashSafety: runs API key operations against one workspace, forever, until the test
// kills it with SIGKILL. A line goes to stdout (flushed at once) only after the operation's commit returned:
//     ready                      the store and the key service are open
//     issued <id>
//     revoked <id>
//     rotated <old> <new>
//     expired <id> [<id>…]
// The test compares these lines with what the store holds after each kill. Raw keys stay in this process's memory
// (to validate them); they are never printed. Any unexpected error ends the process with a message on stderr.
//
//     store_crash_child --workspace DIR [--seed N]
// opens DIR/portcullis.db (SQLite) with the pepper in DIR/secrets (a FileSecretStore, shared with the test).

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QStringBuilder>

#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyService.h"
#include "common/Clock.h"
#include "store/Database.h"
#include "store/FileSecretStore.h"

using namespace portcullis;
using namespace portcullis::apikeys;
using namespace std::chrono_literals;

namespace {

// The owner of every key this child issues; keys of other owners (the test's own) are left alone.
const QString CHILD_OWNER = QStringLiteral("crash-child");
constexpr std::size_t MAX_REVOKED_KEPT = 64;

struct Key
{
    QString id;
    std::optional<crypto::SecretBytes> raw; // absent for keys issued by an earlier child
};

void say(const QString &line)
{
    const QByteArray bytes = line.toUtf8() + '\n';
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stdout);
    std::fflush(stdout);
}

int fail(const QString &what, const Error &error)
{
    std::fprintf(stderr, "store_crash_child: %s: %s\n", qPrintable(what), qPrintable(error.toString()));
    return EXIT_FAILURE;
}

int fail(const QString &what)
{
    std::fprintf(stderr, "store_crash_child: %s\n", qPrintable(what));
    return EXIT_FAILURE;
}

class Worker
{
public:
    Worker(ApiKeyService &service, quint32 seed)
        : m_service(service)
        , m_random(seed)
        , m_tag(QString::number(std::random_device {}(), 16) % u'-' % QString::number(::getpid()))
    { }

    // The keys earlier children left active or rotating.
    Result<void> adoptStoredKeys()
    {
        for (const ApiKeyState state : {ApiKeyState::Active, ApiKeyState::Rotating}) {
            auto stored = m_service.list(state);
            if (!stored)
                return stored.error();
            for (const ApiKeyRecord &record : *stored) {
                if (record.owner == CHILD_OWNER)
                    (state == ApiKeyState::Active ? m_active : m_rotating).push_back({record.id, std::nullopt});
            }
        }
        return {};
    }

    // One operation; returns a non-zero exit code on an unexpected outcome.
    int step()
    {
        const int roll = pick(100);
        if (roll < 35 || m_active.empty())
            return issue();
        if (roll < 60)
            return validate();
        if (roll < 75)
            return revoke();
        if (roll < 93)
            return rotate();
        return expire();
    }

private:
    int pick(std::size_t bound) { return int(std::uniform_int_distribution<std::size_t>(0, bound - 1)(m_random)); }

    template<typename T>
    T take(std::vector<T> &from, std::size_t index)
    {
        T taken = std::move(from[index]);
        from.erase(from.begin() + std::ptrdiff_t(index));
        return taken;
    }

    int issue()
    {
        ApiKeyService::IssueRequest request;
        // A name of its own: a rotation's replacement takes the old key's name, which is how the test tells the two
        // apart.
        request.name = u"crash-" % m_tag % u'-' % QString::number(++m_issued);
        request.owner = CHILD_OWNER;
        request.scopes = {QStringLiteral("orders:read")};
        auto issued = m_service.issue(request);
        if (!issued)
            return fail(QStringLiteral("issue"), issued.error());
        say(u"issued " % issued->record.id);
        m_active.push_back({issued->record.id, std::move(issued->key)});
        return 0;
    }

    int validate()
    {
        std::vector<std::pair<const Key *, bool>> known; // the key, whether it must be accepted
        for (const Key &key : m_active) {
            if (key.raw)
                known.emplace_back(&key, true);
        }
        for (const Key &key : m_revoked)
            known.emplace_back(&key, false);
        if (known.empty())
            return issue();
        const auto [key, acceptable] = known[std::size_t(pick(known.size()))];
        const QString source = u"203.0.113." % QString::number(1 + pick(254));
        auto valid = m_service.validate(key->raw->view(), QStringLiteral("orders:read"), source);
        if (acceptable && !valid)
            return fail(u"an active key " % key->id % u" was refused", valid.error());
        if (acceptable && valid->id != key->id)
            return fail(u"an active key " % key->id % u" was taken for " % valid->id);
        if (!acceptable && valid)
            return fail(u"the revoked key " % key->id % u" was accepted");
        if (!acceptable && !valid.error().is(ApiKeyError::InvalidKey))
            return fail(u"the revoked key " % key->id % u" was refused oddly", valid.error());
        return 0;
    }

    int revoke()
    {
        const std::size_t candidates = m_active.size() + m_rotating.size();
        const std::size_t index = std::size_t(pick(candidates));
        std::vector<Key> &pool = index < m_active.size() ? m_active : m_rotating;
        const std::size_t at = index < m_active.size() ? index : index - m_active.size();
        auto revoked = m_service.revoke(pool[at].id, QStringLiteral("crash test"));
        if (!revoked)
            return fail(u"revoke " % pool[at].id, revoked.error());
        say(u"revoked " % pool[at].id);
        Key key = take(pool, at);
        if (key.raw) {
            if (m_revoked.size() >= MAX_REVOKED_KEPT)
                m_revoked.erase(m_revoked.begin());
            m_revoked.push_back(std::move(key));
        }
        return 0;
    }

    int rotate()
    {
        const std::size_t at = std::size_t(pick(m_active.size()));
        const std::chrono::seconds grace(pick(4)); // 0–3 s: some rotations end while this child still runs
        auto rotated = m_service.rotate(m_active[at].id, grace);
        if (!rotated)
            return fail(u"rotate " % m_active[at].id, rotated.error());
        say(u"rotated " % m_active[at].id % u' ' % rotated->record.id);
        m_rotating.push_back(take(m_active, at));
        m_active.push_back({rotated->record.id, std::move(rotated->key)});
        return 0;
    }

    int expire()
    {
        auto expired = m_service.expireDue();
        if (!expired)
            return fail(QStringLiteral("expire"), expired.error());
        if (expired->isEmpty())
            return 0;
        say(u"expired " % expired->join(u' '));
        for (const QString &id : std::as_const(*expired)) {
            std::erase_if(m_rotating, [&](const Key &key) { return key.id == id; });
            std::erase_if(m_active, [&](const Key &key) { return key.id == id; });
        }
        return 0;
    }

    ApiKeyService &m_service;
    std::mt19937 m_random;
    QString m_tag; // unique to this process
    std::vector<Key> m_active;
    std::vector<Key> m_rotating;
    std::vector<Key> m_revoked; // the last few revoked keys whose raw key is known: validation must refuse them
    quint64 m_issued = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    // Die with the test: a test that fails or times out must not leave a child writing to its workspace.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1)
        return EXIT_FAILURE;

    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption workspaceOption(QStringLiteral("workspace"), QStringLiteral("The workspace folder."),
                                             QStringLiteral("DIR"));
    const QCommandLineOption seedOption(QStringLiteral("seed"), QStringLiteral("Seeds the choice of operations."),
                                        QStringLiteral("N"));
    parser.addOptions({workspaceOption, seedOption});
    parser.process(app);
    if (!parser.isSet(workspaceOption))
        return fail(QStringLiteral("--workspace DIR is required"));
    const QDir workspace(parser.value(workspaceOption));
    const quint32 seed = parser.isSet(seedOption) ? parser.value(seedOption).toUInt() : std::random_device {}();

    auto database = store::Database::open(
        store::DatabaseLocation::sqliteFile(workspace.filePath(QStringLiteral("portcullis.db"))));
    if (!database)
        return fail(QStringLiteral("opening the store"), database.error());
    auto secrets = store::FileSecretStore::create(workspace.filePath(QStringLiteral("secrets")));
    if (!secrets)
        return fail(QStringLiteral("opening the secrets file"), secrets.error());
    const SystemClock clock;
    ApiKeyService::Options options;
    options.usageFlushInterval = 20ms; // usage writes race with the kills too
    auto service = ApiKeyService::open(*database, **secrets, clock, options);
    if (!service)
        return fail(QStringLiteral("opening the key service"), service.error());

    Worker worker(**service, seed);
    if (auto adopted = worker.adoptStoredKeys(); !adopted)
        return fail(QStringLiteral("listing the stored keys"), adopted.error());
    say(QStringLiteral("ready"));
    for (;;) {
        if (const int code = worker.step())
            return code;
    }
}
