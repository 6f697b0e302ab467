#pragma once

#include <QList>
#include <QString>

#include "jose/CompactJws.h"

namespace portcullis::jose {

struct DiffEntry
{
    enum class Change
    {
        Added,
        Removed,
        Changed,
    };
    QString section; // "header" or "claims"
    QString name;
    Change change;
    QString before; // display text; time claims as "1767225600 (2026-01-01 00:00:00 UTC)"
    QString after;
};

// Compares two tokens member by member: header, then claims, each in the order of the first token, then members
// only the second has.
class TokenDiff
{
public:
    [[nodiscard]] static QList<DiffEntry> diff(const CompactJws &a, const CompactJws &b);
    [[nodiscard]] static QString changeName(DiffEntry::Change change);
};

} // namespace portcullis::jose
