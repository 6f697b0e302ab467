#pragma once

namespace portcullis::startup {

// The first call in every main(): in release builds, disables core dumps (a failure is reported on stderr and
// the program goes on); then installs the redacting log handler.
void prepareProcess(const char *programName);

} // namespace portcullis::startup
