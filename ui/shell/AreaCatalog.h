#pragma once

#include <QCoreApplication>
#include <QList>
#include <QString>

namespace portcullis::ui {

// The console's areas in navigation order (Ctrl+1 … Ctrl+8), with what each one shows while its feature has
// not landed in this build.
struct Area
{
    QString id;
    QString title;
    QString icon;
    QString subtitle;
    QString emptyHeadline;
    QString emptyText;
};

class AreaCatalog
{
    Q_DECLARE_TR_FUNCTIONS(AreaCatalog)

public:
    [[nodiscard]] static QList<Area> areas();
};

} // namespace portcullis::ui
