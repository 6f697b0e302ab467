#include <QTest>

#include <thread>

#include "FakeClock.h"
#include "jose/InMemoryTokenStore.h"
#include "jose/JoseError.h"
#include "jose/TokenService.h"

using namespace portcullis;
using namespace portcullis::jose;
using namespace std::chrono_literals;

class TestTokenService : public QObject
{
    Q_OBJECT

private:
    struct Fixture
    {
        test::FakeClock clock;
        InMemoryTokenStore store {clock};
        TokenService service;
        QList<TokenEvent> events;

        Fixture()
            : service(config(), Jwk::fromKey(crypto::Key::generateEc(crypto::Curve::P256).value()), store, clock)
        {
            service.setEventSink([this](const TokenEvent &event) { events << event; });
        }
        static TokenServiceConfig config()
        {
            TokenServiceConfig c;
            c.issuer = QStringLiteral("https://portcullis.test");
            c.audience = QStringLiteral("api");
            c.algorithm = crypto::Algorithm::ES256;
            return c;
        }
    };

private Q_SLOTS:
    void issueAndVerify()
    {
        Fixture f;
        const TokenPair pair
            = f.service.issue(QStringLiteral("alice"), QStringLiteral("admin"), QStringLiteral("read write")).value();
        QCOMPARE(pair.accessExpiresAt - f.clock.unixSeconds(), 15 * 60);
        QCOMPARE(pair.refreshExpiresAt - f.clock.unixSeconds(), 7 * 24 * 3600);
        QVERIFY(pair.accessJti != pair.refreshJti);
        const AccessClaims claims = f.service.verifyAccess(pair.accessToken).value();
        QCOMPARE(claims.subject, QStringLiteral("alice"));
        QCOMPARE(claims.role, QStringLiteral("admin"));
        QCOMPARE(claims.scope, QStringLiteral("read write"));
        QCOMPARE(claims.jti, pair.accessJti);

        f.clock.advance(15min);
        QVERIFY(f.service.verifyAccess(pair.accessToken).error().is(JoseError::Expired));
    }

    void tokensAreNotInterchangeable()
    {
        Fixture f;
        const TokenPair pair = f.service.issue(QStringLiteral("alice"), QStringLiteral("user"), QString()).value();
        const auto refreshAsAccess = f.service.verifyAccess(pair.refreshToken);
        QVERIFY(refreshAsAccess.error().is(JoseError::TypeMismatch));
        const auto accessAsRefresh = f.service.refresh(pair.accessToken);
        QVERIFY(accessAsRefresh.error().is(JoseError::TypeMismatch));
    }

    void refreshRotatesAndKeepsTheRecordedRole()
    {
        Fixture f;
        const TokenPair first
            = f.service.issue(QStringLiteral("bob"), QStringLiteral("auditor"), QStringLiteral("read")).value();
        f.clock.advance(1h);
        const TokenPair second = f.service.refresh(first.refreshToken).value();
        QVERIFY(second.refreshJti != first.refreshJti);
        const AccessClaims claims = f.service.verifyAccess(second.accessToken).value();
        QCOMPARE(claims.role, QStringLiteral("auditor")); // from the record, not a default "user"
        QCOMPARE(claims.scope, QStringLiteral("read"));
        const TokenPair third = f.service.refresh(second.refreshToken).value();
        QVERIFY(f.service.verifyAccess(third.accessToken).has_value());
    }

    void reuseRevokesTheWholeFamily()
    {
        Fixture f;
        const TokenPair first = f.service.issue(QStringLiteral("carol"), QStringLiteral("user"), QString()).value();
        const TokenPair second = f.service.refresh(first.refreshToken).value();
        // An attacker replays the first refresh token.
        const auto replay = f.service.refresh(first.refreshToken);
        QVERIFY(replay.error().is(JoseError::ReuseDetected));
        QCOMPARE(f.events.size(), 1);
        QCOMPARE(f.events.first().type, QStringLiteral("refresh_reuse"));
        QCOMPARE(f.events.first().subject, QStringLiteral("carol"));
        QVERIFY(!f.events.first().detail.contains(QString::fromLatin1(first.refreshToken)));
        // The legitimate holder's newer token is dead too.
        QVERIFY(f.service.refresh(second.refreshToken).error().is(JoseError::Revoked));
        // Another family is untouched.
        const TokenPair other = f.service.issue(QStringLiteral("carol"), QStringLiteral("user"), QString()).value();
        QVERIFY(f.service.refresh(other.refreshToken).has_value());
    }

    void concurrentRefreshHasOneWinner()
    {
        Fixture f;
        const TokenPair pair = f.service.issue(QStringLiteral("dave"), QStringLiteral("user"), QString()).value();
        std::atomic<int> winners {0};
        std::atomic<int> reuse {0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i) {
            threads.emplace_back([&] {
                const auto result = f.service.refresh(pair.refreshToken);
                if (result)
                    ++winners;
                else if (result.error().is(JoseError::ReuseDetected) || result.error().is(JoseError::Revoked))
                    ++reuse;
            });
        }
        for (auto &thread : threads)
            thread.join();
        QCOMPARE(winners.load(), 1);
        QCOMPARE(reuse.load(), 7);
    }

    void revocation()
    {
        Fixture f;
        const TokenPair pair = f.service.issue(QStringLiteral("erin"), QStringLiteral("user"), QString()).value();
        QVERIFY(f.service.revoke(pair.accessToken).has_value());
        QVERIFY(f.service.verifyAccess(pair.accessToken).error().is(JoseError::Revoked));
        QVERIFY(f.service.revoke(pair.refreshToken).has_value());
        QVERIFY(f.service.refresh(pair.refreshToken).error().is(JoseError::Revoked));
        QCOMPARE(f.events.size(), 2);
        QCOMPARE(f.events.at(0).type, QStringLiteral("token_revoked"));

        // A token from elsewhere (another key, so another kid) can be neither verified nor revoked.
        Fixture other;
        const TokenPair foreign
            = other.service.issue(QStringLiteral("mallory"), QStringLiteral("admin"), QString()).value();
        QVERIFY(f.service.verifyAccess(foreign.accessToken).error().is(JoseError::UnknownKeyId));
        QVERIFY(!f.service.revoke(foreign.accessToken).has_value());
    }

    void expiredRefreshIsRefused()
    {
        Fixture f;
        const TokenPair pair = f.service.issue(QStringLiteral("frank"), QStringLiteral("user"), QString()).value();
        f.clock.advance(std::chrono::hours(7 * 24));
        QVERIFY(f.service.refresh(pair.refreshToken).error().is(JoseError::Expired));
        QVERIFY(f.service.issue(QString(), QString(), QString()).error().is(JoseError::MissingClaim));
    }
};

QTEST_GUILESS_MAIN(TestTokenService)
#include "TestTokenService.moc"
