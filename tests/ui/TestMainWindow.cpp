// The console shell, driven as a person would: by keyboard, with screenshots of every page written to
// <build>/tests/output/screenshots.

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QFontDatabase>
#include <QFontInfo>
#include <QLabel>
#include <QListWidget>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>

#include "TempDir.h"
#include "common/BuildInfo.h"
#include "common/Clock.h"
#include "engine/WorkspaceHost.h"
#include "shell/AboutDialog.h"
#include "shell/AreaCatalog.h"
#include "shell/MainWindow.h"
#include "style/Icons.h"
#include "style/Theme.h"
#include "widgets/EmptyState.h"
#include "widgets/Page.h"

using namespace portcullis;
using namespace portcullis::ui;

namespace {

const QStringList EXPECTED_TITLES = {
    QStringLiteral("Overview"), QStringLiteral("API Keys"),      QStringLiteral("OAuth Clients"),
    QStringLiteral("Flow Lab"), QStringLiteral("JWT Inspector"), QStringLiteral("Monitor"),
    QStringLiteral("Server"),   QStringLiteral("Settings"),
};

const QStringList ICON_NAMES = {
    QStringLiteral("overview"), QStringLiteral("api-keys"),      QStringLiteral("oauth-clients"),
    QStringLiteral("flow-lab"), QStringLiteral("jwt-inspector"), QStringLiteral("monitor"),
    QStringLiteral("server"),   QStringLiteral("settings"),      QStringLiteral("about"),
    QStringLiteral("quit"),
};

int distinctColors(const QImage &image)
{
    QSet<QRgb> colors;
    for (int y = 0; y < image.height(); y += 3) {
        for (int x = 0; x < image.width(); x += 3)
            colors.insert(image.pixel(x, y));
    }
    return int(colors.size());
}

// The lightness of the most opaque pixel: the colour the icon was drawn in.
int inkLightness(const QImage &image)
{
    int bestAlpha = 0;
    int lightness = -1;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            const QColor color = image.pixelColor(x, y);
            if (color.alpha() > bestAlpha) {
                bestAlpha = color.alpha();
                lightness = color.lightness();
            }
        }
    }
    return lightness;
}

// A console window on its own settings file, shown.
struct Console
{
    explicit Console(const QString &settingsPath, Theme::Mode mode = Theme::Mode::Light)
        : settings(settingsPath, QSettings::IniFormat)
        , theme(mode)
        , window(theme, settings)
    {
        theme.apply();
        window.show();
    }

