// Crash safety of the SQLite store: a child process (store_crash_child) issues, validates, revokes, rotates and
// expires API keys in a loop, with usage written every 20 ms, and is killed with SIGKILL at random moments, many
// times, on one workspace. After each kill the database must pass SQLite's integrity and foreign key checks, hold
// every change whose commit returned (the child prints a line only then), keep each rotation whole (the new key and
// the old key's mark together or neither), and still open and validate keys through the key service.
//
// PORTCULLIS_CRASH_ROUNDS sets the number of kills (default 40); PORTCULLIS_CRASH_SEED replays the kill timing of a
// failed run (the seed is printed at the start).

#include <map>
#include <random>

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QHash>
#include <QProcess>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include "ResultText.h"
#include "TempDir.h"
#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyService.h"
#include "common/Clock.h"
#include "store/Database.h"
#include "store/FileSecretStore.h"

using namespace portcullis;
using namespace portcullis::apikeys;

namespace {

constexpr int DEFAULT_ROUNDS = 40;
constexpr int MIN_DELAY_MS = 30;
constexpr int MAX_DELAY_MS = 400;
constexpr int CREATION_ROUNDS = 20;
constexpr int MAX_CREATION_DELAY_MS = 60; // a child takes about 40 ms (sanitized) to create a store
constexpr int READY_TIMEOUT_MS = 30000;
constexpr int KILL_WAIT_MS = 60000;
constexpr qsizetype STDERR_KEPT = 4000;

// What the child's lines promise: each names a change whose commit had returned.
class Ledger
{
public:
    // Takes one line; returns what is wrong with it, or nothing.
    QString add(QStringView line)
    {
        const QList<QStringView> words = line.split(u' ', Qt::SkipEmptyParts);
        if (words.isEmpty())
            return QStringLiteral("an empty line");
        const QStringView verb = words.first();
        if (verb == u"ready" && words.size() == 1) {
            ++m_starts;
            return {};
        }
        if (verb == u"issued" && words.size() == 2)
            return issued(words[1].toString());
        if (verb == u"revoked" && words.size() == 2) {
            m_revoked.insert(words[1].toString());
            ++m_operations;
            return {};
        }
        if (verb == u"rotated" && words.size() == 3) {
            m_rotated.insert(words[1].toString(), words[2].toString());
            return issued(words[2].toString());
        }
        if (verb == u"expired" && words.size() >= 2) {
            for (const QStringView id : words.sliced(1))
                m_expired.insert(id.toString());
            ++m_operations;
            return {};
        }
        return u"an unknown line '" % line.left(200) % u'\'';
    }

    [[nodiscard]] const QSet<QString> &issued() const { return m_issued; }
    [[nodiscard]] const QSet<QString> &revoked() const { return m_revoked; }
    [[nodiscard]] const QHash<QString, QString> &rotated() const { return m_rotated; }
    [[nodiscard]] const QSet<QString> &expired() const { return m_expired; }
    [[nodiscard]] int operations() const { return m_operations; }
    [[nodiscard]] int starts() const { return m_starts; }
    [[nodiscard]] int partialLines() const { return m_partialLines; }
    void notePartialLine() { ++m_partialLines; }

private:
    QString issued(const QString &id)
    {
        ++m_operations;
        if (m_issued.contains(id))
            return u"the key " % id % u" was issued twice";
        m_issued.insert(id);
        return {};
    }

