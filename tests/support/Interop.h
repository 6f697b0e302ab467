#pragma once

#include <QString>
#include <QTest>

// For a test that needs a tool from outside (node, npm, chromium): skips with `missing` (a reason, empty when
// nothing is missing), except when PORTCULLIS_REQUIRE_INTEROP=1 (.ci/run sets it), where a missing tool fails the
// test so that CI cannot pass by skipping. Use in a test function (it returns from it).
#define PORTCULLIS_REQUIRE_TOOLS(missing)                                                                              \
    do {                                                                                                               \
        const QString portcullisMissing_ = (missing);                                                                  \
        if (!portcullisMissing_.isEmpty()) {                                                                           \
            if (qEnvironmentVariableIntValue("PORTCULLIS_REQUIRE_INTEROP") == 1)                                       \
                QFAIL(qPrintable(portcullisMissing_ + QStringLiteral(" (PORTCULLIS_REQUIRE_INTEROP=1)")));             \
            QSKIP(qPrintable(portcullisMissing_));                                                                     \
        }                                                                                                              \
    } while (false)
