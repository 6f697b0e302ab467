// The console's composition root: process hardening, logging, the application object, the theme, the main
// window and the default workspace.

#include <cstdio>

#include <QApplication>
#include <QSettings>

#include "common/Clock.h"
#include "common/ProcessStartup.h"
#include "engine/WorkspaceHost.h"
#include "settings/SettingsPage.h"
#include "shell/MainWindow.h"
#include "style/Icons.h"
#include "style/Theme.h"

namespace {

// Qt aborts with a cryptic message when it cannot reach a display; say what to do instead.
bool displayAvailable(int argc, char **argv)
{
    if (!qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") || !qEnvironmentVariableIsEmpty("DISPLAY")
        || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        return true;
    for (int i = 1; i < argc; ++i) {
        if (qstrcmp(argv[i], "-platform") == 0 || qstrncmp(argv[i], "-platform=", 10) == 0)
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char **argv)
{
    portcullis::startup::prepareProcess("portcullis");

    if (!displayAvailable(argc, argv)) {
        std::fprintf(stderr,
                     "portcullis: no display found (DISPLAY and WAYLAND_DISPLAY are not set).\n"
                     "Start it from a desktop session, or without a screen under a virtual X server:\n"
                     "    xvfb-run -a %s\n"
                     "For scripting, the command-line tool needs no display: portcullis-cli --help\n",
                     argv[0]);
        return 1;
    }

    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Portcullis"));
    QApplication::setApplicationName(QStringLiteral("portcullis"));
    QApplication::setApplicationDisplayName(QStringLiteral("Portcullis"));
    QApplication::setApplicationVersion(QStringLiteral(PORTCULLIS_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(PORTCULLIS_APP_ID));
    QApplication::setWindowIcon(portcullis::ui::icons::application());

    QSettings settings;
    portcullis::ui::Theme theme(portcullis::ui::Theme::modeFromKey(
        settings.value(QLatin1String(portcullis::ui::SettingsPage::THEME_KEY)).toString()));
    theme.apply();

    portcullis::ui::MainWindow window(theme, settings);
    window.show();

    // The default workspace, opened off the GUI thread: the keychain when one answers, else session-only secrets.
    const portcullis::SystemClock clock;
    portcullis::engine::WorkspaceHost workspace(clock);
    QObject::connect(&workspace, &portcullis::engine::WorkspaceHost::opened, &window,
                     &portcullis::ui::MainWindow::showWorkspace);
    QObject::connect(&workspace, &portcullis::engine::WorkspaceHost::failed, &window,
                     &portcullis::ui::MainWindow::showWorkspaceFailure);
    QObject::connect(&workspace, &portcullis::engine::WorkspaceHost::alertRaised, &window,
                     &portcullis::ui::MainWindow::showAlert);
    portcullis::engine::WorkspaceOptions options;
    options.secrets = QStringLiteral("keychain-or-session");
    workspace.open(options);
    return QApplication::exec();
}
