#pragma once

namespace portcullis::monitor {

// Why the event log or an export refused. Store failures keep their StoreError; each Error's detail says what was
// wrong and what to do.
enum class EventLogError
{
    InvalidQuery, // a limit, time range or subject outside what a query accepts
    ExportFailed, // the export could not be written (disk full, closed device)
};

const char *errorDomain(EventLogError);
const char *errorCodeName(EventLogError code);

} // namespace portcullis::monitor
