#include <unordered_set>

#include <QRegularExpression>
#include <QTest>

#include "apikeys/ApiKeyError.h"
#include "apikeys/ApiKeyFormat.h"

using namespace portcullis;
using namespace portcullis::apikeys;

namespace {

const QByteArray BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

QByteArray rawOf(const format::GeneratedKey &key)
{
    return key.raw.view().toByteArray();
}

} // namespace

// The key format: uniqueness, shape, checksums, and the offline rejection of any single changed character.
class TestApiKeyFormat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void hundredThousandKeysAreUniqueWellFormedAndCheck()
    {
        constexpr int COUNT = 100000;
        std::unordered_set<std::string> seen;
        seen.reserve(COUNT);
        const QRegularExpression scanner(format::scannerRegex());
        QVERIFY(scanner.isValid());
        for (int i = 0; i < COUNT; ++i) {
            auto key = format::generate(QStringLiteral("live"));
            QVERIFY(key.has_value());
            const QByteArray raw = rawOf(*key);
            QCOMPARE(raw.size(), 9 + format::BODY_LENGTH);
            QVERIFY(raw.startsWith("pcl_live_"));
            for (const char c : raw.sliced(9))
                QVERIFY2(BASE62.contains(c), raw.constData());
            QVERIFY2(!format::check(raw).has_value(), raw.constData());
            QCOMPARE(key->prefix, QStringLiteral("pcl_live"));
            QCOMPARE(key->lastFour, QString::fromLatin1(raw.last(4)));
            QVERIFY2(seen.insert(raw.toStdString()).second, "duplicate key");
            if (i % 1000 == 0)
                QVERIFY(scanner.match(QString::fromLatin1("token=" + raw + ";")).captured(0)
                        == QString::fromLatin1(raw));
        }
        QCOMPARE(seen.size(), std::size_t(COUNT));
    }

    void entropyIsSpreadOverTheAlphabet()
    {
        // 2000 keys give 60000 entropy characters: each of the 62 should appear about 968 times. A bias from a
        // modulo mistake would push some far from that.
        std::array<int, 256> counts {};
        for (int i = 0; i < 2000; ++i) {
            const QByteArray raw = rawOf(*format::generate(QStringLiteral("test")));
            for (const char c : raw.sliced(9, format::ENTROPY_LENGTH))
                ++counts[uchar(c)];
        }
        for (const char c : BASE62)
            QVERIFY2(counts[uchar(c)] > 800 && counts[uchar(c)] < 1150, QByteArray(1, c).constData());
    }

    void everySingleChangedCharacterIsRejectedOffline()
    {
        const QByteArray alphabet = BASE62 + "_-.+/= \x00\xff"_qba;
        for (int k = 0; k < 20; ++k) {
            const QByteArray raw
                = rawOf(*format::generate(k % 2 ? QStringLiteral("live") : QStringLiteral("staging2")));
            for (qsizetype at = 0; at < raw.size(); ++at) {
                for (const char replacement : alphabet) {
                    if (replacement == raw[at])
                        continue;
                    QByteArray changed = raw;
                    changed[at] = replacement;
                    QVERIFY2(format::check(changed).has_value(), changed.toPercentEncoding().constData());
                }
            }
            QVERIFY(format::check(raw.chopped(1)).has_value());
            QVERIFY(format::check(QByteArray(raw + 'a')).has_value());
            QVERIFY(!format::check(raw).has_value());
        }
    }

    void checksumAndMalformedAreToldApart()
    {
        QByteArray raw = rawOf(*format::generate(QStringLiteral("live")));
        raw[12] = raw[12] == 'a' ? 'b' : 'a';
        QCOMPARE(format::check(raw), std::optional(format::Defect::Checksum));
        QCOMPARE(format::check("api_key_1234"), std::optional(format::Defect::Malformed));
        QCOMPARE(format::check(""), std::optional(format::Defect::Malformed));
        QCOMPARE(format::check(QByteArray(5000, 'a')), std::optional(format::Defect::Malformed));
    }

    void environments_data()
    {
        QTest::addColumn<QString>("environment");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("live") << QStringLiteral("live") << true;
        QTest::newRow("test") << QStringLiteral("test") << true;
        QTest::newRow("custom") << QStringLiteral("staging2") << true;
        QTest::newRow("sixteen") << QStringLiteral("abcdefghijklmnop") << true;
        QTest::newRow("seventeen") << QStringLiteral("abcdefghijklmnopq") << false;
        QTest::newRow("empty") << QString() << false;
        QTest::newRow("upper") << QStringLiteral("Live") << false;
        QTest::newRow("digit first") << QStringLiteral("1live") << false;
        QTest::newRow("underscore") << QStringLiteral("my_env") << false;
        QTest::newRow("non-ascii") << QStringLiteral("liv\u00e9") << false;
    }

    void environments()
    {
        QFETCH(QString, environment);
        QFETCH(bool, accepted);
        auto prefix = format::prefixFor(environment);
        QCOMPARE(prefix.has_value(), accepted);
        if (!accepted) {
            QVERIFY(prefix.error().is(ApiKeyError::InvalidInput));
            return;
        }
        auto key = format::generate(environment);
        QVERIFY(key.has_value());
        QVERIFY(!format::check(key->raw.view()).has_value());
        QCOMPARE(format::prefixOf(key->raw.view()), QByteArray("pcl_" + environment.toLatin1()));
    }

    void idsAndHints()
    {
        auto id = format::newKeyId();
        QVERIFY(id.has_value());
        QVERIFY(QRegularExpression(QStringLiteral("^key_[0-9A-Za-z]{16}$")).match(*id).hasMatch());
        QVERIFY(*id != *format::newKeyId());
        QCOMPARE(format::hint(QStringLiteral("pcl_live"), QStringLiteral("Ab3d")),
                 QStringLiteral("pcl_live_\u2026Ab3d"));
    }
};

QTEST_GUILESS_MAIN(TestApiKeyFormat)
#include "TestApiKeyFormat.moc"
