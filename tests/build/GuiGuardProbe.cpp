// Must not compile: a core translation unit reaching for QtGui. tests/build checks the guard's message.
#include <QtGui/QColor>

int probeGuiGuard()
{
    return QColor(Qt::red).red();
}