    QSet<QString> m_issued; // including the replacements made by rotations
    QSet<QString> m_revoked;
    QHash<QString, QString> m_rotated; // old id → new id
    QSet<QString> m_expired;
    int m_operations = 0;
    int m_starts = 0;
    int m_partialLines = 0; // kills that cut a line short (ignored)
};

struct Row
{
    QString state;
    QString replacedBy;
    QString name;
};

// Compares an open store with the ledger. Returns the problems found, one a line; empty when the store is sound.
QStringList inspect(const QSqlDatabase &db, const Ledger &ledger, qsizetype &rowCount)
{
    QStringList problems;
    rowCount = 0;
    if (!db.tables().contains(QStringLiteral("api_keys"))) {
        // Killed before the schema's transaction committed: an empty database, and nothing may have been promised.
        if (ledger.operations() > 0)
            problems << QStringLiteral("the store has no schema, yet changes were committed");
        return problems;
    }
    QSqlQuery query(db);
    auto select = [&](const QString &statement) {
        if (!query.exec(statement)) {
            problems << statement % u" failed: " % query.lastError().text();
            return false;
        }
        return true;
    };

    if (select(QStringLiteral("PRAGMA integrity_check"))) {
        QStringList answer;
        while (query.next())
            answer << query.value(0).toString();
        if (answer != QStringList {QStringLiteral("ok")})
            problems << u"integrity_check: " % answer.join(QStringLiteral("; ")).left(2000);
    }
    if (select(QStringLiteral("PRAGMA foreign_key_check"))) {
        while (query.next())
            problems << u"foreign_key_check: a row of " % query.value(0).toString() % u" (rowid "
                    % query.value(1).toString() % u") refers to a missing row of " % query.value(2).toString();
    }

    std::map<QString, Row> rows;
    if (select(QStringLiteral("SELECT id, state, replaced_by, name FROM api_keys"))) {
        while (query.next())
            rows[query.value(0).toString()]
                = {query.value(1).toString(), query.value(2).toString(), query.value(3).toString()};
    }
    rowCount = qsizetype(rows.size());
    if (select(QStringLiteral("SELECT (SELECT value FROM portcullis_counters WHERE name = 'api_keys') "
                              "- (SELECT COALESCE(MAX(revision), 0) FROM api_keys)"))
        && (!query.next() || query.value(0).toLongLong() < 0))
        problems << QStringLiteral("a key carries a revision above the change counter");
    query.finish();

    // Every change whose commit returned is there.
    for (const QString &id : ledger.issued()) {
        if (!rows.contains(id))
            problems << u"the issued key " % id % u" is missing";
    }
    for (const QString &id : ledger.revoked()) {
        const auto row = rows.find(id);
        if (row == rows.end() || row->second.state != u"revoked")
            problems << u"the revoked key " % id % u" is "
                    % (row == rows.end() ? QStringLiteral("missing") : row->second.state);
    }
    for (const QString &id : ledger.expired()) {
        const auto row = rows.find(id);
        if (row == rows.end() || row->second.state != u"expired")
            problems << u"the expired key " % id % u" is "
                    % (row == rows.end() ? QStringLiteral("missing") : row->second.state);
    }
    for (auto rotation = ledger.rotated().cbegin(); rotation != ledger.rotated().cend(); ++rotation) {
        const auto old = rows.find(rotation.key());
        if (old == rows.end()) {
            problems << u"the rotated key " % rotation.key() % u" is missing";
            continue;
        }
        const Row &row = old->second;
        if (row.replacedBy != rotation.value()
            || !(row.state == u"rotating" || row.state == u"revoked" || row.state == u"expired"))
            problems << u"the rotated key " % rotation.key() % u" is " % row.state % u", replaced by '" % row.replacedBy
                    % u"' instead of " % rotation.value();
    }

    // Each rotation is whole, committed or not. A key marked rotating names a replacement that exists; and a
    // rotation's replacement (which takes the old key's name) exists only with the old key's mark: within a
    // name, every key but the first is named by exactly one replaced_by.
    QHash<QString, int> keysPerName;
    QHash<QString, int> marksPerName;
    for (const auto &[id, row] : rows) {
        if (row.state == u"rotating" && (row.replacedBy.isEmpty() || !rows.contains(row.replacedBy)))
            problems << u"the key " % id % u" is rotating without its replacement '" % row.replacedBy % u'\'';
        ++keysPerName[row.name];
        if (row.replacedBy.isEmpty())
            continue;
        ++marksPerName[row.name];
        const auto replacement = rows.find(row.replacedBy);
        if (replacement != rows.end() && replacement->second.name != row.name)
            problems << u"the key " % id % u" is replaced by " % row.replacedBy % u", a key of another name";
    }
    for (auto group = keysPerName.cbegin(); group != keysPerName.cend(); ++group) {
        if (marksPerName.value(group.key()) != group.value() - 1)
            problems << u"the keys named '" % group.key() % u"': " % QString::number(group.value()) % u" keys but "
                    % QString::number(marksPerName.value(group.key()))
                    % u" rotation marks (a rotation was committed in part)";
    }
    return problems;
}

// Opens the store with a plain SQLite connection, so that no Portcullis code runs before the checks.
QStringList checkStore(const QString &path, const Ledger &ledger, qsizetype &rowCount)
{
    const QString connection = QStringLiteral("crash-check");
    QStringList problems;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (db.open())
            problems = inspect(db, ledger, rowCount);
        else
            problems << u"the database does not open: " % db.lastError().text();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return problems;
}

// What the kernel says about a process (its state and what it waits in), for a child that does not die.
QString processState(qint64 pid)
{
    QString state;
    for (const QString &name : {QStringLiteral("stat"), QStringLiteral("wchan")}) {
        QFile file(u"/proc/" % QString::number(pid) % u'/' % name);
        if (file.open(QIODevice::ReadOnly))
            state += name % u": " % QString::fromUtf8(file.readAll()).trimmed() % u"; ";
    }
    return state;
}

// Appends `more` to `tail`, keeping only the last STDERR_KEPT bytes.
void keepTail(QByteArray &tail, const QByteArray &more)
{
    tail += more;
    if (tail.size() > STDERR_KEPT)
        tail = tail.last(STDERR_KEPT);
}

QStringList completeLines(const QByteArray &output, qsizetype &partial)
{
    const qsizetype end = output.lastIndexOf('\n') + 1;
    partial = output.size() - end;
    return QString::fromUtf8(output.first(end)).split(u'\n', Qt::SkipEmptyParts);
}

} // namespace

