#include "ProcessHardening.h"

#include <cerrno>
#include <cstring>

#include <sys/prctl.h>
#include <sys/resource.h>

#include <QString>

namespace portcullis::hardening {

Result<void> disableCoreDumps()
{
    const rlimit none {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) {
        return Error(CommonError::Internal,
                     QStringLiteral("could not set the core dump size limit to zero: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return Error(CommonError::Internal,
                     QStringLiteral("could not mark the process as not dumpable: %1")
                         .arg(QString::fromLocal8Bit(std::strerror(errno))));
    }
    return {};
}

bool coreDumpsDisabled()
{
    rlimit current {};
    if (getrlimit(RLIMIT_CORE, &current) != 0)
        return false;
    return current.rlim_cur == 0 && current.rlim_max == 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
}

} // namespace portcullis::hardening
