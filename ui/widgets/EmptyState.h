#pragma once

#include <QIcon>
#include <QWidget>

class QLabel;

namespace portcullis::ui {

// A centred icon, headline and explanation for a view that has nothing to show, saying why and what will
// appear there. Never a sample row.
class EmptyState : public QWidget
{
    Q_OBJECT

public:
    EmptyState(const QIcon &icon, const QString &headline, const QString &explanation, QWidget *parent = nullptr);

    [[nodiscard]] QString headline() const { return m_headline; }
    [[nodiscard]] QString explanation() const { return m_explanation; }

protected:
    void changeEvent(QEvent *event) override;

private:
    void refreshIcon();

    QIcon m_icon;
    QLabel *m_iconLabel;
    QString m_headline;
    QString m_explanation;
};

} // namespace portcullis::ui