// A key the test issues itself in a workspace (the child leaves keys of other owners alone): it must keep validating.
struct Sentinel
{
    QString id;
    std::optional<crypto::SecretBytes> key;
};

class TestCrashSafety : public QObject
{
    Q_OBJECT

private:
    SystemClock m_clock;
    quint32 m_seed = 0;

    // Starts the child on `workspace` and kills it (SIGKILL) after `delayMs`, or, with `untilReady`, once it says it
    // is ready; adds what it printed before the kill to `ledger`.
    void runAndKill(const test::TempDir &workspace, int delayMs, quint32 childSeed, bool untilReady, Ledger &ledger)
    {
        QProcess child;
        child.setProgram(QStringLiteral(PORTCULLIS_CRASH_CHILD));
        child.setArguments(
            {QStringLiteral("--workspace"), workspace.path(), QStringLiteral("--seed"), QString::number(childSeed)});
        child.start(QIODevice::ReadOnly);
        QVERIFY2(child.waitForStarted(10000), qPrintable(child.errorString()));

        // Let it work, reading what it prints so that a full pipe never holds it up.
        QByteArray output;
        QByteArray errors;
        const QDeadlineTimer deadline(untilReady ? READY_TIMEOUT_MS : delayMs);
        while (!deadline.hasExpired() && child.state() == QProcess::Running
               && !(untilReady && output.contains("ready\n"))) {
            child.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
            output += child.readAllStandardOutput();
            keepTail(errors, child.readAllStandardError());
        }
        const bool ranUntilKilled = child.state() == QProcess::Running;
        const qint64 pid = child.processId();
        child.kill(); // SIGKILL
        // A process waiting in the kernel (an fsync on a busy disk) dies only when that wait ends.
        // waitForFinished() is false for a child that had already ended; that case is reported just below.
        QVERIFY2(child.state() == QProcess::NotRunning || child.waitForFinished(KILL_WAIT_MS),
                 qPrintable(u"the killed child is still there: " % processState(pid)));
        output += child.readAllStandardOutput();
        keepTail(errors, child.readAllStandardError());
        QVERIFY2(ranUntilKilled && child.exitStatus() == QProcess::CrashExit,
                 qPrintable(u"the child ended by itself (exit code " % QString::number(child.exitCode()) % u"): "
                            % QString::fromUtf8(errors)));
        QVERIFY2(!untilReady || output.contains("ready\n"),
                 qPrintable(u"the child did not get ready: " % QString::fromUtf8(errors)));

        qsizetype partial = 0;
        for (const QString &line : completeLines(output, partial)) {
            const QString problem = ledger.add(line);
            QVERIFY2(problem.isEmpty(), qPrintable(problem));
        }
        if (partial > 0)
            ledger.notePartialLine();
    }

    // Checks the store after a kill: first with plain SQLite, then by opening it as the application would.
    void checkAfterKill(const test::TempDir &workspace, const Ledger &ledger, Sentinel &sentinel, const QString &when)
    {
        const QString databasePath = workspace.filePath(QStringLiteral("portcullis.db"));
        if (!QFile::exists(databasePath))
            return; // killed before it created the store
        qsizetype rowCount = 0;
        const QStringList problems = checkStore(databasePath, ledger, rowCount);
        QVERIFY2(problems.isEmpty(),
                 qPrintable(when % u" (seed " % QString::number(m_seed) % u"):\n" % problems.join(u'\n')));
        checkServiceOpens(workspace, rowCount, sentinel);
    }

