// PKCE for the Flow Lab: the RFC 7636 Appendix B vector, the verifier's form, and fresh values that never repeat.

#include <QSet>
#include <QTest>

#include "ResultText.h"
#include "crypto/Base64Url.h"
#include "oauth/Pkce.h"

using namespace portcullis;

class TestPkce : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc7636AppendixB()
    {
        // The 32 octets of the appendix, their base64url form (the verifier) and its S256 challenge.
        const unsigned char octets[] = {116, 24,  223, 180, 151, 153, 224, 37,  79, 250, 96, 125, 216, 173, 187, 186,
                                        22,  212, 37,  77,  105, 214, 191, 240, 91, 88,  5,  88,  83,  132, 141, 121};
        const QByteArray verifier = crypto::base64url::encode(
            QByteArrayView(reinterpret_cast<const char *>(octets), qsizetype(sizeof octets)));
        QCOMPARE(verifier, QByteArray("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        const oauth::Pkce pkce = oauth::Pkce::fromVerifier(verifier);
        QCOMPARE(pkce.challenge, QByteArray("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        QCOMPARE(QByteArray(oauth::Pkce::METHOD), QByteArray("S256"));
    }

    void verifierForm()
    {
        QVERIFY(oauth::isValidVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        QVERIFY(oauth::isValidVerifier(QByteArray(128, '~')));
        QVERIFY(!oauth::isValidVerifier(QByteArray(42, 'a'))); // too short
        QVERIFY(!oauth::isValidVerifier(QByteArray(129, 'a'))); // too long
        QVERIFY(!oauth::isValidVerifier(QByteArray(QByteArray(42, 'a') + '+'))); // not unreserved
        QVERIFY(!oauth::isValidVerifier(QByteArray(QByteArray(42, 'a') + '='))); // no padding
    }

    void freshValuesAreWellFormedAndNeverRepeat()
    {
        QSet<QByteArray> seen;
        for (int i = 0; i < 1000; ++i) {
            auto pkce = oauth::Pkce::generate();
            QVERIFY2(pkce, test::why(pkce));
            QCOMPARE(pkce->verifier.size(), 43);
            QVERIFY(oauth::isValidVerifier(pkce->verifier));
            QCOMPARE(pkce->challenge, oauth::s256Challenge(pkce->verifier));
            QVERIFY(pkce->challenge != pkce->verifier);
            auto state = oauth::randomFlowToken();
            QVERIFY2(state, test::why(state));
            QCOMPARE(state->size(), 43); // 256 bits
            QVERIFY(!seen.contains(pkce->verifier) && !seen.contains(*state));
            seen.insert(pkce->verifier);
            seen.insert(*state);
        }
    }
};

QTEST_GUILESS_MAIN(TestPkce)
#include "TestPkce.moc"
