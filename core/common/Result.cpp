#include "Result.h"

#include <QtGlobal>

namespace portcullis {

void resultAccessFailure(const Error &error)
{
    qFatal("Result::value() called on an error: %s", qUtf8Printable(error.toString()));
}

} // namespace portcullis
