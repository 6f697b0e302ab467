// Black-box tests of the two executables: what a person or a script sees on the command line.

#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run run(const QString &program, const QStringList &arguments, const QProcessEnvironment &environment)
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(PORTCULLIS_BIN_DIR "/") + program, arguments);
    Run result;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return result;
    }
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -2;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

Run cli(const QStringList &arguments)
{
    return run(QStringLiteral("portcullis-cli"), arguments, QProcessEnvironment::systemEnvironment());
}

} // namespace

class TestExecutables : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cliHelp()
    {
        for (const QString &flag : {QStringLiteral("--help"), QStringLiteral("-h")}) {
            const Run r = cli({flag});
            QCOMPARE(r.exitCode, 0);
            QVERIFY(r.out.startsWith(QLatin1String("Usage: portcullis-cli [global options] <command>")));
            QVERIFY(r.out.contains(QLatin1String("--version")));
            QVERIFY(r.err.isEmpty());
        }
    }

    void cliVersion()
    {
        const Run r = cli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("portcullis-cli " PORTCULLIS_VERSION " (Qt 6.")), qPrintable(r.out));
        QVERIFY(r.out.contains(QLatin1String("OpenSSL 3.")));
    }

    void cliUsageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("nothing") << QStringList() << "portcullis-cli: no command given";
        QTest::newRow("unknown command") << QStringList {QStringLiteral("frobnicate")}
                                         << "portcullis-cli: unknown command 'frobnicate'";
        QTest::newRow("unknown option") << QStringList {QStringLiteral("--frobnicate")}
                                        << "portcullis-cli: Unknown option 'frobnicate'.";
        QTest::newRow("unknown short option")
            << QStringList {QStringLiteral("-x")} << "portcullis-cli: Unknown option 'x'.";
    }
    void cliUsageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const Run r = cli(arguments);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.startsWith(message), qPrintable(r.err));
        QVERIFY(r.err.contains(QLatin1String("Run 'portcullis-cli --help' for usage.")));
    }

    void consoleWithoutDisplayExplains()
    {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            environment.remove(QString::fromLatin1(name));
        const Run r = run(QStringLiteral("portcullis"), {}, environment);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String("no display found")), qPrintable(r.err));
        QVERIFY(r.err.contains(QLatin1String("xvfb-run -a ")));
    }
};

QTEST_GUILESS_MAIN(TestExecutables)
#include "TestExecutables.moc"
