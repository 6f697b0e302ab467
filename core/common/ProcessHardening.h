#pragma once

#include "Result.h"

namespace portcullis::hardening {

// Keeps secrets in this process's memory out of core files and away from same-user debuggers: sets
// RLIMIT_CORE to zero and clears the dumpable flag. Release builds call it first thing in main().
Result<void> disableCoreDumps();

// True when the process can no longer write a core dump (RLIMIT_CORE is zero and it is not dumpable).
[[nodiscard]] bool coreDumpsDisabled();

} // namespace portcullis::hardening
