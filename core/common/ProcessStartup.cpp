#include "ProcessStartup.h"

#include <cstdio>

#include "Logging.h"
#include "ProcessHardening.h"

namespace portcullis::startup {

void prepareProcess(const char *programName)
{
#ifdef NDEBUG
    if (auto hardened = hardening::disableCoreDumps(); !hardened)
        std::fprintf(stderr, "%s: warning: %s\n", programName, qUtf8Printable(hardened.error().detail()));
#else
    Q_UNUSED(programName)
#endif
    logging::installRedactingHandler();
}

} // namespace portcullis::startup
