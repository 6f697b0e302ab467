#pragma once

#include <QString>
#include <QVariantList>

#include "common/Result.h"

namespace portcullis::monitor {

struct EventQuery;

// The SELECT that EventLog runs for a query, with its values in bind order; the same text on SQLite and PostgreSQL.
// Apart from EventLog so a test can ask the database how it runs it (EXPLAIN QUERY PLAN) and see that it uses an index.
struct EventSelect
{
    QString statement;
    QVariantList values;
};

// EventLogError::InvalidQuery for a limit outside 1..MAX_LIMIT, an empty time range, or negative ids.
[[nodiscard]] Result<EventSelect> eventSelect(const EventQuery &query);

} // namespace portcullis::monitor
