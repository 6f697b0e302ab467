#pragma once

#include <functional>

#include <QByteArray>

#include "common/Result.h"
#include "monitor/EventLog.h"
#include "monitor/SecurityEvent.h"

class QIODevice;

namespace portcullis::monitor {

enum class ExportFormat
{
    JsonLines, // one compact toJson() object per line
    Csv, // RFC 4180, with a header row; see csvRow()
};

struct ExportOptions
{
    ExportFormat format = ExportFormat::JsonLines;
    qsizetype pageSize = 1000; // rows read from the log at a time
    // Called after each page is written, with the number of events written so far (progress, cancellation checks).
    std::function<void(qint64)> onPage;
};

// The CSV header: time,type,severity,source,key_id,client_id,user,reason,route,detail,instance (CRLF-terminated).
[[nodiscard]] QByteArray csvHeader();
// One CSV record (CRLF-terminated). A field holding a comma, quote, CR or LF is quoted, quotes doubled. A field that
// a spreadsheet would read as a formula (starting with = + - @, a tab or CR) gets a leading apostrophe first.
[[nodiscard]] QByteArray csvRow(const SecurityEvent &event);
// One JSON Lines record: toJson(event), compact, then a line feed.
[[nodiscard]] QByteArray jsonLine(const SecurityEvent &event);

// Writes every event matching `query` (its limit ignored) to `out`, reading the log a page at a time so memory
// stays bounded whatever the row count. Returns the number of events written; EventLogError::ExportFailed when
// `out` refuses data.
[[nodiscard]] Result<qint64> exportEvents(const EventLog &log, const EventQuery &query, QIODevice &out,
                                          const ExportOptions &options);

} // namespace portcullis::monitor
