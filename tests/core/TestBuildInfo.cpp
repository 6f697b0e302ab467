#include <QTest>

#include <openssl/crypto.h>

#include "common/BuildInfo.h"

using namespace portcullis;

class TestBuildInfo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void versions()
    {
        QCOMPARE(buildinfo::version(), QStringLiteral(PORTCULLIS_VERSION));
        QCOMPARE(buildinfo::qtRuntimeVersion(), QString::fromLatin1(qVersion()));
        QVERIFY(buildinfo::opensslRuntimeVersion().startsWith(QLatin1String("OpenSSL 3.")));
        QCOMPARE(buildinfo::opensslRuntimeVersion(), QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION)));

        const QString summary = buildinfo::summary(QStringLiteral("portcullis-cli"));
        QVERIFY(summary.startsWith(QStringLiteral("portcullis-cli " PORTCULLIS_VERSION " (Qt ")));
        QVERIFY(summary.contains(QLatin1String("OpenSSL 3.")));
    }
};

QTEST_GUILESS_MAIN(TestBuildInfo)
#include "TestBuildInfo.moc"
