#include "style/Icons.h"

#include <QFile>
#include <QLoggingCategory>

#include "style/ThemedIconEngine.h"

Q_LOGGING_CATEGORY(lcIcons, "portcullis.ui.icons")

namespace portcullis::ui::icons {

QIcon themed(const QString &name)
{
    QFile file(QStringLiteral(":/icons/") + name + QStringLiteral(".svg"));
    if (!file.open(QIODevice::ReadOnly)) {
        qCWarning(lcIcons) << "no icon named" << name;
        return {};
    }
    return QIcon(new ThemedIconEngine(file.readAll()));
}

QIcon application()
{
    return QIcon(QStringLiteral(":/app/" PORTCULLIS_APP_ID ".svg"));
}

} // namespace portcullis::ui::icons
