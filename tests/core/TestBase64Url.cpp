#include <QTest>

#include "crypto/Base64Url.h"
#include "crypto/CryptoError.h"
#include "crypto/Random.h"

using namespace portcullis;
using namespace portcullis::crypto;

class TestBase64Url : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc4648Vectors_data()
    {
        QTest::addColumn<QByteArray>("decoded");
        QTest::addColumn<QByteArray>("encoded");
        QTest::newRow("empty") << QByteArray() << QByteArray();
        QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
        QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
        QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
        QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg");
        QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE");
        QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
        QTest::newRow("url alphabet") << QByteArray::fromHex("fbff") << QByteArray("-_8");
        QTest::newRow("rfc7515 header") << QByteArray("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}")
                                        << QByteArray("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
    }
    void rfc4648Vectors()
    {
        QFETCH(QByteArray, decoded);
        QFETCH(QByteArray, encoded);
        QCOMPARE(base64url::encode(decoded), encoded);
        const auto back = base64url::decode(encoded);
        QVERIFY(back.has_value());
        QCOMPARE(*back, decoded);
        QCOMPARE(base64url::decodedLength(encoded.size()), decoded.size());
    }

    void rejects_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("because");
        QTest::newRow("padding") << QByteArray("Zg==") << "padding '='";
        QTest::newRow("plus") << QByteArray("+_8") << "'+' at position 0";
        QTest::newRow("slash") << QByteArray("-/8") << "'/' at position 1";
        QTest::newRow("space") << QByteArray("Zm9 v") << "4n+1";
        QTest::newRow("newline") << QByteArray("Zm9v\nYg") << "byte 0x0a at position 4";
        QTest::newRow("4n+1") << QByteArray("Zm9vY") << "4n+1";
        QTest::newRow("non-canonical 2") << QByteArray("Zh") << "not canonical";
        QTest::newRow("non-canonical 3") << QByteArray("Zm9") << "not canonical";
        QTest::newRow("nul") << QByteArray("Zm\0v", 4) << "byte 0x00";
        QTest::newRow("high byte") << QByteArray("Zm\xc3\xa9") << "byte 0xc3";
    }
    void rejects()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, because);
        const auto decoded = base64url::decode(text);
        QVERIFY(!decoded.has_value());
        QVERIFY(decoded.error().is(CryptoError::InvalidEncoding));
        QVERIFY2(decoded.error().detail().contains(because), qPrintable(decoded.error().detail()));
        QByteArray out;
        QVERIFY(!base64url::decodeInto(text, out));
    }

    void randomRoundTrips()
    {
        for (int length = 0; length < 200; ++length) {
            const auto bytes = random::bytes(length);
            QVERIFY(bytes.has_value());
            const QByteArray encoded = base64url::encode(*bytes);
            QVERIFY(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'));
            QCOMPARE(base64url::decode(encoded).value(), *bytes);
        }
    }

    // Long inputs take a vectorised path: every byte value at every position must be judged and decoded exactly as
    // the alphabet says, whichever 32-character block and lane it falls in.
    void everyByteAtEveryPosition()
    {
        static const QByteArray ALPHABET("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
        for (const int length : {101, 75, 96}) { // 135, 100 and 128 characters
            const QByteArray text = base64url::encode(random::bytes(length).value());
            const qsizetype checked = text.size() - text.size() % 4; // the final partial group has its own rules
            QByteArray out;
            for (qsizetype position = 0; position < checked; ++position) {
                for (int byte = 0; byte < 256; ++byte) {
                    QByteArray changed = text;
                    changed[position] = char(byte);
                    const bool valid = ALPHABET.contains(char(byte));
                    QCOMPARE(base64url::decodeInto(changed, out), valid);
                    if (valid) {
                        const auto expected = QByteArray::fromBase64Encoding(
                            changed, QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
                        QVERIFY(expected);
                        QCOMPARE(out, *expected);
                    }
                }
            }
        }
    }

    void randomTokensDiffer()
    {
        const QByteArray a = random::token(32).value();
        const QByteArray b = random::token(32).value();
        QCOMPARE(a.size(), 43);
        QVERIFY(a != b);
        for (int i = 0; i < 1000; ++i) {
            const quint32 value = random::uniform(7).value();
            QVERIFY(value < 7);
        }
    }
};

QTEST_GUILESS_MAIN(TestBase64Url)
#include "TestBase64Url.moc"
