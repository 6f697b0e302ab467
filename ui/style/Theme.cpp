#include "style/Theme.h"

#include <functional>

#include <QApplication>
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusVariant>
#include <QStyle>
#include <QStyleFactory>

namespace portcullis::ui {

namespace {

const QString PORTAL_SERVICE = QStringLiteral("org.freedesktop.portal.Desktop");
const QString PORTAL_PATH = QStringLiteral("/org/freedesktop/portal/desktop");
const QString PORTAL_SETTINGS = QStringLiteral("org.freedesktop.portal.Settings");
const QString APPEARANCE = QStringLiteral("org.freedesktop.appearance");
const QString COLOR_SCHEME = QStringLiteral("color-scheme");

// The portal's color-scheme values.
constexpr uint SCHEME_PREFER_DARK = 1;
constexpr uint SCHEME_PREFER_LIGHT = 2;

QPalette makePalette(const QColor &window, const QColor &base, const QColor &alternateBase, const QColor &text,
                     const QColor &button, const QColor &highlight, const QColor &link, const QColor &disabledText,
                     const QColor &placeholder)
{
    QPalette palette(button, window);
    palette.setColor(QPalette::Window, window);
    palette.setColor(QPalette::WindowText, text);
    palette.setColor(QPalette::Base, base);
    palette.setColor(QPalette::AlternateBase, alternateBase);
    palette.setColor(QPalette::Text, text);
    palette.setColor(QPalette::Button, button);
    palette.setColor(QPalette::ButtonText, text);
    palette.setColor(QPalette::BrightText, QColor(0xff, 0x5c, 0x5c));
    palette.setColor(QPalette::Highlight, highlight);
    palette.setColor(QPalette::HighlightedText, Qt::white);
    palette.setColor(QPalette::Link, link);
    palette.setColor(QPalette::LinkVisited, link.darker(120));
    palette.setColor(QPalette::ToolTipBase, base);
    palette.setColor(QPalette::ToolTipText, text);
    palette.setColor(QPalette::PlaceholderText, placeholder);
    for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        palette.setColor(QPalette::Disabled, role, disabledText);
    palette.setColor(QPalette::Disabled, QPalette::Highlight, disabledText);
    return palette;
}

bool gtkThemeIsDark()
{
    const QByteArray gtkTheme = qgetenv("GTK_THEME").toLower();
    return gtkTheme.endsWith(":dark") || gtkTheme.endsWith("-dark");
}

// Receives the portal's SettingChanged signal. QDBusConnection::connect only takes a slot by name before
// Qt 6.7, so this small receiver keeps that string connection out of Theme's interface.
class PortalListener : public QObject
{
    Q_OBJECT

public:
    PortalListener(std::function<void(uint)> schemeChanged, QObject *parent)
        : QObject(parent)
        , m_schemeChanged(std::move(schemeChanged))
    { }

public Q_SLOTS:
    void settingChanged(const QString &group, const QString &key, const QDBusVariant &value)
    {
        if (group == APPEARANCE && key == COLOR_SCHEME)
            m_schemeChanged(value.variant().toUInt());
    }

private:
    std::function<void(uint)> m_schemeChanged;
};

} // namespace

Theme::Theme(Mode mode, QObject *parent)
    : QObject(parent)
    , m_mode(mode)
{
    // Before any palette of ours is applied, the application palette is the platform's.
    const QColor window = QGuiApplication::palette().color(QPalette::Window);
    m_systemDark = gtkThemeIsDark() || window.lightness() < 128;
    querySystemScheme();
}

void Theme::setMode(Mode mode)
{
    if (m_mode == mode)
        return;
    m_mode = mode;
    apply();
}

bool Theme::isDark() const
{
    switch (m_mode) {
    case Mode::Light:
        return false;
    case Mode::Dark:
        return true;
    case Mode::FollowSystem:
        break;
    }
    return m_systemDark;
}

void Theme::apply()
{
    if (QApplication::style()->name().compare(QLatin1String("fusion"), Qt::CaseInsensitive) != 0) {
        if (QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion")))
            QApplication::setStyle(fusion);
    }
    const bool dark = isDark();
    QApplication::setPalette(dark ? darkPalette() : lightPalette());
    Q_EMIT changed(dark);
}

QPalette Theme::lightPalette()
{
    return makePalette(QColor(0xf5, 0xf6, 0xf8), Qt::white, QColor(0xf0, 0xf2, 0xf5), QColor(0x1f, 0x23, 0x28),
                       QColor(0xec, 0xee, 0xf1), QColor(0x2b, 0x63, 0xd9), QColor(0x1f, 0x57, 0xc9),
                       QColor(0x9a, 0xa0, 0xa8), QColor(0x6e, 0x77, 0x81));
}

QPalette Theme::darkPalette()
{
    QPalette palette = makePalette(QColor(0x1f, 0x22, 0x28), QColor(0x17, 0x19, 0x1e), QColor(0x23, 0x27, 0x2e),
                                   QColor(0xe4, 0xe7, 0xeb), QColor(0x2c, 0x31, 0x39), QColor(0x3d, 0x7b, 0xf0),
                                   QColor(0x7a, 0xb0, 0xff), QColor(0x6b, 0x72, 0x7c), QColor(0x8b, 0x93, 0x9e));
    palette.setColor(QPalette::Light, QColor(0x3a, 0x40, 0x4a));
    palette.setColor(QPalette::Midlight, QColor(0x30, 0x35, 0x3e));
    palette.setColor(QPalette::Mid, QColor(0x26, 0x2a, 0x31));
    palette.setColor(QPalette::Dark, QColor(0x12, 0x14, 0x18));
    palette.setColor(QPalette::Shadow, Qt::black);
    return palette;
}

QString Theme::modeKey(Mode mode)
{
    switch (mode) {
    case Mode::Light:
        return QStringLiteral("light");
    case Mode::Dark:
        return QStringLiteral("dark");
    case Mode::FollowSystem:
        break;
    }
    return QStringLiteral("system");
}

Theme::Mode Theme::modeFromKey(const QString &key)
{
    if (key == QLatin1String("light"))
        return Mode::Light;
    if (key == QLatin1String("dark"))
        return Mode::Dark;
    return Mode::FollowSystem;
}

void Theme::querySystemScheme()
{
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return;
    auto *listener = new PortalListener([this](uint scheme) { applyPortalScheme(scheme); }, this);
    bus.connect(PORTAL_SERVICE, PORTAL_PATH, PORTAL_SETTINGS, QStringLiteral("SettingChanged"), listener,
                SLOT(settingChanged(QString, QString, QDBusVariant)));
    QDBusMessage call
        = QDBusMessage::createMethodCall(PORTAL_SERVICE, PORTAL_PATH, PORTAL_SETTINGS, QStringLiteral("Read"));
    call << APPEARANCE << COLOR_SCHEME;
    auto *watcher = new QDBusPendingCallWatcher(bus.asyncCall(call, 2000), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher *finished) {
        finished->deleteLater();
        const QDBusPendingReply<QDBusVariant> reply = *finished;
        if (reply.isError())
            return; // No portal on this desktop: keep the palette-based guess.
        // Read() wraps the value in one more variant.
        QVariant value = reply.value().variant();
        if (value.canConvert<QDBusVariant>())
            value = value.value<QDBusVariant>().variant();
        applyPortalScheme(value.toUInt());
    });
}

void Theme::applyPortalScheme(uint scheme)
{
    bool dark = m_systemDark;
    if (scheme == SCHEME_PREFER_DARK)
        dark = true;
    else if (scheme == SCHEME_PREFER_LIGHT)
        dark = false;
    if (dark == m_systemDark)
        return;
    m_systemDark = dark;
    if (m_mode == Mode::FollowSystem)
        apply();
}

} // namespace portcullis::ui

#include "Theme.moc"
