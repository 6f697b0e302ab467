#include <QTest>

#include <memory>

#include "common/Result.h"

using namespace portcullis;

namespace {

enum class SampleError
{
    First,
    Second,
};
const char *errorDomain(SampleError)
{
    return "sample";
}
const char *errorCodeName(SampleError code)
{
    return code == SampleError::First ? "first" : "second";
}

Result<int> parsePositive(const QString &text)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value <= 0)
        return Error(SampleError::First, QStringLiteral("'%1' is not a positive number").arg(text));
    return value;
}

} // namespace

class TestResult : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void valueAndError()
    {
        const Result<int> good = parsePositive(QStringLiteral("42"));
        QVERIFY(good.has_value());
        QVERIFY(static_cast<bool>(good));
        QCOMPARE(good.value(), 42);
        QCOMPARE(*good, 42);

        const Result<int> bad = parsePositive(QStringLiteral("-1"));
        QVERIFY(!bad.has_value());
        QVERIFY(bad.error().is(SampleError::First));
        QVERIFY(!bad.error().is(SampleError::Second));
        QVERIFY(!bad.error().is(CommonError::InvalidArgument)); // same numeric value, other domain
        QVERIFY(bad.error().inDomain<SampleError>());
        QCOMPARE(bad.error().id(), QStringLiteral("sample.first"));
        QCOMPARE(bad.error().detail(), QStringLiteral("'-1' is not a positive number"));
        QCOMPARE(bad.error().toString(), QStringLiteral("'-1' is not a positive number [sample.first]"));
        QCOMPARE(bad.value_or(7), 7);
    }

    void context()
    {
        const Error error(CommonError::IoError, QStringLiteral("disk full"));
        const Error wrapped = error.withContext(QStringLiteral("saving settings"));
        QCOMPARE(wrapped.detail(), QStringLiteral("saving settings: disk full"));
        QVERIFY(wrapped.is(CommonError::IoError));
        QCOMPARE(error.detail(), QStringLiteral("disk full"));
    }

    void moveOnlyValues()
    {
        Result<std::unique_ptr<int>> owned = std::make_unique<int>(5);
        QVERIFY(owned.has_value());
        std::unique_ptr<int> taken = std::move(owned).value();
        QCOMPARE(*taken, 5);
    }

    void chaining()
    {
        const auto doubled = parsePositive(QStringLiteral("21")).transform([](int v) { return v * 2; });
        QCOMPARE(doubled.value(), 42);
        const auto text = parsePositive(QStringLiteral("x")).transform([](int v) { return QString::number(v); });
        QVERIFY(!text.has_value());
        QVERIFY(text.error().is(SampleError::First));

        const auto chained = parsePositive(QStringLiteral("3")).and_then([](int v) -> Result<int> {
            if (v < 10)
                return Error(SampleError::Second, QStringLiteral("too small"));
            return v;
        });
        QVERIFY(chained.error().is(SampleError::Second));
    }

    void voidResult()
    {
        const Result<void> ok;
        QVERIFY(ok.has_value());
        const Result<void> failed = Error(CommonError::Timeout, QStringLiteral("no answer within 5 s"));
        QVERIFY(!failed.has_value());
        QCOMPARE(failed.error().id(), QStringLiteral("common.timeout"));
    }

    void commonCodeNames_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("name");
        QTest::newRow("invalid_argument") << int(CommonError::InvalidArgument) << "invalid_argument";
        QTest::newRow("not_found") << int(CommonError::NotFound) << "not_found";
        QTest::newRow("io_error") << int(CommonError::IoError) << "io_error";
        QTest::newRow("unsupported") << int(CommonError::Unsupported) << "unsupported";
        QTest::newRow("timeout") << int(CommonError::Timeout) << "timeout";
        QTest::newRow("cancelled") << int(CommonError::Cancelled) << "cancelled";
        QTest::newRow("internal") << int(CommonError::Internal) << "internal";
    }
    void commonCodeNames()
    {
        QFETCH(int, code);
        QFETCH(QString, name);
        QCOMPARE(QString::fromLatin1(errorCodeName(static_cast<CommonError>(code))), name);
    }
};

QTEST_GUILESS_MAIN(TestResult)
#include "TestResult.moc"
