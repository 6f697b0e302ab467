// Tokens signed by Portcullis verify in the npm `jose` library and tokens signed by `jose` verify in Portcullis,
// for every algorithm. `jose` is installed into the test's own temporary directory from the npm registry.

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include "FakeClock.h"
#include "Interop.h"
#include "TempDir.h"
#include "jose/Signer.h"
#include "jose/Verifier.h"

using namespace portcullis;
using namespace portcullis::jose;

namespace {

bool runTool(const QString &program, const QStringList &arguments, const QString &directory, QByteArray *out,
             QByteArray *err, int timeoutMs)
{
    QProcess process;
    process.setWorkingDirectory(directory);
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        *err = "timed out";
        return false;
    }
    *out = process.readAllStandardOutput();
    *err = process.readAllStandardError();
    return process.exitStatus() == QProcess::NormalExit && process.exitCode() == 0;
}

} // namespace

class TestJoseInterop : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void bothDirectionsForEveryAlgorithm()
    {
        const QString node = QStandardPaths::findExecutable(QStringLiteral("node"));
        const QString npm = QStandardPaths::findExecutable(QStringLiteral("npm"));
        PORTCULLIS_REQUIRE_TOOLS(node.isEmpty() || npm.isEmpty()
                                     ? QStringLiteral("node and npm are not installed: the jose interoperability test "
                                                      "needs them")
                                     : QString());

        test::TempDir dir;
        QVERIFY(dir.isValid());
        QByteArray out, err;
        QVERIFY(
            dir.write(QStringLiteral("package.json"), "{\"name\":\"jose-peer\",\"private\":true,\"type\":\"module\"}"));
        QVERIFY2(runTool(npm,
                         {QStringLiteral("install"), QStringLiteral("--no-audit"), QStringLiteral("--no-fund"),
                          QStringLiteral("--loglevel=error"), QStringLiteral("jose@5")},
                         dir.path(), &out, &err, 240000),
                 err.constData());
        QFile script(QStringLiteral(PORTCULLIS_TEST_SOURCE_DIR "/jose-peer.mjs"));
        QVERIFY(script.open(QIODevice::ReadOnly));
        QVERIFY(dir.write(QStringLiteral("jose-peer.mjs"), script.readAll()));

        const QByteArray payload = "{\"iss\":\"https://portcullis.test\",\"sub\":\"interop\",\"n\":\"\xe2\x9c\x93\"}";
        QJsonArray jobs;
        QHash<QString, Jwk> keys;
        for (crypto::Algorithm algorithm : crypto::jwa::all()) {
            const QString name = QString::fromLatin1(crypto::jwa::name(algorithm));
            const Jwk key
                = Jwk::fromKey(crypto::Key::generateFor(algorithm).value(), QStringLiteral("k-") + name, algorithm);
            keys.insert(name, key);
            const QByteArray token = Signer::sign(key, algorithm, payload).value();
            const QByteArray publicJwk = key.key().isSymmetric() ? key.toJson(true) : key.toJson(false);
            jobs.append(QJsonObject {
                {QStringLiteral("alg"), name},
                {QStringLiteral("privateJwk"), QJsonDocument::fromJson(key.toJson(true)).object()},
                {QStringLiteral("publicJwk"), QJsonDocument::fromJson(publicJwk).object()},
                {QStringLiteral("token"), QString::fromLatin1(token)},
                {QStringLiteral("payload"), QString::fromUtf8(payload)},
            });
        }
        QVERIFY(dir.write(QStringLiteral("jobs.json"), QJsonDocument(jobs).toJson()));
        QVERIFY2(runTool(node, {QStringLiteral("jose-peer.mjs"), QStringLiteral("jobs.json")}, dir.path(), &out, &err,
                         120000),
                 err.constData());

        const QJsonArray results = QJsonDocument::fromJson(out).array();
        QCOMPARE(results.size(), jobs.size());
        const test::FakeClock clock;
        for (const QJsonValue &entry : results) {
            const QJsonObject result = entry.toObject();
            const QString name = result.value(QLatin1String("alg")).toString();
            // Portcullis → jose
            QVERIFY2(result.value(QLatin1String("verified")).toBool(),
                     qPrintable(name + QStringLiteral(": jose refused our token: ")
                                + result.value(QLatin1String("error")).toString()));
            QCOMPARE(result.value(QLatin1String("payload")).toString().toUtf8(), payload);
            // jose → Portcullis
            const Jwk &key = *keys.constFind(name);
            VerificationPolicy policy;
            policy.allowedAlgorithms = {*crypto::jwa::fromName(name.toUtf8())};
            policy.type = QStringLiteral("JWT");
            const Verifier verifier(policy, JwkSet({Jwk::fromKey(key.key().publicKey(), key.kid())}), clock);
            const auto verified = verifier.verify(result.value(QLatin1String("token")).toString().toUtf8());
            QVERIFY2(verified.has_value(),
                     qPrintable(name + QStringLiteral(": ") + (verified ? QString() : verified.error().toString())));
            QCOMPARE(verified->jws.payload().toByteArray(), payload);
            QCOMPARE(verified->keyId, key.kid());
        }
    }
};

QTEST_GUILESS_MAIN(TestJoseInterop)
#include "TestJoseInterop.moc"
