#pragma once

#include <QByteArray>

#include "common/Result.h"

namespace portcullis::test {

// For QVERIFY2 messages, which Qt 6.4 evaluates even when the check passes: the error's text, or nothing.
template<typename T>
QByteArray why(const Result<T> &result)
{
    return result.has_value() ? QByteArray() : result.error().toString().toUtf8();
}

} // namespace portcullis::test