    void checkServiceOpens(const test::TempDir &workspace, qsizetype rowCount, Sentinel &sentinel)
    {
        auto database = store::Database::open(
            store::DatabaseLocation::sqliteFile(workspace.filePath(QStringLiteral("portcullis.db"))));
        QVERIFY2(database.has_value(), test::why(database).constData());
        auto secrets = store::FileSecretStore::create(workspace.filePath(QStringLiteral("secrets")));
        QVERIFY2(secrets.has_value(), test::why(secrets).constData());
        auto service = ApiKeyService::open(*database, **secrets, m_clock);
        QVERIFY2(service.has_value(), test::why(service).constData());
        if (!sentinel.key) {
            ApiKeyService::IssueRequest request;
            request.name = QStringLiteral("sentinel");
            request.owner = QStringLiteral("crash-test");
            request.scopes = {QStringLiteral("orders:read")};
            auto issued = (*service)->issue(request);
            QVERIFY2(issued.has_value(), test::why(issued).constData());
            sentinel.id = issued->record.id;
            sentinel.key = std::move(issued->key);
            ++rowCount;
        }
        auto valid
            = (*service)->validate(sentinel.key->view(), QStringLiteral("orders:read"), QStringLiteral("192.0.2.1"));
        QVERIFY2(valid.has_value(), test::why(valid).constData());
        QCOMPARE(valid->id, sentinel.id);
        auto refused = (*service)->validate("pcl_live_not-a-key", {}, QStringLiteral("192.0.2.1"));
        QVERIFY(!refused.has_value() && refused.error().is(ApiKeyError::InvalidKey));
        QCOMPARE(qsizetype((*service)->indexedKeys()), rowCount);
        auto listed = (*service)->list();
        QVERIFY2(listed.has_value(), test::why(listed).constData());
        QCOMPARE(qsizetype(listed->size()), rowCount);
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_seed = qEnvironmentVariableIsSet("PORTCULLIS_CRASH_SEED")
            ? quint32(qEnvironmentVariable("PORTCULLIS_CRASH_SEED").toULong())
            : std::random_device {}();
        qInfo("seed %u (PORTCULLIS_CRASH_SEED=%u replays the kill timing)", m_seed, m_seed);
    }

    // One workspace, killed again and again: the data of all rounds accumulates.
    void survivesKillsDuringKeyOperations()
    {
        const int rounds = qEnvironmentVariableIsSet("PORTCULLIS_CRASH_ROUNDS")
            ? qEnvironmentVariableIntValue("PORTCULLIS_CRASH_ROUNDS")
            : DEFAULT_ROUNDS;
        QVERIFY(rounds > 0);
        std::mt19937 random(m_seed);
        std::uniform_int_distribution<int> delays(MIN_DELAY_MS, MAX_DELAY_MS);
        const test::TempDir workspace;
        QVERIFY(workspace.isValid());
        Ledger ledger;
        Sentinel sentinel;
        QElapsedTimer elapsed;
        elapsed.start();
        for (int round = 1; round <= rounds; ++round) {
            const int delayMs = delays(random);
            runAndKill(workspace, delayMs, random(), false, ledger);
            if (QTest::currentTestFailed())
                return;
            checkAfterKill(workspace, ledger, sentinel,
                           u"after kill " % QString::number(round) % u" (" % QString::number(delayMs) % u" ms)");
            if (QTest::currentTestFailed())
                return;
        }
        qInfo("%d kills in %lld ms: %d child starts reached 'ready', %d operations confirmed (%lld issued, "
              "%lld revoked, %lld rotated, %lld expired), %d partial last lines",
              rounds, elapsed.elapsed(), ledger.starts(), ledger.operations(), qint64(ledger.issued().size()),
              qint64(ledger.revoked().size()), qint64(ledger.rotated().size()), qint64(ledger.expired().size()),
              ledger.partialLines());
        QVERIFY2(ledger.operations() > 0, "no operation was confirmed: the kills all came before the child was ready");
    }

    // A new workspace each time, killed while the child creates the store, migrates it and makes the pepper: the
    // next child must open what was left and get ready.
    void survivesKillsWhileCreatingTheStore()
    {
        std::mt19937 random(m_seed ^ 0x9e3779b9U);
        std::uniform_int_distribution<int> delays(0, MAX_CREATION_DELAY_MS);
        QElapsedTimer elapsed;
        elapsed.start();
        int killedBeforeReady = 0;
        for (int round = 1; round <= CREATION_ROUNDS; ++round) {
            const test::TempDir workspace;
            QVERIFY(workspace.isValid());
            Ledger ledger;
            Sentinel sentinel;
            const int delayMs = delays(random);
            runAndKill(workspace, delayMs, random(), false, ledger);
            if (QTest::currentTestFailed())
                return;
            killedBeforeReady += ledger.starts() == 0 ? 1 : 0;
            runAndKill(workspace, 0, random(), true, ledger);
            if (QTest::currentTestFailed())
                return;
            checkAfterKill(workspace, ledger, sentinel,
                           u"new workspace " % QString::number(round) % u", first kill after "
                               % QString::number(delayMs) % u" ms");
            if (QTest::currentTestFailed())
                return;
        }
        qInfo("%d new workspaces in %lld ms, %d of them killed before the store was ready", CREATION_ROUNDS,
              elapsed.elapsed(), killedBeforeReady);
    }
};

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "TestCrashSafety.moc"
