#include <QTest>

#include <sys/prctl.h>
#include <sys/resource.h>

#include "common/ProcessHardening.h"

using namespace portcullis;

class TestProcessHardening : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void disablesCoreDumps()
    {
        // Make sure the process starts dumpable with a non-zero soft limit, so the test can fail.
        rlimit limit {};
        QCOMPARE(getrlimit(RLIMIT_CORE, &limit), 0);
        if (limit.rlim_max != 0) {
            limit.rlim_cur = limit.rlim_max;
            QCOMPARE(setrlimit(RLIMIT_CORE, &limit), 0);
        }
        QCOMPARE(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
        if (limit.rlim_max != 0)
            QVERIFY(!hardening::coreDumpsDisabled());

        const Result<void> result = hardening::disableCoreDumps();
        QVERIFY2(result.has_value(), qPrintable(result.has_value() ? QString() : result.error().toString()));
        QVERIFY(hardening::coreDumpsDisabled());
        QCOMPARE(getrlimit(RLIMIT_CORE, &limit), 0);
        QCOMPARE(limit.rlim_cur, rlim_t(0));
        QCOMPARE(limit.rlim_max, rlim_t(0));
        QCOMPARE(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);

        // Idempotent.
        QVERIFY(hardening::disableCoreDumps().has_value());
    }
};

QTEST_GUILESS_MAIN(TestProcessHardening)
#include "TestProcessHardening.moc"
