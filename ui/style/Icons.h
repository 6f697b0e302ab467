#pragma once

#include <QIcon>
#include <QString>

namespace portcullis::ui::icons {

// A themed icon from resources/icons/<name>.svg. An unknown name gives a null icon and a warning.
[[nodiscard]] QIcon themed(const QString &name);

// The full-colour application icon.
[[nodiscard]] QIcon application();

} // namespace portcullis::ui::icons