    QSettings settings;
    Theme theme;
    MainWindow window;
};

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QApplication::setApplicationName(QStringLiteral("portcullis"));
        QApplication::setApplicationDisplayName(QStringLiteral("Portcullis"));
        QVERIFY(m_dir.isValid());
        m_screenshots = QStringLiteral(PORTCULLIS_TEST_OUTPUT_DIR "/screenshots");
        QVERIFY(QDir().mkpath(m_screenshots));
    }

    void walkEveryPageByKeyboard()
    {
        Console console(m_dir.filePath(QStringLiteral("walk.ini")));
        MainWindow &window = console.window;
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QCOMPARE(window.pageCount(), EXPECTED_TITLES.size());

        const QStringList families = QFontDatabase::families();
        QVERIFY2(!families.isEmpty(), "no fonts installed: text would render as boxes");

        for (int index = 0; index < window.pageCount(); ++index) {
            QTest::keyClick(&window, static_cast<Qt::Key>(Qt::Key_1 + index), Qt::ControlModifier);
            QCOMPARE(window.currentPage(), index);
            Page *page = window.page(index);
            QVERIFY(page->isVisible());
            QCOMPARE(page->title(), EXPECTED_TITLES.at(index));
            QCOMPARE(window.windowTitle(), EXPECTED_TITLES.at(index));

            auto *title = page->findChild<QLabel *>(QStringLiteral("pageTitle"));
            QVERIFY(title);
            QCOMPARE(title->text(), EXPECTED_TITLES.at(index));
            const QFontInfo font(title->font());
            QVERIFY2(families.contains(font.family()), qPrintable(u"font not resolved: " + font.family()));
            QVERIFY(!page->subtitle().isEmpty());

            // A page without its feature says so; it never shows sample rows.
            const auto emptyStates = page->findChildren<EmptyState *>();
            if (page->objectName() != QLatin1String("settingsPage")) {
                QCOMPARE(emptyStates.size(), 1);
                QVERIFY(!emptyStates.first()->headline().isEmpty());
                QVERIFY(emptyStates.first()->explanation().size() > 80);
            }

            const QImage shot = window.grab().toImage();
            QVERIFY(distinctColors(shot) > 20);
            const QString file
                = QStringLiteral("%1/%2-%3.png").arg(m_screenshots).arg(index + 1).arg(page->objectName());
            QVERIFY(shot.save(file));
        }
    }

    void arrowKeysMoveThroughNavigation()
    {
        Console console(m_dir.filePath(QStringLiteral("arrows.ini")));
        MainWindow &window = console.window;
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        QVERIFY(navigation);
        navigation->setFocus();
        QSignalSpy changed(&window, &MainWindow::currentPageChanged);
        QTest::keyClick(navigation, Qt::Key_Down);
        QTest::keyClick(navigation, Qt::Key_Down);
        QCOMPARE(window.currentPage(), 2);
        QCOMPARE(changed.size(), 2);
        QTest::keyClick(navigation, Qt::Key_End);
        QCOMPARE(window.currentPage(), window.pageCount() - 1);
    }

    void geometryAndPageAreRemembered()
    {
        const QString path = m_dir.filePath(QStringLiteral("geometry.ini"));
        {
            Console first(path);
            QVERIFY(QTest::qWaitForWindowExposed(&first.window));
            first.window.resize(930, 610);
            first.window.showPage(4);
            QVERIFY(first.window.close());
        }
        Console again(path);
        QVERIFY(QTest::qWaitForWindowExposed(&again.window));
        QCOMPARE(again.window.size(), QSize(930, 610));
        QCOMPARE(again.window.currentPage(), 4);
        QCOMPARE(again.window.windowTitle(), EXPECTED_TITLES.at(4));
    }

    void aboutNamesTheVersions()
    {
        const QString report = AboutDialog::versionReport();
        QVERIFY(report.contains(QStringLiteral("Portcullis: " PORTCULLIS_VERSION)));
        QVERIFY(report.contains(u"Qt: " + buildinfo::qtRuntimeVersion()));
        QVERIFY(report.contains(u"OpenSSL: " + buildinfo::opensslRuntimeVersion()));

        Console console(m_dir.filePath(QStringLiteral("about.ini")));
        MainWindow &window = console.window;
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showAbout();
        QDialog *dialog = nullptr;
        QTRY_VERIFY((dialog = window.findChild<AboutDialog *>()) && dialog->isVisible());
        auto *opensslLabel = dialog->findChild<QLabel *>(QStringLiteral("version:OpenSSL"));
        QVERIFY(opensslLabel);
        QCOMPARE(opensslLabel->text(), buildinfo::opensslRuntimeVersion());
        QVERIFY(dialog->grab().toImage().save(m_screenshots + QStringLiteral("/about.png")));
        dialog->close();
    }

    void themeFollowsTheSettingAndRecoloursIcons()
    {
        Console console(m_dir.filePath(QStringLiteral("theme.ini")));
        MainWindow &window = console.window;
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPage(7);
        auto *combo = window.page(7)->findChild<QComboBox *>(QStringLiteral("themeCombo"));
        QVERIFY(combo);

        const QIcon icon = icons::themed(QStringLiteral("api-keys"));
        QVERIFY(inkLightness(icon.pixmap(QSize(24, 24), 1.0).toImage()) < 80);

        QSignalSpy changed(&console.theme, &Theme::changed);
        combo->setCurrentIndex(combo->findData(QVariant::fromValue(Theme::Mode::Dark)));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().first().toBool(), true);
        QCOMPARE(console.settings.value(QStringLiteral("appearance/theme")).toString(), QStringLiteral("dark"));
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 80);
        QTRY_VERIFY(window.palette().color(QPalette::Window).lightness() < 80);
        QVERIFY(window.page(7)->palette().color(QPalette::Window).lightness() < 80);
        QVERIFY(inkLightness(icon.pixmap(QSize(24, 24), 1.0).toImage()) > 180);
        QVERIFY(window.grab().toImage().save(m_screenshots + QStringLiteral("/settings-dark.png")));

        combo->setCurrentIndex(combo->findData(QVariant::fromValue(Theme::Mode::Light)));
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() > 200);
        QCOMPARE(console.settings.value(QStringLiteral("appearance/theme")).toString(), QStringLiteral("light"));
    }

    void settingsSayWhenSecretsLastOnlyThisSession()
    {
        // No keychain answers here (a D-Bus address that leads nowhere), so the workspace keeps secrets in memory
        // and the console says so on the Settings page and in the status bar.
        qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/portcullis-test-bus");
        Console console(m_dir.filePath(QStringLiteral("secrets.ini")));
        const SystemClock clock;
        engine::WorkspaceHost host(clock);
        connect(&host, &engine::WorkspaceHost::opened, &console.window, &MainWindow::showWorkspace);
        engine::WorkspaceOptions options;
        options.directory = m_dir.filePath(QStringLiteral("workspace"));
        options.secrets = QStringLiteral("keychain-or-session");
        host.open(options);
        auto *label = console.window.findChild<QLabel *>(QStringLiteral("secretsLabel"));
        QVERIFY(label);
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains(u"for this session only"), 15000);
        QVERIFY(label->text().contains(u"No keychain is reachable"));
        console.window.showPage(int(AreaCatalog::areas().size()) - 1);
        QVERIFY(console.window.grab().save(m_screenshots + QStringLiteral("/settings-session-secrets.png")));
    }

    void alertsShowInTheStatusBar()
    {
        Console console(m_dir.filePath(QStringLiteral("alerts.ini")));
        console.window.show();
        console.window.showAlert(QStringLiteral("failed-auth-burst"),
                                 QStringLiteral("5 failed authentications for user alice within 1 hour."), false);
        const QString message = console.window.statusBar()->currentMessage();
        QVERIFY2(message.contains(u"failed-auth-burst"), qPrintable(message));
        QVERIFY(message.contains(u"5 failed authentications for user alice"));
        QTest::qWait(50); // the status bar was made for this message: let it be laid out
        QVERIFY(console.window.grab().save(m_screenshots + QStringLiteral("/alert-status-bar.png")));
    }

    void iconsAreSharpAtHighDpi()
    {
        for (const QString &name : ICON_NAMES) {
            const QIcon icon = icons::themed(name);
            QVERIFY2(!icon.isNull(), qPrintable(name));
            const QPixmap pixmap = icon.pixmap(QSize(20, 20), 2.0);
            QCOMPARE(pixmap.size(), QSize(40, 40));
            QCOMPARE(pixmap.devicePixelRatio(), 2.0);
            QVERIFY2(inkLightness(pixmap.toImage()) >= 0, qPrintable(name));
        }
        const QIcon application = icons::application();
        QVERIFY(!application.isNull());
        QCOMPARE(application.pixmap(QSize(64, 64), 2.0).size(), QSize(128, 128));
    }

private:
    test::TempDir m_dir;
    QString m_screenshots;
};

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
