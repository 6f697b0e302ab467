#include <QTest>

#include "common/Logging.h"

using namespace portcullis;

namespace {
QStringList s_captured;
void capture(QtMsgType, const QMessageLogContext &, const QString &message)
{
    s_captured << message;
}
} // namespace

class TestLogging : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyLineIsScrubbedAndEscaped()
    {
        const QtMessageHandler previous = qInstallMessageHandler(capture);
        QVERIFY(logging::installRedactingHandler());
        QVERIFY(!logging::installRedactingHandler()); // only once

        const QString secret = QStringLiteral("Zm9vYmFy") + QString(20, u'Q');
        qCWarning(lcCommon).noquote() << QString(u"token request: client_secret=" + secret + u"\nforged line");
        qCInfo(lcApp).noquote() << "listening on 127.0.0.1:4000";

        qInstallMessageHandler(previous);
        QCOMPARE(s_captured.size(), 2);
        QCOMPARE(s_captured.at(0), QStringLiteral("token request: client_secret=[redacted]\\nforged line"));
        QVERIFY(!s_captured.at(0).contains(secret));
        QCOMPARE(s_captured.at(1), QStringLiteral("listening on 127.0.0.1:4000"));
    }

    void categoriesAreNamedByLayer()
    {
        QCOMPARE(QString::fromLatin1(lcCommon().categoryName()), QStringLiteral("portcullis.core.common"));
        QCOMPARE(QString::fromLatin1(lcApp().categoryName()), QStringLiteral("portcullis.app"));
    }

    void longMessagesAreCut()
    {
        const QString sanitized = logging::sanitizeMessage(QString(10000, u'a'));
        QVERIFY(sanitized.size() < 4200);
        QVERIFY(sanitized.endsWith(QStringLiteral("…[+5904 chars]")));
    }
};

QTEST_GUILESS_MAIN(TestLogging)
#include "TestLogging.moc"
