#include <QTest>

#include "crypto/ConstantTime.h"
#include "crypto/Digest.h"
#include "crypto/Hmac.h"

using namespace portcullis;
using namespace portcullis::crypto;

// RFC 4231 test cases 1–7 for HMAC-SHA-256/384/512, and the constant-time comparison.
class TestHmac : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc4231_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QByteArray>("data");
        QTest::addColumn<int>("truncateTo");
        QTest::addColumn<QByteArray>("sha256");
        QTest::addColumn<QByteArray>("sha384");
        QTest::addColumn<QByteArray>("sha512");

        const QByteArray key6(131, '\xaa');
        QTest::newRow("case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There") << 0
                                << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
                                << QByteArray("afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9"
                                              "076ede7f4af152e8b2fa9cb6")
                                << QByteArray("87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7"
                                              "d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
        QTest::newRow("case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?") << 0
                                << QByteArray("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
                                << QByteArray("af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca"
                                              "5e69e2c78b3239ecfab21649")
                                << QByteArray("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75"
                                              "c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
        QTest::newRow("case 3") << QByteArray(20, '\xaa') << QByteArray(50, '\xdd') << 0
                                << QByteArray("773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
                                << QByteArray("88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39d"
                                              "c13814b94e3ab6e101a34f27")
                                << QByteArray("fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e8482"
                                              "79a722c806b485a47e67c807b946a337bee8942674278859e13292fb");
        QTest::newRow("case 4") << QByteArray::fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819")
                                << QByteArray(50, '\xcd') << 0
                                << QByteArray("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
                                << QByteArray("3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23"
                                              "c4a7d679ccf8a386c674cffb")
                                << QByteArray("b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c1"
                                              "1aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd");
        QTest::newRow("case 5 (truncated)")
            << QByteArray(20, '\x0c') << QByteArray("Test With Truncation") << 16
            << QByteArray("a3b6167473100ee06e0c796c2955552b") << QByteArray("3abf34c3503b2a23a46efc619baef897")
            << QByteArray("415fad6271580a531d4179bc891d87a6");
        QTest::newRow("case 6") << key6 << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First") << 0
                                << QByteArray("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
                                << QByteArray("4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab"
                                              "4030fe8296248df163f44952")
                                << QByteArray("80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037"
                                              "e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598");
        QTest::newRow("case 7") << key6
                                << QByteArray("This is a test using a larger than block-size key and a larger than "
                                              "block-size data. The key needs to be hashed before being used by the "
                                              "HMAC algorithm.")
                                << 0 << QByteArray("9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
                                << QByteArray("6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31"
                                              "e799176d3860e6110c46523e")
                                << QByteArray("e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac"
                                              "3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58");
    }
    void rfc4231()
    {
        QFETCH(QByteArray, key);
        QFETCH(QByteArray, data);
        QFETCH(int, truncateTo);
        QFETCH(QByteArray, sha256);
        QFETCH(QByteArray, sha384);
        QFETCH(QByteArray, sha512);
        const std::pair<DigestAlgorithm, QByteArray> cases[] = {
            {DigestAlgorithm::Sha256, sha256},
            {DigestAlgorithm::Sha384, sha384},
            {DigestAlgorithm::Sha512, sha512},
        };
        for (const auto &[algorithm, hex] : cases) {
            auto hmac = HmacKey::create(algorithm, SecretBytes(key));
            QVERIFY(hmac.has_value());
            QByteArray mac = hmac->mac(data);
            QCOMPARE(mac.size(), digestSize(algorithm));
            if (truncateTo)
                mac.truncate(truncateTo);
            QCOMPARE(mac.toHex(), hex);
            if (!truncateTo) {
                QVERIFY(hmac->verify(data, QByteArray::fromHex(hex)));
                QByteArray tampered = QByteArray::fromHex(hex);
                tampered[tampered.size() - 1] = char(tampered.back() ^ 1);
                QVERIFY(!hmac->verify(data, tampered));
                QVERIFY(!hmac->verify(data, QByteArray::fromHex(hex).chopped(1)));
            }
        }
    }

    void reusedContextsStayCorrect()
    {
        auto hmac = HmacKey::create(DigestAlgorithm::Sha256, SecretBytes(QByteArray("Jefe")));
        QVERIFY(hmac.has_value());
        const QByteArray first = hmac->mac("what do ya want for nothing?");
        for (int i = 0; i < 100; ++i)
            QCOMPARE(hmac->mac(QByteArray::number(i)), hmac->mac(QByteArray::number(i)));
        QCOMPARE(hmac->mac("what do ya want for nothing?"), first);
        HmacKey moved = std::move(*hmac);
        QCOMPARE(moved.mac("what do ya want for nothing?"), first);
    }

    void sha2Digests()
    {
        QCOMPARE(sha256("abc").toHex(), QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(
            digest(DigestAlgorithm::Sha384, "abc").toHex(),
            QByteArray("cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c8"
                       "25a7"));
        QCOMPARE(
            digest(DigestAlgorithm::Sha512, "abc").toHex(),
            QByteArray("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fe"
                       "ebbd454d4423643ce80e2a9ac94fa54ca49f"));
    }

    void constantTimeComparison()
    {
        QVERIFY(constantTimeEqual("abc", "abc"));
        QVERIFY(constantTimeEqual("", ""));
        QVERIFY(!constantTimeEqual("abc", "abd"));
        QVERIFY(!constantTimeEqual("abc", "abcd"));
        QVERIFY(!constantTimeEqual("", "a"));
    }
};

QTEST_GUILESS_MAIN(TestHmac)
#include "TestHmac.moc"
